/** What the engine needs from its surroundings: all injected, so tests can swap them. */

import type { Clock } from "../clock.ts";
import type { ClusterOptions } from "../cluster/cluster-replication.ts";
import type { StorageBreakerOptions } from "../defense/storage-breaker.ts";
import type { IngestPolicy } from "../ingest-policy.ts";
import type { SegmentLogOptions } from "../log/segment-log-config.ts";
import type { Logger } from "../logger.ts";
import type { SignedTreeHead } from "../merkle/tree-head.ts";
import type { ChangeSlots } from "../store/change-slots.ts";

export interface EngineOptions {
  dataDir: string;
  segmentBytes?: number;
  logRetentionHours?: number;
  logger: Logger;
  clock?: Clock;
  policy?: IngestPolicy;
  /** Passed through to the segment log: metrics hook, injected file operations. */
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
  /** Where each applied group's touched concepts are published (answer caches, issue 17). */
  changes?: ChangeSlots;
  /** Cluster mode (SPEC §10): follow and publish to this JetStream stream instead of a segment log. */
  cluster?: ClusterOptions;
}
