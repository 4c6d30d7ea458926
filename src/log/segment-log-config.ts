/**
 * Options, reports and counters of `SegmentLog` (SPEC §5). Dependencies are
 * minimal structural interfaces — a logger, a clock, the file operations — so
 * the engine passes its own and tests swap them.
 */

import type { FileOps } from "./file-ops.ts";

export const DEFAULT_SEGMENT_BYTES = 10 * 1024 * 1024;

export interface LogLogger {
  info(msg: string, ctx?: object): void;
  warn(msg: string, ctx?: object): void;
}

export interface SegmentLogOptions {
  /** Roll to a new segment when the open one would grow past this (default 10 MiB). A single batch larger than this still goes into one segment. */
  segmentBytes?: number;
  logger?: LogLogger;
  /** fsync the directory after creating or removing a segment (default true). */
  fsyncDir?: boolean;
  /** Milliseconds since the epoch, for segment headers (default Date.now). */
  now?: () => number;
  /**
   * Called after every successful batch fdatasync, before any caller of that batch is answered.
   * For metrics: `durationSeconds` is the fdatasync call alone, timed on the thread that made it.
   */
  onFsync?: (durationSeconds: number, batchRecords: number) => void;
  /** File operations of the writer (default node:fs/promises); tests inject failures here. */
  fileOps?: FileOps;
}

/** One segment as the log tracks it. The last one is open for appends; the others are sealed. */
export interface LogSegment {
  number: number;
  name: string;
  path: string;
  firstLsn: number;
  /** Last durable LSN in the segment; firstLsn - 1 while it holds no record. */
  lastLsn: number;
  /** Durable length of the file in bytes. */
  bytes: number;
  createdAtMs: number;
}

/** What opening the log had to repair: a torn tail of the newest segment that was cut off. */
export interface OpenReport {
  segment: string;
  /** Where the cut was made: the start of the first bad frame (0 for a torn header). */
  offset: number;
  truncatedBytes: number;
  reason: string;
}

export interface LogStats {
  segments: number;
  bytes: number;
  /** append() calls made durable. */
  appends: number;
  /** Batches written (one write + one fdatasync each). */
  batches: number;
  records: number;
  /** Every fsync/fdatasync issued: batches, new segments, directories, repairs. */
  fsyncs: number;
  lastBatchRecords: number;
  /** Batch fdatasync durations (a histogram's sum and count). */
  fsyncSecondsSum: number;
  fsyncSecondsCount: number;
  failedBatches: number;
}

export function newStats(): LogStats {
  return {
    segments: 0,
    bytes: 0,
    appends: 0,
    batches: 0,
    records: 0,
    fsyncs: 0,
    lastBatchRecords: 0,
    fsyncSecondsSum: 0,
    fsyncSecondsCount: 0,
    failedBatches: 0,
  };
}

export const silentLogger: LogLogger = { info() {}, warn() {} };
