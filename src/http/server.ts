/**
 * Running StemeDB as a server (SPEC §1): open the engine on the data dir,
 * resolve the admin token, serve the app — on `httpThreads` HTTP threads
 * sharing the port (SPEC §11, ./reader-threads.ts), the writer's thread
 * answering only what they forward, or with `writerHttp` (or no HTTP threads)
 * on the main thread's `Bun.serve` too — and stop cleanly: every thread stops
 * accepting connections and lets its in-flight requests finish (writes are
 * fsynced before they answer), then the engine closes, which drains its
 * commit queue. The CLI's `serve` wires SIGTERM to `stop()` via `installSignalHandlers`.
 */

import { join } from "node:path";
import type { Archiver } from "../backup/archiver.ts";
import { BackupListing } from "../backup/backup-listing.ts";
import { openTarget, type TargetEnv } from "../backup/open-target.ts";
import { probeTarget } from "../backup/probe-target.ts";
import { serverArchiver } from "../backup/server-archiver.ts";
import { systemClock } from "../clock.ts";
import { type ClusterOptions, clusterLog } from "../cluster/cluster-replication.ts";
import type { Config } from "../config.ts";
import type { AgentRegistry } from "../defense/agent-policy.ts";
import { buildDefense } from "../defense/build-defense.ts";
import { assertWritableDataDir, dataDirAccessError } from "../engine/data-dir-access.ts";
import { Engine } from "../engine/engine.ts";
import type { EngineOptions } from "../engine/engine-options.ts";
import { StemeError } from "../errors.ts";
import { PreparePool } from "../ingest/prepare-pool.ts";
import type { Logger } from "../logger.ts";
import { loadOrCreateNodeKey } from "../merkle/node-key.ts";
import { ArchiveScrubJob, SCRUB_TURN_MS } from "../redaction/archive-scrub-job.ts";
import { ChangeSlots } from "../store/change-slots.ts";
import { resolveAdminToken } from "./admin-token.ts";
import { createWriterApp } from "./app.ts";
import { answerBeforeTimeout } from "./keep-alive.ts";
import { Metrics } from "./metrics.ts";
import { portError, probePort } from "./port-probe.ts";
import { allocateRateBuffers } from "./rate-limit.ts";
import { BODY_LIMIT_SLACK } from "./read-body.ts";
import { ReaderThreads } from "./reader-threads.ts";
import { SERVER_VERSION } from "./server-version.ts";

export interface RunningServer {
  url: string;
  port: number;
  engine: Engine;
  /**
   * Resolves with the number of HTTP threads serving (SPEC §11), once each
   * has started or failed; beside a listening main thread the server answers
   * before, and without one they all listen before `startServer` returns.
   */
  readersReady: Promise<number>;
  /** The HTTP threads: their status, and (tests) `crash` to end one. */
  httpThreads: ReaderThreads;
  /** Stops accepting, waits for in-flight requests, closes the engine. Idempotent. */
  stop(): Promise<void>;
}

const RETENTION_INTERVAL_MS = 3_600_000;

/** What the caller may inject; everything else is built from the config. */
export interface ServerDeps {
  /** The environment the `archiveTo` target is opened with (the CLI passes its own: AWS_* for S3). */
  archiveEnv?: TargetEnv;
  /** Tests only: the HTTP threads honour `ReaderThreads.crash` "throw", "exit" and "hang" (the CLI never sets it). */
  testHooks?: boolean;
  /** Tests only: the HTTP threads' watchdog (default: ping every 1 s, terminate after 10 s unanswered). */
  watchdog?: { intervalMs: number; timeoutMs: number };
}

