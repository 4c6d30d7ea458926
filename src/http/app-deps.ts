/** What `createApp` needs, all injected (STYLE.md §5) so tests can swap them. */

import type { ArchiveStatus } from "../backup/archiver.ts";
import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { AgentBreakerStatus } from "../defense/agent-breaker.ts";
import type { Engine } from "../engine/engine.ts";
import type { ReadSource } from "../engine/read-source.ts";
import type { IngestGuard } from "../ingest/ingest-guard.ts";
import type { IngestService } from "../ingest/ingest-service.ts";
import type { PreparePool } from "../ingest/prepare-pool.ts";
import type { AnswerCache } from "../lens/answer-cache.ts";
import type { Logger } from "../logger.ts";
import type { ChangeSlots } from "../store/change-slots.ts";
import type { Metrics } from "./metrics.ts";
import type { RateBuffers } from "./rate-limit.ts";
import type { HttpThreadsStatus } from "./reader-threads.ts";
import type { BackupOverviewSource } from "./routes/backup.ts";

export interface AppDeps {
  engine: Engine;
  config: Config;
  logger: Logger;
  /** The admin bearer token (see `resolveAdminToken`). */
  adminToken: string;
  /** Server time for clock-skew checks (default: the system clock). */
  clock?: Clock;
  /** Metrics registry to record into (default: a fresh one per app). */
  metrics?: Metrics;
  /** Worker threads for validation and signature checks (default: inline). */
  pool?: PreparePool;
  /** Content-defense guards on the ingest path (SPEC §6). */
  guards?: readonly IngestGuard[];
  /** Open agent breakers (from `buildDefense`), shown by health and metrics. */
  agentBreakers?: AgentBreakerStatus;
  /** Per-IP rate-limit buckets shared with reader threads (default: this thread's own). */
  rateBuffers?: RateBuffers;
  /** Continuous archival (SPEC §7), when configured: shown by health and metrics. */
  archive?: ArchiveFigures;
  /** The archive URL's redaction scrub (SPEC §12), when this server ships: its backlog in health and metrics. */
  redactionArchive?: { backlog(): number };
  /** The HTTP threads (SPEC §11), shown by health; undefined status before they are launched. */
  httpThreads?: { status(): HttpThreadsStatus | undefined };
  /** What the backup URL holds (snapshots, last drill), when `archiveTo` is set: `GET /v1/backup`. */
  backupListing?: BackupOverviewSource;
  /** The writer's published changes, for this thread's answer cache (default: no cache). */
  changes?: ChangeSlots;
  /** False: every GET /v1/query goes through the middleware chain (tests and benches compare the two). */
  queryFastPath?: boolean;
}

export interface ArchiveFigures {
  status(): ArchiveStatus;
  /** Resolves once the archive holds every LSN up to `lsn` (used with `archiveSync`). */
  waitArchived?(lsn: number): Promise<void>;
}

/**
 * What the read routes need (SPEC §11): the source they read — the engine on
 * the main thread, a reader thread's snapshot elsewhere — and the config.
 */
export interface ReadRouteDeps {
  reads: ReadSource;
  config: Config;
  /** This thread's answer cache (default: none). */
  answers?: AnswerCache;
}

/** `AppDeps` with every default filled in, as the routes receive them. */
export interface RouteDeps extends ReadRouteDeps {
  engine: Engine;
  logger: Logger;
  clock: Clock;
  metrics: Metrics;
  ingest: IngestService;
  agentBreakers: AgentBreakerStatus;
  archive: ArchiveFigures | undefined;
  redactionArchive: { backlog(): number } | undefined;
  httpThreads: { status(): HttpThreadsStatus | undefined } | undefined;
  /** `performance.now()` when the app was created, for `uptime_s`. */
  startedAt: number;
}
