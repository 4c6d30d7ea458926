/**
 * The append side of the log, with group commit (SPEC §5): appends that arrive
 * while a write + fdatasync is in flight wait in a queue; when it completes,
 * the whole queue becomes the next batch — LSNs assigned in call order, one
 * buffer of frames (RecordFrame layout), one positional write, one fdatasync
 * (`WritableFile.writeAndSync`: on the log's I/O thread). Every caller of the
 * batch is answered only after that fdatasync returned.
 *
 * Pipelining: an append to an idle writer starts its batch at once — the
 * write + fdatasync is under way when `append` returns — and when a batch
 * completes, the next one is started before the completed batch's callers
 * run. A caller that does CPU work after its append resolves (the engine
 * applying group N) therefore overlaps the next batch's fdatasync.
 *
 * A failed write or fdatasync (ENOSPC, EIO) rejects every append of the batch
 * with storage_unavailable, cuts the file back to its length before the batch
 * and leaves the LSNs unassigned, so no caller is ever told a failed record is
 * durable and the next batch retries at the same place. If even the cut fails,
 * it is retried before the next write; until it succeeds nothing else is
 * written (so garbage never ends up in the middle of a segment).
 *
 * The open segment rolls when the batch would take it past `segmentBytes`: the
 * next segment is created durably (`createSegment`) before the batch goes in.
 */

import { StemeError } from "../errors.ts";
import { createSegment } from "./create-segment.ts";
import type { FileOps, WritableFile } from "./file-ops.ts";
import { storageUnavailable } from "./log-errors.ts";
import { encodeFrames, framedSize, type LogRecordInput } from "./record-frame.ts";
import { SEGMENT_HEADER_BYTES } from "./segment-header.ts";
import type { LogLogger, LogSegment, LogStats } from "./segment-log-config.ts";

export interface AppendResult {
  firstLsn: number;
  lastLsn: number;
}

export interface SegmentWriterParams {
  dir: string;
  /** Shared with SegmentLog: the writer updates the last (open) one and pushes new ones. */
  segments: LogSegment[];
  file: WritableFile;
  segmentBytes: number;
  fsyncDir: boolean;
  fileOps: FileOps;
  now: () => number;
  logger: LogLogger;
  stats: LogStats;
  onFsync: ((durationSeconds: number, batchRecords: number) => void) | undefined;
}

interface PendingAppend {
  records: readonly LogRecordInput[];
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

export class SegmentWriter {
  private queue: PendingAppend[] = [];
  /** The batch being written, until its outcome is known (its callers may not have run yet). */
  private inFlight: Promise<void> | undefined;
  private file: WritableFile;
  /** True while bytes of a failed batch may remain past the open segment's durable length. */
  private dirtyTail = false;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly p: SegmentWriterParams) {
    this.file = p.file;
  }

