/** What the engine needs from its surroundings: all injected, so tests can swap them. */
import type { StorageBreakerOptions } from "../defense/storage-breaker.ts";
import type { SegmentLogOptions } from "../log/segment-log-config.ts";
import type { Logger } from "../logger.ts";
import type { PreparedAssertion } from "../protocol/assertion.ts";
import type { State } from "../store/state.ts";

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Decides, inside the commit, whether a verified assertion is recorded as
 * accepted or quarantined (SPEC §6). Runs against the current state, after
 * duplicate and retraction checks. The default accepts everything.
 */
export interface IngestPolicy {
  /** Called once before each commit group is planned: the previous group is applied (or refused). */
  beginGroup?(state: State): void;
  classify(
    item: PreparedAssertion,
    state: State,
  ): { status: "accepted" | "quarantined"; reasons: string[] };
}

export const acceptAll: IngestPolicy = { classify: () => ({ status: "accepted", reasons: [] }) };

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
}
