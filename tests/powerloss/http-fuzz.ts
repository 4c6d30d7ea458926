/**
 * A seeded fuzz of the HTTP API (SPEC §3: "never a 500 for anything a client
 * sent"), through `app.request()` on a real engine: valid and mutated signed
 * assertions, singles, batches and NDJSON, retractions of real and made-up
 * ids, garbage bodies and content types, deep JSON, and every read route with
 * hostile parameters. Afterwards nothing may be stored that was not
 * acknowledged (the tree holds exactly the acknowledged ids) and
 * `stemedb verify` passes on the data dir. Rate limits and the agent breaker
 * are off so every request reaches the code under test.
 *
 * Shared by the CI test (http-fuzz.test.ts) and `npm run powerloss -- --fuzz N`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config.ts";
import { Engine } from "../../src/engine/engine.ts";
import { fromHex } from "../../src/hex.ts";
import { createApp } from "../../src/http/app.ts";
import { Metrics } from "../../src/http/metrics.ts";
import { SERVER_VERSION } from "../../src/http/server-version.ts";
import { silentLogger } from "../../src/logger.ts";
import type { Assertion } from "../../src/protocol/assertion.ts";
import { verifyDataDir } from "../../src/verify/verify-data-dir.ts";
import { fastSigner } from "../helpers/fast-sign.ts";
import { type Prng, prng } from "../helpers/prng.ts";

const TOKEN = "fuzz-admin-token-0123456789abcdef";
const HEX = "0123456789abcdef";
const WEIRD = [
  "",
  "-1",
  "0",
  "1e309",
  "NaN",
  "9007199254740993",
  "%00",
  "../..",
  "ü",
  "\u202e",
  "null",
  "[]",
  "a".repeat(600),
];

export interface FuzzResult {
  requests: number;
  acknowledged: number;
  stored: number;
  byStatus: string;
  verified: boolean;
  failures: string[];
}

type Req = {
  method: string;
  path: string;
  body?: string | Uint8Array;
  type?: string;
  admin?: boolean;
};

/** One random mutation of a signed assertion (or none). */
function mutate(rnd: Prng, doc: Assertion, known: string[]): unknown {
  const d: Record<string, unknown> = { ...doc };
  switch (rnd.int(0, 11)) {
    case 0:
      return d; // valid
    case 1:
      delete d[rnd.pick(Object.keys(d))];
      return d;
    case 2:
      d[rnd.pick(["extra", "__proto__", "constructor", "V"])] = rnd.pick(WEIRD);
      return d;
    case 3:
      d[rnd.pick(Object.keys(d))] = rnd.pick<unknown>([
        null,
        1.5,
        -1,
        "x",
        [],
        {},
        true,
        2 ** 60,
        ...WEIRD,
      ]);
      return d;
    case 4: {
      const sig = String(d.sig);
      const i = rnd.int(0, sig.length - 1);
      d.sig = sig.slice(0, i) + (sig[i] === "0" ? "1" : "0") + sig.slice(i + 1);
      return d;
    }
    case 5:
      d.retracts = known.length > 0 && rnd.chance(0.7) ? rnd.pick(known) : rnd.string(64, HEX);
      return d;
    case 6:
      d.concept = rnd.pick([
        "",
        "/",
        "a//b",
        "A/b",
        "a/".repeat(40),
        `x/${"y".repeat(70)}`,
        "ok/\u200b",
      ]);
      return d;
    case 7:
      d.ts = rnd.pick([0, -1, 946684799999, Date.now() + 3_600_000, 1.5, 2 ** 53]);
      return d;
    case 8:
      d.value = "v".repeat(rnd.int(16_000, 17_000));
      return d;
    case 9:
      d.evidence = Array.from({ length: rnd.int(0, 20) }, () =>
        rnd.pick(["", "http://x", "a".repeat(513)]),
      );
      return d;
    default:
      return d;
  }
}

function nested(depth: number): string {
  return "[".repeat(depth) + "]".repeat(depth);
}