export async function startServer(
  config: Config,
  logger: Logger,
  deps: ServerDeps = {},
): Promise<RunningServer> {
  if (config.natsUrl !== undefined && config.archiveSync) {
    throw new StemeError(
      "config_invalid",
      "--archive-sync does not apply in cluster mode (--nats-url): a write is durable once the stream's quorum has it",
      { field: "archiveSync" },
    );
  }
  // Nothing is written to the data dir before the port is known to be free and the dir writable.
  probePort(config);
  assertWritableDataDir(config.dataDir);
  if (config.archiveTo !== undefined) {
    // SPEC §7: a target that refuses the credentials is a configuration error at start.
    await probeTarget(config.archiveTo, config, deps.archiveEnv ?? {}, logger);
  }
  const metrics = new Metrics(SERVER_VERSION);
  // The agent-policy guard reads the registry from the engine opened below (guards run only after).
  const registry: AgentRegistry = { agent: (key) => engine.agent(key) };
  const defense = buildDefense(config, systemClock, metrics, registry);
  // What each applied group changed, for every HTTP thread's answer cache (issue 17).
  const changes = ChangeSlots.allocate();
  const options: EngineOptions = {
    dataDir: config.dataDir,
    changes,
    policy: defense.policy,
    segmentBytes: config.segmentBytes,
    logRetentionHours: config.logRetentionHours,
    cacheMiB: config.writerCacheMib,
    logger,
    log: { onFsync: metrics.onFsync },
    storageBreaker: {
      probeSeconds: config.storageBreakerProbeSeconds,
      onTransition: (to) => metrics.breakerTransition("storage", to),
    },
    ...(config.natsUrl === undefined
      ? {}
      : { openLog: clusterLog(clusterOptions(config, config.natsUrl), logger) }),
  };
  const engine = await Engine.open(options).catch((e) => {
    throw dataDirAccessError(e, config.dataDir) ?? e;
  });
  // Without a listener of its own the writer's thread is handed prepared
  // writes only (a body refused whole is answered before any verify), so its
  // verify workers would sit idle, costing RSS.
  const writerListens = config.writerHttp || config.httpThreads === 0;
  const pool = new PreparePool({ workers: writerListens ? config.verifyWorkers : 0 });
  let server: ReturnType<typeof Bun.serve> | undefined;
  let readers: ReaderThreads | undefined;
  let where: { url: string; port: number };
  let archiver: Archiver | undefined;
  let redactionArchive: ArchiveScrubJob | undefined;
  try {
    // Cluster mode ships nothing (the stream is the log): its --archive-to is where
    // `stemedb backup` writes snapshots, listed at GET /v1/backup and scrubbed below.
    archiver =
      config.natsUrl === undefined
        ? serverArchiver(config, engine, logger, deps.archiveEnv, systemClock, SERVER_VERSION)
        : undefined;
    const adminToken = resolveAdminToken(config, config.dataDir, logger);
    const archiveTo = config.archiveTo;
    const backupListing =
      archiveTo === undefined
        ? undefined
        : new BackupListing({
            url: archiveTo,
            open: () => openTarget(archiveTo, config, deps.archiveEnv ?? {}),
          });
    // SPEC §12: a server given a URL scrubs its objects of redacted assertions, whoever
    // ships them (it, or `stemedb archive-wal`, or a cluster's `stemedb backup`); the
    // nodes of a cluster take turns through the stream, so one of them does it.
    const takeTurn = engine.log.takeTurn?.bind(engine.log);
    redactionArchive =
      archiveTo === undefined
        ? undefined
        : new ArchiveScrubJob({
            state: engine.state,
            open: () => openTarget(archiveTo, config, deps.archiveEnv ?? {}),
            logger,
            intervalMs: config.archiveIntervalMs,
            signer: loadOrCreateNodeKey(config.dataDir).signer,
            ...(takeTurn ? { turn: () => takeTurn("archive-scrub", SCRUB_TURN_MS) } : {}),
          });
    // With reader threads every thread listens with SO_REUSEPORT (SPEC §11), and
    // the per-IP rate limits keep one budget per client in shared memory.
    const reusePort = config.httpThreads > 0;
    const rateBuffers = reusePort ? allocateRateBuffers() : undefined;
    const { app, answerWrite } = createWriterApp({
      engine,
      config,
      logger,
      adminToken,
      metrics,
      guards: defense.guards,
      agentBreakers: defense.agentBreakers,
      pool,
      changes,
      ...(rateBuffers === undefined ? {} : { rateBuffers }),
      ...(archiver ? { archive: archiver } : {}),
      ...(backupListing ? { backupListing } : {}),
      ...(redactionArchive ? { redactionArchive } : {}),
      // Launched below, once the app that answers what they forward exists.
      httpThreads: { status: () => readers?.status() },
    });
    // probePort took the port without SO_REUSEPORT above; one taken since still fails clearly.
    if (writerListens) {
      try {
        server = listen(config, app.fetch, reusePort);
      } catch (e) {
        throw portError(e, config) ?? e;
      }
    }
    readers = ReaderThreads.launch({
      count: config.httpThreads,
      config,
      port: server?.port,
      dbPath: join(config.dataDir, "db", "state.sqlite"),
      fetch: app.fetch,
      answerWrite,
      logger,
      metrics,
      changes,
      ...(rateBuffers === undefined ? {} : { rateBuffers }),
      ...(deps.testHooks ? { testHooks: true } : {}),
      ...(deps.watchdog ? { watchdog: deps.watchdog } : {}),
    });
    // Without the main thread listening, the port is served once every HTTP thread is.
    where =
      server === undefined
        ? await readers.listening.catch((e) => {
            throw (e instanceof StemeError ? portError(e.cause, config) : undefined) ?? e;
          })
        : { url: server.url.href, port: server.port as number };
  } catch (e) {
    server?.stop(true);
    await readers?.stop();
    pool.close();
    await engine.close();
    throw e;
  }
  const url = where.url.replace(/\/$/, "");
  const port = where.port;
  logger.info("listening", {
    url,
    version: SERVER_VERSION,
    data_dir: config.dataDir,
    http_threads: readers.count,
    writer_serves_http: server !== undefined,
  });
  const readersReady = readers.ready;
  // Continuous archival (SPEC §7): ticks on its own; a failing target never blocks writes.
  archiver?.start();
  redactionArchive?.start();

  // Log retention (SPEC §5): hourly, and never concurrently with itself. With
  // archival configured, only segments the target's listing shows archived go.
  let retaining = false;
  const retention = setInterval(async () => {
    if (retaining) return;
    retaining = true;
    try {
      const archivedLsn = archiver ? await archiver.archivedLsnForRetention() : undefined;
      const removed = engine.runRetention(archivedLsn);
      if (removed.length > 0) logger.info("log retention removed segments", { removed });
    } catch (e) {
      logger.warn("log retention failed", { error: String(e) });
    } finally {
      retaining = false;
    }
  }, RETENTION_INTERVAL_MS);
  retention.unref();

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info("stopping: draining in-flight requests");
      clearInterval(retention);
      // Every HTTP thread drains together; the main app keeps answering what
      // they forward until they are done, and the engine closes last.
      await Promise.all([readers.stop(), server?.stop(false)]);
      await redactionArchive?.stop();
      await archiver?.stop(); // ships what the drained requests wrote (bounded)
      pool.close();
      await engine.close();
      logger.info("stopped");
    })();
    return stopping;
  };
  return { url, port, engine, readersReady, httpThreads: readers, stop };
}

