/**
 * The one config parser (STYLE.md §5). Every setting is declared once below with
 * its zod type, default and a one-line description; its flag (`--data-dir`) and
 * environment variable (`STEMEDB_DATA_DIR`) are derived from its key. Precedence
 * is flags > STEMEDB_* environment > defaults (SPEC §1). The result is frozen
 * and passed down: no other module reads process.env.
 */
import { z } from "zod";
import { StemeError } from "./errors.ts";

const MiB = 1024 * 1024;

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max);
const num = (min: number, max: number) => z.coerce.number().min(min).max(max);
/** The spellings a boolean setting accepts, any case (README "Configuration"). */
export const BOOLEAN_SPELLINGS = {
  true: ["true", "1", "yes", "on"],
  false: ["false", "0", "no", "off"],
} as const;
const TRUE_WORDS: ReadonlySet<string> = new Set(BOOLEAN_SPELLINGS.true);
const BOOLEAN_WORDS: ReadonlySet<string> = new Set([
  ...BOOLEAN_SPELLINGS.true,
  ...BOOLEAN_SPELLINGS.false,
]);
/** A boolean from its spelling; anything else stays as given, for z.boolean to refuse by name. */
const booleanWord = (v: unknown): unknown => {
  if (typeof v !== "string") return v;
  const word = v.trim().toLowerCase();
  return BOOLEAN_WORDS.has(word) ? TRUE_WORDS.has(word) : v;
};
const bool = () =>
  z.preprocess(
    booleanWord,
    z.boolean({
      error: "not a boolean: use true, 1, yes or on, or false, 0, no or off (any case)",
    }),
  );

