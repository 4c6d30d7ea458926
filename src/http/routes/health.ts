/**
 * Health endpoints (SPEC §3). `/v1/health/live` answers from memory only, so a
 * full or hung disk never fails liveness; `/v1/health/ready` is 503 with
 * `Retry-After` while the engine takes no writes (recovering, closing, or the
 * storage breaker open: then Retry-After is the time to its next probe);
 * `/v1/health` is the summary: tree, log and storage figures, the last
 * recovery report, breaker states, the rate limits in force, the quarantine
 * queue (pending review, per reason), redactions (SPEC §12: count and scrub
 * backlog), continuous archival (SPEC §7: backlog, lag, last success,
 * restorable; `{configured: false}` without --archive-to) and the HTTP
 * threads (SPEC §11: listening, restarts; null for an app without them).
 * Its `status` is "ok", "degraded" while archive rounds fail (the server still
 * takes writes and stays ready), or "not_ready".
 */
import { statfsSync, statSync } from "node:fs";
import { join } from "node:path";
import { Hono } from "hono";
import { StemeError } from "../../errors.ts";
import type { StreamFigures } from "../../log/engine-log.ts";
import { SegmentLog } from "../../log/segment-log.ts";
import { redactionStatus } from "../../redaction/redaction-status.ts";
import type { QuarantineTable } from "../../store/quarantine-table.ts";
import type { RouteDeps } from "../app-deps.ts";
import type { HttpEnv } from "../http-env.ts";
import { SERVER_VERSION } from "../server-version.ts";

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function diskFigures(
  dir: string,
): { disk_free_bytes: number; disk_total_bytes: number } | undefined {
  try {
    const s = statfsSync(dir);
    return { disk_free_bytes: s.bavail * s.bsize, disk_total_bytes: s.blocks * s.bsize };
  } catch {
    return undefined;
  }
}

/** Records the log's segments hold: firstLsn is lastLsn + 1 while they hold none. */
function heldRecords(log: { firstLsn: number; lastLsn: number } | undefined): number {
  return log === undefined ? 0 : Math.max(0, log.lastLsn - log.firstLsn + 1);
}

/** Pending review, in all and per reason (SPEC §6); reads only the pending index. */
function quarantineFigures(q: QuarantineTable): {
  pending: number;
  by_reason: Record<string, number>;
} {
  const byReason = q.pendingByReason();
  return { pending: q.pendingCount(), by_reason: Object.fromEntries(byReason) };
}

export function healthRoutes(deps: RouteDeps): Hono<HttpEnv> {
  const { engine, config, agentBreakers } = deps;
  const uptime = () => Math.floor((performance.now() - deps.startedAt) / 1000);
  const app = new Hono<HttpEnv>();

  app.get("/v1/health/live", (c) => c.json({ status: "live", uptime_s: uptime() }));

  app.get("/v1/health/ready", (c) => {
    const storage = engine.storageBreaker.refusal();
    if (storage !== undefined) {
      throw new StemeError("not_ready", "the storage breaker is open: writes are refused", {
        retryAfterS: storage.context.retryAfterS,
      });
    }
    if (!engine.ready) {
      const why = engine.log.notReadyReason();
      throw new StemeError(
        "not_ready",
        why ?? "the engine takes no writes (recovering, closing, failed, or behind the stream)",
        { retryAfterS: 5 },
      );
    }
    return c.json({ status: "ready", tree_size: engine.tree.size });
  });

  app.get("/v1/health", (c) => {
    const sth = engine.treeHead();
    const figures = engine.log.figures();
    const log = figures.kind === "segments" ? figures : undefined;
    const segments = engine.log instanceof SegmentLog ? engine.log : undefined;
    const db = join(config.dataDir, "db", "state.sqlite");
    const archive = deps.archive?.status();
    return c.json({
      // SPEC §7: "degraded" while archival fails (writes go on; readiness stays true).
      status: !engine.ready
        ? "not_ready"
        : archive !== undefined && archive.consecutive_failures > 0
          ? "degraded"
          : "ok",
      version: SERVER_VERSION,
      uptime_s: uptime(),
      tree_size: sth.tree_size,
      root: sth.root,
      sth,
      log: log && {
        segments: log.segments,
        bytes: log.bytes,
        // What the segments hold now (retention removes old ones): LSNs first..last.
        held_records: heldRecords(segments),
        first_lsn: segments?.firstLsn,
        last_lsn: segments?.lastLsn,
        /** Records appended since this process started. */
        records: log.records,
        batches: log.batches,
        fsyncs: log.fsyncs,
        failed_batches: log.failedBatches,
        fsync_seconds_mean:
          log.fsyncSecondsCount > 0 ? log.fsyncSecondsSum / log.fsyncSecondsCount : 0,
      },
      storage: {
        db_bytes: fileBytes(db),
        db_wal_bytes: fileBytes(`${db}-wal`),
        ...diskFigures(config.dataDir),
      },
      recovery: {
        replayed_records: engine.recovery.replayedRecords,
        millis: Math.round(engine.recovery.millis),
        truncated_bytes: engine.recovery.truncatedBytes,
      },
      breakers: { storage: engine.storageBreaker.state, agents_open: agentBreakers.openCount() },
      ...(figures.kind === "stream" ? { cluster: clusterFigures(figures) } : {}),
      quarantine: quarantineFigures(engine.state.quarantine),
      archive: archive ?? { configured: false },
      redactions: redactionStatus(engine.state, deps.redactionArchive?.backlog() ?? null),
      // SPEC §11: how many HTTP threads listen, and the ones replaced after they died.
      http_threads: deps.httpThreads?.status() ?? null,
      rate_limits: {
        assert_per_ip: config.rateAssertPerIp,
        assert_per_agent: config.rateAssertPerAgent,
        query_per_ip: config.rateQueryPerIp,
        admin_per_ip: config.rateAdminPerIp,
        burst_seconds: config.rateBurstSeconds,
      },
    });
  });

  return app;
}

/** Cluster mode (SPEC §10): where the stream is and how far this node has applied it. */
function clusterFigures(f: StreamFigures) {
  return {
    stream: f.stream,
    stream_lsn: f.streamLsn,
    stream_first_lsn: f.streamFirstLsn,
    applied_lsn: f.appliedLsn,
    lag_records: f.lagRecords,
    stream_polled_at: f.polledAt,
    /** Why this node stopped following (e.g. retention dropped records it needs): restore it from a backup. */
    failure: f.failure ?? null,
    behind_stream: f.behindStream,
    apply_failures: f.applyFailures,
    /** The last apply error while applying fails (the node retries and is not ready). */
    apply_error: f.applyError ?? null,
  };
}