function listen(
  config: Config,
  fetch: (request: Request, server: Bun.Server<undefined>) => Response | Promise<Response>,
  reusePort: boolean,
): Bun.Server<undefined> {
  return Bun.serve({
    port: config.port,
    hostname: config.host,
    reusePort,
    fetch: answerBeforeTimeout(fetch, config.httpIdleTimeoutS),
    idleTimeout: config.httpIdleTimeoutS,
    maxRequestBodySize: config.maxBodyBytes + BODY_LIMIT_SLACK,
  });
}

/**
 * SIGTERM and SIGINT → `stop()` → exit 0 (SPEC §1: SIGTERM drains in-flight
 * writes). A failed stop exits 1. Returns a function that removes the handlers.
 */
export function installSignalHandlers(
  server: Pick<RunningServer, "stop">,
  logger: Logger,
  exit: (code: number) => void = (code) => process.exit(code),
): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info("signal received", { signal });
    server.stop().then(
      () => exit(0),
      (e) => {
        logger.error("stop failed", { error: String(e) });
        exit(1);
      },
    );
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  return () => {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  };
}

/** Cluster mode (SPEC §10) from the settings: `--nats-url` turns it on. */
function clusterOptions(config: Config, natsUrl: string): ClusterOptions {
  return {
    servers: natsUrl.split(","),
    stream: config.natsStream,
    replicas: config.natsReplicas,
    maxAgeMs: config.natsMaxAgeHours * 3_600_000,
    maxMessages: config.natsMaxMessages,
    duplicateWindowMs: config.natsDuplicateWindowMs,
    maxLagRecords: config.clusterMaxLagRecords,
  };
}