/** The next request the seed draws. */
function draw(rnd: Prng, sign: (v: number) => Assertion, known: string[], n: number): Req {
  const k = rnd.int(0, 19);
  if (k < 6)
    return {
      method: "POST",
      path: "/v1/assert",
      body: JSON.stringify(mutate(rnd, sign(n), known)),
      type: "application/json",
    };
  if (k < 9) {
    const items = Array.from({ length: rnd.int(0, 30) }, (_, i) =>
      mutate(rnd, sign(n * 100 + i), known),
    );
    if (rnd.chance(0.2) && items.length > 1) items.push(items[0]); // a duplicate within the batch
    return {
      method: "POST",
      path: "/v1/assert",
      body: JSON.stringify(items),
      type: "application/json",
    };
  }
  if (k === 9) {
    const lines = Array.from({ length: rnd.int(1, 10) }, (_, i) =>
      rnd.chance(0.8)
        ? JSON.stringify(mutate(rnd, sign(n * 100 + i), known))
        : rnd.pick(["{", "", "[1,2]", "null", "\u0000"]),
    );
    return {
      method: "POST",
      path: "/v1/assert",
      body: lines.join("\n"),
      type: "application/x-ndjson",
    };
  }
  if (k === 10) {
    const body = rnd.pick<string | Uint8Array>([
      rnd.bytes(rnd.int(0, 300)),
      nested(rnd.int(100, 100_000)),
      "",
      "{}",
      "[]",
      '{"v":1',
      "1",
      '"s"',
    ]);
    return {
      method: rnd.pick(["POST", "PUT"]),
      path: rnd.pick(["/v1/assert", "/v1/query", "/v1/agents/x"]),
      body,
      type: rnd.pick([
        "application/json",
        "text/plain",
        "application/x-ndjson",
        "",
        "application/json; charset=latin1",
      ]),
    };
  }
  const id =
    rnd.chance(0.6) && known.length > 0
      ? rnd.pick(known)
      : rnd.pick([rnd.string(64, HEX), ...WEIRD]);
  const q = () =>
    encodeURIComponent(rnd.pick([...WEIRD, "crash", "fuzz/a", "n", String(rnd.int(0, 500))]));
  const paths = [
    `/v1/assertions/${encodeURIComponent(id)}`,
    `/v1/proof/inclusion/${encodeURIComponent(id)}?tree_size=${q()}`,
    `/v1/proof/consistency?from=${q()}&to=${q()}`,
    `/v1/query?concept=${q()}&match=${rnd.pick(["exact", "prefix", "tail", "x"])}&lens=${rnd.pick(["latest", "consensus", "trust", "all", "y"])}&limit=${q()}&as_of=${q()}&cursor=${q()}&min_confidence=${q()}`,
    `/v1/query?predicate=${q()}&agent=${q()}`,
    `/v1/history?concept=${q()}&predicate=${q()}`,
    "/v1/merkle/root",
    "/v1/health",
    `/v1/quarantine?limit=${q()}`,
    `/v1/agents/${q()}`,
    `/${q()}`,
  ];
  if (k === 11) {
    const body = JSON.stringify({
      concept: rnd.pick(WEIRD),
      lens: rnd.pick(["all", 3, null]),
      limit: rnd.pick([1, -1, 1e9, "x"]),
      as_of: rnd.pick([0, 1e12, "1"]),
    });
    return { method: "POST", path: "/v1/query", body, type: "application/json" };
  }
  if (k === 12) {
    const body = JSON.stringify({
      trust: rnd.pick([0.5, -1, 2, "x", null]),
      name: rnd.pick(WEIRD),
      role: rnd.pick(["agent", "operator", "god"]),
    });
    return {
      method: "PUT",
      path: `/v1/agents/${rnd.chance(0.5) ? rnd.string(64, HEX) : q()}`,
      body,
      type: "application/json",
      admin: rnd.chance(0.8),
    };
  }
  return { method: "GET", path: rnd.pick(paths), admin: rnd.chance(0.3) };
}

export async function runHttpFuzz(options: {
  requests: number;
  seed: number;
  /** Called every 10,000 requests with the count so far. */
  log?: (line: string) => void;
}): Promise<FuzzResult> {
  const rnd = prng(options.seed);
  const dir = mkdtempSync(join(tmpdir(), "stemedb-fuzz-"));
  const overrides = {
    dataDir: dir,
    port: 0,
    rateAssertPerAgent: 0,
    rateAssertPerIp: 0,
    rateQueryPerIp: 0,
    rateAdminPerIp: 0,
    agentBreakerThreshold: 0,
  };
  const config = parseConfig(overrides);
  const engine = await Engine.open({ dataDir: dir, logger: silentLogger });
  const app = createApp({
    engine,
    config,
    logger: silentLogger,
    adminToken: TOKEN,
    metrics: new Metrics(SERVER_VERSION),
  });
  const signers = Array.from({ length: 4 }, () => fastSigner(rnd.bytes(32)));
  const sign = (v: number) =>
    rnd.pick(signers).sign({
      concept: `fuzz/${rnd.pick(["a", "b", "c/d"])}`,
      predicate: rnd.pick(["n", "status"]),
      value: v,
      ts: Date.now() - rnd.int(0, 1000),
    });
  const acked = new Set<string>();
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  try {
    for (let n = 0; n < options.requests; n++) {
      if (n > 0 && n % 10_000 === 0)
        options.log?.(
          `http fuzz: ${n} requests, ${acked.size} acknowledged, ${failures.length} failures`,
        );
      const r = draw(rnd, sign, [...acked].slice(-50), n);
      const headers: Record<string, string> = {};
      if (r.type) headers["content-type"] = r.type;
      if (r.admin) headers.authorization = `Bearer ${TOKEN}`;
      let res: Response;
      try {
        res = await app.request(r.path, { method: r.method, headers, body: r.body });
      } catch (e) {
        failures.push(`request ${n} (${r.method} ${r.path}) threw: ${(e as Error).stack}`);
        continue;
      }
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const text = await res.text();
      if (res.status >= 500) {
        failures.push(
          `request ${n} (seed ${options.seed}): ${r.method} ${r.path.slice(0, 120)} -> ${res.status} ${text.slice(0, 300)}`,
        );
        if (failures.length > 20) break;
        continue;
      }
      if (r.path === "/v1/assert" && r.method === "POST" && res.status < 300) {
        const body = JSON.parse(text) as {
          id?: string;
          seq?: number;
          status?: string;
          results?: { id?: string; seq?: number; status: string }[];
        };
        const items = body.results ?? [body];
        for (const it of items) if (it.id && it.seq && it.status !== "rejected") acked.add(it.id);
      }
    }
    const stored = engine.tree.size;
    for (const id of acked) {
      if (engine.getAssertion(fromHex(id, 32)) === undefined)
        failures.push(`acknowledged ${id} is not stored`);
    }
    if (stored !== acked.size)
      failures.push(`the tree holds ${stored} assertions, ${acked.size} were acknowledged`);
    await engine.close();
    const report = await verifyDataDir(dir);
    if (!report.ok) failures.push(`verify: ${JSON.stringify(report.checks.filter((c) => !c.ok))}`);
    const byStatus = [...statuses]
      .sort((a, b) => a[0] - b[0])
      .map(([s, c]) => `${s}:${c}`)
      .join(" ");
    return {
      requests: options.requests,
      acknowledged: acked.size,
      stored,
      byStatus,
      verified: report.ok,
      failures,
    };
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