  /** Queues records (already validated) for the next batch; resolves once they are durable. */
  append(records: readonly LogRecordInput[]): Promise<AppendResult> {
    if (this.closed) {
      return Promise.reject(
        new StemeError("storage_unavailable", "segment log is closed; no more appends"),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ records, resolve, reject });
      if (this.inFlight === undefined) this.startNext();
    });
  }

  /**
   * Seals the open segment once the batch in flight is done, so that the next
   * batch starts a new one (redaction, SPEC §12, rewrites only sealed
   * segments: the open one is written through a handle a rename would orphan).
   * Appends queued meanwhile wait for it. A segment without records stays open.
   */
  seal(): Promise<void> {
    if (this.closed) {
      return Promise.reject(new StemeError("storage_unavailable", "segment log is closed"));
    }
    if (this.inFlight !== undefined) return this.inFlight.then(() => this.seal());
    const segment = this.openSegment();
    if (segment.lastLsn < segment.firstLsn) return Promise.resolve();
    const sealed = (async () => {
      await this.cleanTail(segment); // a sealed segment must end at its last good frame
      await this.roll(segment.lastLsn + 1);
    })();
    const settle = () => {
      this.inFlight = undefined;
      if (this.queue.length > 0) this.startNext();
    };
    this.inFlight = sealed.then(settle, settle);
    return sealed;
  }

  /** Waits for queued and in-flight batches, then closes the open segment. */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= (async () => {
      while (this.inFlight !== undefined) await this.inFlight;
      await this.file.close();
    })();
    return this.closing;
  }

  /** Takes the queue as the next batch and starts it (synchronously up to its I/O, unless it must roll or cut). */
  private startNext(): void {
    const batch = this.queue;
    this.queue = [];
    this.inFlight = this.flush(batch).then((answer) => {
      this.inFlight = undefined;
      if (this.queue.length > 0) this.startNext(); // the next batch's I/O is under way…
      answer(); // …before this batch's callers run
    });
  }

  /** Writes one batch; never throws. Returns what answers its callers. */
  private async flush(batch: PendingAppend[]): Promise<() => void> {
    const { stats } = this.p;
    let segment = this.openSegment();
    const firstLsn = segment.lastLsn + 1;
    let count = 0;
    for (const a of batch) count += a.records.length;
    const starts: number[] = [];
    let size = 0;
    let seconds: number;
    try {
      for (const a of batch) size += framedSize(a.records);
      const frames = new Uint8Array(size);
      let at = 0;
      let lsn = firstLsn;
      for (const a of batch) {
        starts.push(lsn);
        at = encodeFrames(a.records, lsn, frames, at);
        lsn += a.records.length;
      }
      if (this.dirtyTail) await this.cleanTail(segment);
      if (segment.bytes > SEGMENT_HEADER_BYTES && segment.bytes + size > this.p.segmentBytes) {
        segment = await this.roll(firstLsn);
      }
      seconds = await this.writeAndSync(segment, frames);
    } catch (e) {
      stats.failedBatches++;
      const error = storageUnavailable(`batch of ${count} records not written`, e, {
        segment: segment.name,
        offset: segment.bytes,
        lsn: firstLsn,
      });
      this.p.logger.warn(error.message, error.context);
      return () => {
        for (const a of batch) a.reject(error);
      };
    }
    segment.lastLsn = firstLsn + count - 1;
    segment.bytes += size;
    stats.batches++;
    stats.appends += batch.length;
    stats.records += count;
    stats.lastBatchRecords = count;
    stats.fsyncSecondsSum += seconds;
    stats.fsyncSecondsCount++;
    try {
      this.p.onFsync?.(seconds, count);
    } catch (e) {
      this.p.logger.warn("onFsync hook threw", { error: String(e) });
    }
    return () =>
      batch.forEach((a, i) => {
        const first = starts[i] as number;
        a.resolve({ firstLsn: first, lastLsn: first + a.records.length - 1 });
      });
  }

  /** One write + one fdatasync; on failure cuts the batch back off, best-effort. Returns the fdatasync's own seconds. */
  private async writeAndSync(segment: LogSegment, frames: Uint8Array): Promise<number> {
    try {
      const seconds = await this.file.writeAndSync(frames, segment.bytes);
      this.p.stats.fsyncs++;
      return seconds;
    } catch (e) {
      this.dirtyTail = true;
      await this.cleanTail(segment).catch((cut) =>
        this.p.logger.warn(
          "could not cut a failed batch off the segment; retrying before the next write",
          {
            segment: segment.name,
            offset: segment.bytes,
            error: String(cut),
          },
        ),
      );
      throw e;
    }
  }

  /** Cuts bytes left by a failed batch; throws while that is impossible. */
  private async cleanTail(segment: LogSegment): Promise<void> {
    if (!this.dirtyTail) return;
    await this.file.truncate(segment.bytes);
    await this.file.datasync();
    this.p.stats.fsyncs++;
    this.dirtyTail = false;
  }

  private async roll(firstLsn: number): Promise<LogSegment> {
    const { p } = this;
    const sealed = this.openSegment();
    const { file, segment } = await createSegment({
      dir: p.dir,
      number: sealed.number + 1,
      firstLsn,
      createdAtMs: p.now(),
      fileOps: p.fileOps,
      fsyncDir: p.fsyncDir,
      onSync: () => p.stats.fsyncs++,
    });
    const old = this.file;
    this.file = file;
    p.segments.push(segment);
    await old
      .close()
      .catch((e) => p.logger.warn("closing a sealed segment failed", { error: String(e) }));
    p.logger.info("segment sealed", {
      segment: sealed.name,
      lastLsn: sealed.lastLsn,
      next: segment.name,
    });
    return segment;
  }

  private openSegment(): LogSegment {
    return this.p.segments[this.p.segments.length - 1] as LogSegment;
  }
}