/** The settings table. Order here is the order of `.env.example`. */
export const SETTINGS = {
  dataDir: {
    type: z.string().min(1),
    default: "./data",
    doc: "data directory (segment log, SQLite state, node key)",
  },
  port: { type: int(0, 65535), default: 18180, doc: "HTTP port (0 picks a free one)" },
  host: { type: z.string().min(1), default: "127.0.0.1", doc: "HTTP listen address" },
  logLevel: {
    type: z.enum(["debug", "info", "warn", "error"]),
    default: "info",
    doc: "structured log level",
  },
  segmentBytes: {
    type: int(4096, 1024 * MiB),
    default: 10 * MiB,
    doc: "roll the segment log at this size",
  },
  logRetentionHours: {
    type: num(0, 1e6),
    default: 168,
    doc: "remove applied (and archived) segments older than this",
  },
  maxSkewMs: {
    type: int(0),
    default: 300_000,
    doc: "reject an assertion whose ts is further ahead of server time",
  },
  maxValueBytes: {
    type: int(1, 64 * MiB),
    default: 16_384,
    doc: "maximum canonical size of an assertion's value",
  },
  verifyWorkers: {
    type: int(0, 64),
    default: 2,
    doc: "worker threads that validate and verify batches of 16 or more landing on the main thread, started only when it serves HTTP (STEMEDB_WRITER_HTTP=true or 0 HTTP threads; 0 = on the main thread; 2 measured 1.5x the batch ingest of 0 on 2 cores, see README Performance); each starts with the first batch it gets and exits after 10 s without one, so an idle server holds no verify heaps (RSS)",
  },
  httpThreads: {
    type: int(0, 64),
    default: 1,
    /** Its name before writes were prepared on these threads too (issue 17); still read. */
    alias: "readerThreads",
    doc: "HTTP threads on the same port: each answers reads (own read-only SQLite connection) and validates and verifies the writes it receives; the rest is forwarded to the main thread, the writer; 0 = the main thread serves everything; 2 answer 1.8-2.0x the queries of 1 from 64 connections but measured 298-333 MB RSS at 1M against 1's 253 (SPEC 9: at most 300), see README Threads",
  },
  writerHttp: {
    type: bool(),
    default: false,
    doc: "the writer's thread (the main thread) also serves HTTP connections beside the HTTP threads (and runs the verify workers); false = it serves none and does only what must be serial (plan, log, apply, tree head): 0.6-0.7x its CPU per single POST, see README Threads; ignored with 0 HTTP threads",
  },
  writerCacheMib: {
    type: int(1, 64 * 1024),
    default: 32,
    doc: "SQLite page cache of the writer's connection, MiB (counts in RSS; 32 measured 0.90x the RSS of 64 and the same CPU per assertion at 100k, see README Performance)",
  },
  readerCacheMib: {
    type: int(1, 64 * 1024),
    default: 8,
    doc: "SQLite page cache of each reader thread's connection, MiB (counts in RSS once per thread; a cold query at 1M reads one key's few pages, which the OS page cache serves: 8 holds the index interiors, see README Performance)",
  },

  maxBatch: {
    type: int(1, 1_000_000),
    default: 1000,
    doc: "maximum assertions in one batch request",
  },
  maxBodyBytes: {
    type: int(1024, 1024 * MiB),
    default: 4 * MiB,
    doc: "maximum HTTP request body size",
  },
  httpIdleTimeoutS: {
    type: int(1, 255),
    default: 75,
    doc: "close a keep-alive connection after this many idle seconds (announced in a Keep-Alive header; never while a request on it is being answered); above nginx's 60 s upstream keep-alive",
  },
  queryCacheBytes: {
    type: int(0, 1024 * MiB),
    default: 4 * MiB,
    doc: "answer cache of current-tree queries on each HTTP thread, bound in bytes (invalidated exactly by the writer's published changes; 0 = off); counts toward RSS once per thread",
  },
  defaultTrust: {
    type: num(0, 1),
    default: 0.5,
    doc: "trust of an agent missing from the registry (trust lens)",
  },
  adminToken: {
    type: z.string().min(16).optional(),
    default: undefined,
    doc: "admin bearer token; generated into the data dir when unset",
  },
  // Content defense (SPEC §6). Defaults never get in the way of honest use or the SPEC §9 benchmarks.
  agentPolicy: {
    type: z.enum(["open", "registered", "probation"]),
    default: "open",
    doc: "open: anyone; registered: only agents in the registry (others 403); probation: unregistered agents' assertions are quarantined",
  },
  quarantineSuspicious: {
    type: bool(),
    default: true,
    doc: "quarantine prompt-injection phrases, invisible/bidi-override Unicode and script tags",
  },
  quarantineContradiction: {
    type: bool(),
    default: true,
    doc: "quarantine a lower-trust agent contradicting a strong consensus",
  },
  contradictionMinAgents: {
    type: int(2, 1_000_000),
    default: 3,
    doc: "agents that make a consensus strong (with the agreement below)",
  },
  contradictionMinAgreement: {
    type: num(0, 1),
    default: 0.9,
    doc: "agreement that makes a consensus strong",
  },
  floodPerKeyPerMinute: {
    type: int(0),
    default: 120,
    doc: "assertions one agent may make on one key per minute before quarantine (0 = off)",
  },
  agentBreakerWindow: {
    type: int(1, 100_000),
    default: 50,
    doc: "recent submissions per agent the agent breaker looks at",
  },
  agentBreakerMinSubmissions: {
    type: int(1, 100_000),
    default: 20,
    doc: "submissions in the window before the agent breaker may open",
  },
  agentBreakerThreshold: {
    type: num(0, 1),
    default: 0.8,
    doc: "share of rejected or quarantined submissions in the window that opens the agent breaker (0 = off)",
  },
  agentBreakerOpenSeconds: {
    type: num(0.001, 86_400),
    default: 30,
    doc: "how long an open agent breaker refuses before a half-open trial",
  },
  storageBreakerProbeSeconds: {
    type: num(0.001, 3600),
    default: 5,
    doc: "how often an open storage breaker probes the log",
  },
  rateAssertPerAgent: {
    type: num(0, 1e9),
    default: 5000,
    doc: "assertions/s per agent key (token bucket; 0 = off)",
  },
  rateAssertPerIp: {
    type: num(0, 1e9),
    default: 100_000,
    doc: "assert requests/s per client IP (0 = off)",
  },
  rateQueryPerIp: {
    type: num(0, 1e9),
    default: 100_000,
    doc: "read requests/s per client IP (0 = off)",
  },
  rateAdminPerIp: {
    type: num(0, 1e9),
    default: 50,
    doc: "admin requests/s per client IP, failed tokens included (0 = off)",
  },
  rateBurstSeconds: {
    type: num(0.001, 3600),
    default: 2,
    doc: "bucket size, in seconds of the rate (burst allowance)",
  },
  // Backup and continuous archival (SPEC §7). S3 credentials, region and endpoint are the AWS SDK's own environment.
  archiveTo: {
    type: z.string().min(1).optional(),
    default: undefined,
    doc: "ship new log records continuously to this target (s3://bucket/prefix or a directory) and scrub it of redacted assertions; in cluster mode the backup URL: scrubbed and its backups listed, nothing shipped; unset = no archival",
  },
  archiveIntervalMs: {
    type: int(10, 86_400_000),
    default: 1000,
    doc: "how often the archiver ships new log records (ms)",
  },
  archiveShip: {
    type: bool(),
    default: true,
    doc: "with --archive-to: true ships from the server; false only follows the target's listing (archive-wal ships from a timer) for retention, health and metrics, and scrubs it; no effect in cluster mode",
  },
  archiveSync: {
    type: bool(),
    default: false,
    doc: "with --archive-to: acknowledge a write only once the archive holds it (RPO 0); each write waits for an upload",
  },
  archiveSyncTimeoutMs: {
    type: int(100, 600_000),
    default: 10_000,
    doc: "with --archive-sync: how long a write waits for the archive before 503 archive_unavailable (it is stored locally; retry it)",
  },
  s3ForcePathStyle: {
    type: bool(),
    default: false,
    doc: "address S3 buckets by path (http://host/bucket/key), for MinIO-style stores and s3rver",
  },
  trustProxyHops: {
    type: int(0, 16),
    default: 0,
    doc: "reverse proxies in front whose X-Forwarded-For is trusted for the client IP",
  },
  // Cluster mode (SPEC §10): set natsUrl to run over NATS JetStream instead of the local segment log.
  natsUrl: {
    type: z
      .string()
      .regex(/^nats:\/\/[^,\s]+(,nats:\/\/[^,\s]+)*$/, "comma-separated nats://host:port URLs")
      .optional(),
    default: undefined,
    doc: "NATS servers (nats://h1:4222,nats://h2:4222,…): cluster mode over a JetStream stream; unset = single node",
  },
  natsStream: {
    type: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, _ and - (1-64)"),
    default: "stemedb",
    doc: "the JetStream stream that holds the cluster's log",
  },
  natsReplicas: {
    type: int(1, 5),
    default: 3,
    doc: "stream replicas (JetStream Raft group size) when the stream is created",
  },
  natsMaxAgeHours: {
    type: num(0, 1e6),
    default: 168,
    doc: "stream retention: records older than this are dropped (0 = keep forever); a node further behind must be restored from a backup",
  },
  natsMaxMessages: {
    type: int(0),
    default: 0,
    doc: "stream retention by count: the stream keeps at most this many records, dropping the oldest (0 = no limit); a node further behind must be restored from a backup",
  },
  natsDuplicateWindowMs: {
    type: int(1000, 86_400_000),
    default: 120_000,
    doc: "JetStream duplicate window for Nats-Msg-Id (the assertion id)",
  },
  clusterMaxLagRecords: {
    type: int(0),
    default: 10_000,
    doc: "cluster mode: not ready while this node is more than this many stream records behind",
  },
  minTreeSizeWaitMs: {
    type: int(0, 60_000),
    default: 5000,
    doc: "longest a read with min_tree_size waits for this node to reach that size before a 503",
  },
} as const satisfies Record<
  string,
  { type: z.ZodType; default: unknown; doc: string; alias?: string }
