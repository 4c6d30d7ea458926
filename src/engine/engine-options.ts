/** What the engine needs from its surroundings: all injected, so tests can swap them. */

import type { Clock } from "../clock.ts";
import type { StorageBreakerOptions } from "../defense/storage-breaker.ts";
import type { IngestPolicy } from "../ingest-policy.ts";
import type { LogOpener } from "../log/engine-log.ts";
import type { SegmentLogOptions } from "../log/segment-log-config.ts";
import type { Logger } from "../logger.ts";
import type { SignedTreeHead } from "../merkle/tree-head.ts";
import type { ScrubberDeps } from "../redaction/redaction-scrubber.ts";
import type { ChangeSlots } from "../store/change-slots.ts";

export interface EngineOptions {
  dataDir: string;
  segmentBytes?: number;
  logRetentionHours?: number;
  /** The writer connection's SQLite page cache in MiB (default 32). */
  cacheMiB?: number;
  logger: Logger;
  clock?: Clock;
  policy?: IngestPolicy;
  /** Passed through to the default segment log: metrics hook, injected file operations. */
  log?: Pick<SegmentLogOptions, "onFsync" | "fileOps" | "fsyncDir">;
  /** The storage circuit breaker (SPEC §6): probe interval (default 5 s), transition hook. */
  storageBreaker?: Pick<StorageBreakerOptions, "onTransition" | "schedule"> & {
    probeSeconds?: number;
  };
  /**
   * After each commit group (or recovered log tail) is applied, before its
   * submitters are answered: the new signed tree head. For notifications
   * (e.g. other threads); must not throw or block.
   */
  onApplied?: (sth: SignedTreeHead) => void;
  /** Fault injection into the redaction scrub's steps (SPEC §12 crash tests); never set in production. */
  redactionHooks?: ScrubberDeps["hooks"];
  /**
   * Opens the engine's log (default: the segment log in `<dataDir>/wal`, with
   * `segmentBytes` and `log`). Cluster mode (SPEC §10) passes `clusterLog`.
   */
  openLog?: LogOpener;
  /** Where each applied group's touched concepts are published (answer caches, issue 17). */
  changes?: ChangeSlots;
}
