/**
 * The log as the engine drives it (SPEC §5, §10): one interface over every
 * source, so ingest, recovery and replication are one code path — the model
 * is PostgreSQL's xlogreader, one reader over local files, archive and stream.
 * Two implementations: the node's own segment files (`SegmentLog`) and a
 * JetStream stream that several nodes append to (src/cluster). The engine
 * imports neither; whoever opens the engine picks one (`LogOpener`).
 *
 * The difference that matters to the engine is `replicated`. A log only this
 * node appends to hands the engine each group's first LSN once durable, and
 * the engine applies the group itself (pipelined: the next group is planned
 * on top of it). A log others append to too delivers every record — this
 * node's and the others' — through `follow`, in log order, and `append`
 * resolves only once this node applied its records there.
 */
import type { StemeError } from "../errors.ts";
import type { LogRecord, LogRecordInput } from "./record-frame.ts";
import type { RetentionOptions } from "./removable-segments.ts";
import type { LogStats, OpenReport } from "./segment-log-config.ts";

/** Applies records in log order (one transaction); throws if it rolled back. */
export type ApplyLogRecords = (records: LogRecord[]) => void;

/** Where a replicated log is and how far this node has applied it (SPEC §10). */
export interface StreamFigures {
  stream: string;
  appliedLsn: number;
  streamLsn: number;
  /** First LSN the stream still holds (its retention drops older ones). */
  streamFirstLsn: number;
  lagRecords: number;
  /** When the stream's position was last read (ms since the epoch), 0 before the first read. */
  polledAt: number;
  /** Batches that failed to apply since start (each is retried). */
  applyFailures: number;
  /** The last apply error while applying fails; undefined once a batch applies again. */
  applyError: string | undefined;
  /** Why this node stopped following, when it did. */
  failure: string | undefined;
  /** It stopped because the stream no longer holds records it needs: restore it from a backup. */
  behindStream: boolean;
}

/** A redacted assertion as the state keeps it (SPEC §12): its leaf's seq and its id. */
export interface RedactedRecord {
  seq: number;
  id: Uint8Array;
}

/** The state's applied position, which bounds where a redacted record can be in the log. */
export interface AppliedPosition {
  /** `last_lsn`: every record up to it is applied. */
  lsn: number;
  /** Leaves applied (assertions and stubs); `lsn - treeSize` records made no leaf. */
  treeSize: number;
}

/** What `/v1/health` and `/metrics` show of the log. */
export type LogFigures = ({ kind: "segments" } & LogStats) | ({ kind: "stream" } & StreamFigures);

export interface EngineLog {
  readonly kind: "segments" | "stream";
  /**
   * Others append too (cluster mode): records reach apply only through
   * `follow`, which goes on until `close` and retries a failed apply itself;
   * `append` resolves once this node applied the records; seqs and duplicates
   * are decided at apply, in log order.
   */
  readonly replicated: boolean;
  /** What opening the log had to repair (a torn tail cut off), if anything. */
  readonly openReport?: OpenReport | undefined;
  /** The last durable LSN this node knows of (0 for an empty log). */
  readonly lastLsn: number;
  /** Appends records with consecutive LSNs; resolves once durable with the first one. */
  append(records: readonly LogRecordInput[]): Promise<{ firstLsn: number }>;
  /**
   * Hands the records after `appliedLsn`, in LSN order and in batches, to
   * `apply`; resolves with how many once caught up with the log as it was at
   * the call. A replicated log goes on delivering until `close`. Throws
   * `corrupt_segment`/`log_behind_stream` when the log cannot supply them.
   */
  follow(appliedLsn: number, apply: ApplyLogRecords): Promise<number>;
  /** The storage breaker's probe: throws while the log cannot take a durable write. */
  probe(): Promise<void>;
  /** Why writes must be refused now (besides the storage breaker), if they must. */
  refusal(): StemeError | undefined;
  /** Why this node is not ready on the log's account, or undefined. */
  notReadyReason(): string | undefined;
  /** Removes what retention allows (SPEC §5); a log with its own retention removes nothing here. */
  retain(options: RetentionOptions): string[];
  figures(): LogFigures;
  /**
   * SPEC §12, a log others read too (cluster mode): removes the copy of a
   * redacted assertion the log holds, leaving a stub of the same LSN for
   * readers to come. Resolves true when this call erased it, false when the
   * log no longer held it (another node erased it, or retention dropped it).
   * A segment log has no such method: its scrubber rewrites the segment.
   */
  eraseRedacted?(target: RedactedRecord, applied: AppliedPosition): Promise<boolean>;
  /**
   * A log several nodes share (cluster mode): whether `task` is this node's
   * turn, holding it for `holdMs` more (a lease in the log's store). Work that
   * any node could do but one should (the archive URL's redaction scrub) asks
   * before each run. A log only this node writes has no such method: every
   * turn is its own.
   */
  takeTurn?(task: string, holdMs: number): Promise<boolean>;
  /** Waits for appends in flight, stops following, releases the log. */
  close(): Promise<void>;
}

/** Opens the engine's log on a data dir whose state has applied up to `appliedLsn`. */
export type LogOpener = (context: { dataDir: string; appliedLsn: number }) => Promise<EngineLog>;