>;

/**
 * The client commands' settings (assert, query, import, proof, mcp): where the
 * server is, which agent key signs, which server key tree heads must carry.
 * Same derivation as SETTINGS (`STEMEDB_URL`, `--url`), except that a setting
 * may name its flag (`agentKey` is `--key`, as every command spells it).
 */
export const CLIENT_SETTINGS = {
  url: {
    type: z.string().min(1),
    default: `http://${SETTINGS.host.default}:${SETTINGS.port.default}`,
    doc: "StemeDB server URL the client commands (assert, query, import, proof, mcp) talk to",
  },
  agentKey: {
    type: z.string().min(1).optional(),
    default: undefined,
    flag: "key",
    doc: "agent key file (from `stemedb keygen --out`, mode 0600) that assert, import and mcp sign with",
  },
  serverKey: {
    type: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex chars")
      .optional(),
    default: undefined,
    doc: "pin the server's tree-head key (64 hex): proof and mcp refuse tree heads signed by any other key",
  },
  operatorKeys: {
    type: z
      .string()
      .regex(/^[0-9a-f]{64}(,[0-9a-f]{64})*$/, "must be 64-hex keys separated by commas")
      .optional(),
    default: undefined,
    flag: "operator-key",
    doc: "pin the operator keys trusted to redact (64 hex, comma-separated; SPEC §12): mcp's verify refuses a redaction by any other key, and without a pin names the key; dr-drill without --operator-key also trusts them to have signed the URL's redactions",
  },
} as const satisfies Record<
  string,
  { type: z.ZodType; default: unknown; doc: string; flag?: string }
>;

type SettingsTable = Record<
  string,
  { type: z.ZodType; default: unknown; doc: string; flag?: string; alias?: string }
>;

export type SettingKey = keyof typeof SETTINGS;
export type Config = Readonly<{ [K in SettingKey]: z.output<(typeof SETTINGS)[K]["type"]> }>;
export type ClientSettingKey = keyof typeof CLIENT_SETTINGS;
export type ClientConfig = Readonly<{
  [K in ClientSettingKey]: z.output<(typeof CLIENT_SETTINGS)[K]["type"]>;
}>;

export function envName(key: string): string {
  return `STEMEDB_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** The flag of setting `key` (without `--`): its own `flag`, else derived from the key. */
export function flagName(
  key: string,
  setting?: { readonly flag?: string; readonly doc: string },
): string {
  return setting?.flag ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Parse the configuration. `flags` uses setting keys (camelCase) with raw string
 * or number values, as a CLI parser hands them over; `env` is the environment.
 */
export function parseConfig(
  flags: Partial<Record<SettingKey, unknown>> = {},
  env: Record<string, string | undefined> = {},
): Config {
  return parseTable(SETTINGS, flags, env) as Config;
}

/** Parse the client commands' settings (flags > STEMEDB_* env > defaults), as `parseConfig`. */
export function parseClientConfig(
  flags: Partial<Record<ClientSettingKey, unknown>> = {},
  env: Record<string, string | undefined> = {},
): ClientConfig {
  return parseTable(CLIENT_SETTINGS, flags, env) as ClientConfig;
}

function parseTable(
  table: SettingsTable,
  flags: Record<string, unknown>,
  env: Record<string, string | undefined>,
): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(table)) {
    // An old name (`alias`) is read where the current one is not given.
    const old = setting.alias;
    const fromFlag = flags[key] ?? (old === undefined ? undefined : flags[old]);
    const envKey = env[envName(key)] || old === undefined ? envName(key) : envName(old);
    const fromEnv = env[envKey];
    const raw = fromFlag ?? (fromEnv === "" ? undefined : fromEnv) ?? setting.default;
    const source =
      fromFlag !== undefined ? `--${flagName(key, setting)}` : fromEnv ? envKey : "default";
    const parsed = setting.type.safeParse(raw);
    if (!parsed.success) {
      const why = parsed.error.issues[0]?.message ?? "invalid";
      throw new StemeError("config_invalid", `invalid ${source}=${String(raw)}: ${why}`, {
        field: key,
      });
    }
    out[key] = parsed.data;
  }
  return Object.freeze(out);
}

/** `.env.example` text, generated from both tables so it can never drift. */
export function envExample(): string {
  const lines = ["# StemeDB settings. Flags override these; these override the defaults shown."];
  const section = (table: Record<string, { default: unknown; doc: string }>) => {
    for (const [key, setting] of Object.entries(table)) {
      lines.push(`# ${setting.doc}`);
      const value = setting.default === undefined ? "" : String(setting.default);
      lines.push(`${value === "" ? "# " : ""}${envName(key)}=${value}`);
    }
  };
  section(SETTINGS);
  lines.push("", "# Client commands (assert, query, import, proof, mcp).");
  section(CLIENT_SETTINGS);
  return `${lines.join("\n")}\n`;
}
