/**
 * The segment log (SPEC §5): an append-only sequence of records in numbered
 * segment files under one directory, each record framed with its length,
 * CRC32C and LSN (see `record-frame.ts`, `segment-header.ts`). This class wires
 * the pieces: `open` recovers (`recoverSegments`), `append` goes through group
 * commit (`SegmentWriter`), `readFrom` reads (`readRecords`), `removeSegments`
 * applies retention (`removableSegments`). LSNs start at 1 and grow by one per
 * record across all segments; `lastLsn` is always the last durable one.
 *
 * It is the engine's log in single-node mode (`EngineLog`): only this node
 * appends, so `follow` is recovery — the records after the state's last
 * applied LSN, read once — and the engine applies each group it appends.
 */

import { closeSync, fsyncSync, openSync, unlinkSync } from "node:fs";
import { StemeError } from "../errors.ts";
import type { ApplyLogRecords, EngineLog, LogFigures } from "./engine-log.ts";
import { type FileOps, nodeFileOps } from "./file-ops.ts";
import { storageUnavailable } from "./log-errors.ts";
import { probeDirectory } from "./probe-directory.ts";
import { readRecords } from "./read-records.ts";
import {
  FRAME_HEADER_BYTES,
  type LogRecord,
  type LogRecordInput,
  MAX_PAYLOAD_BYTES,
} from "./record-frame.ts";
import { recoverSegments } from "./recover-segments.ts";
import { type RetentionOptions, removableSegments } from "./removable-segments.ts";
import { SEGMENT_HEADER_BYTES } from "./segment-header.ts";
import {
  DEFAULT_SEGMENT_BYTES,
  type LogLogger,
  type LogSegment,
  type LogStats,
  newStats,
  type OpenReport,
  type SegmentLogOptions,
  silentLogger,
} from "./segment-log-config.ts";
import { type AppendResult, SegmentWriter } from "./segment-writer.ts";

/** Records per apply call (one SQLite transaction each) when replaying the log. */
const REPLAY_CHUNK = 10_000;

export class SegmentLog implements EngineLog {
  readonly kind = "segments";
  readonly replicated = false;
  readonly #probe: () => Promise<void>;

  private constructor(
    readonly dir: string,
    private readonly segments: LogSegment[],
    private readonly writer: SegmentWriter,
    private readonly counters: LogStats,
    private readonly logger: LogLogger,
    private readonly fsyncDir: boolean,
    /** The torn tail cut off while opening, if there was one. */
    readonly openReport: OpenReport | undefined,
    fileOps: FileOps,
  ) {
    this.#probe = probeDirectory(dir, fileOps);
  }

  /**
   * Opens (creating if needed) the log in `dir`, validating every segment.
   * Throws StemeError corrupt_segment / bad_format_version / storage_unavailable.
   */
  static async open(dir: string, options: SegmentLogOptions = {}): Promise<SegmentLog> {
    if (typeof dir !== "string" || dir === "") throw new TypeError("dir must be a non-empty path");
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (
      !Number.isSafeInteger(segmentBytes) ||
      segmentBytes < SEGMENT_HEADER_BYTES + FRAME_HEADER_BYTES
    ) {
      throw new RangeError(
        `options.segmentBytes must be an integer ≥ ${SEGMENT_HEADER_BYTES + FRAME_HEADER_BYTES}, got ${segmentBytes}`,
      );
    }
    const logger = options.logger ?? silentLogger;
    const fileOps: FileOps = options.fileOps ?? nodeFileOps;
    const fsyncDir = options.fsyncDir ?? true;
    const now = options.now ?? Date.now;
    const stats = newStats();
    const onSync = () => stats.fsyncs++;
    const recovered = await recoverSegments({ dir, fileOps, fsyncDir, now, logger, onSync });
    const writer = new SegmentWriter({
      dir,
      segments: recovered.segments,
      file: recovered.file,
      segmentBytes,
      fsyncDir,
      fileOps,
      now,
      logger,
      stats,
      onFsync: options.onFsync,
    });
    const log = new SegmentLog(
      dir,
      recovered.segments,
      writer,
      stats,
      logger,
      fsyncDir,
      recovered.openReport,
      fileOps,
    );
    logger.info("segment log opened", {
      dir,
      segments: recovered.segments.length,
      firstLsn: log.firstLsn,
      lastLsn: log.lastLsn,
    });
    return log;
  }

  /** LSN of the oldest record kept (after retention); lastLsn + 1 while the log holds none. */
  get firstLsn(): number {
    return (this.segments[0] as LogSegment).firstLsn;
  }

  /** LSN of the last durable record; 0 for a new log. */
  get lastLsn(): number {
    return (this.segments[this.segments.length - 1] as LogSegment).lastLsn;
  }

  /**
   * Appends records with consecutive LSNs; resolves after they are fdatasynced.
   * Concurrent calls share one write and one fdatasync (group commit). Rejects
   * with StemeError storage_unavailable when the write or fdatasync fails;
   * nothing of that call is durable then and the log stays usable.
   */
  append(records: readonly LogRecordInput[]): Promise<AppendResult> {
    try {
      validateRecords(records);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.writer.append(records);
  }

  /** Seals the open segment if it holds records; the next append starts a new one (see SegmentWriter.seal). */
  seal(): Promise<void> {
    return this.writer.seal();
  }

  /** Records from `lsn` up to the lastLsn of the moment of this call, in LSN order. */
  readFrom(lsn: number): Iterable<LogRecord> {
    if (!Number.isSafeInteger(lsn) || lsn < 1) {
      throw new RangeError(`lsn must be an integer ≥ 1, got ${lsn}`);
    }
    const last = this.lastLsn;
    if (lsn < this.firstLsn && lsn <= last) {
      throw new RangeError(
        `lsn ${lsn} is no longer in the log, which starts at lsn ${this.firstLsn} ` +
          "(older segments were removed by retention; restore them from the WAL archive)",
      );
    }
    return readRecords(this.segments.slice(), lsn, last);
  }

  /**
   * Recovery (SPEC §5): applies the records after `appliedLsn` (the state's
   * `last_lsn`) in chunks of one transaction each; returns how many. Refuses
   * a state ahead of the log, or a log that no longer holds what it needs.
   */
  async follow(appliedLsn: number, apply: ApplyLogRecords): Promise<number> {
    const last = this.lastLsn;
    if (appliedLsn > last) {
      throw new StemeError(
        "corrupt_segment",
        `the SQLite state has applied up to lsn ${appliedLsn} but the log ends at ${last}: the log lost acknowledged records; restore from a backup`,
        { lsn: appliedLsn },
      );
    }
    if (last > appliedLsn && appliedLsn + 1 < this.firstLsn) {
      throw new StemeError(
        "corrupt_segment",
        `the log starts at lsn ${this.firstLsn} but the state needs records from ${appliedLsn + 1}: rebuild from a backup and archived segments`,
        { lsn: appliedLsn + 1 },
      );
    }
    if (last === appliedLsn) return 0;
    let replayed = 0;
    let chunk: LogRecord[] = [];
    for (const r of this.readFrom(appliedLsn + 1)) {
      chunk.push(r);
      if (chunk.length >= REPLAY_CHUNK) {
        apply(chunk);
        replayed += chunk.length;
        chunk = [];
      }
    }
    if (chunk.length > 0) apply(chunk);
    return replayed + chunk.length;
  }

  /** Writes, fdatasyncs and removes a small file in the log's directory. */
  probe(): Promise<void> {
    return this.#probe();
  }

  /** Only the storage breaker refuses writes to a segment log. */
  refusal(): StemeError | undefined {
    return undefined;
  }

  notReadyReason(): string | undefined {
    return undefined;
  }

  retain(options: RetentionOptions): string[] {
    return this.removeSegments(options);
  }

  figures(): LogFigures {
    return { kind: "segments", ...this.stats() };
  }

  /** Removes the segments retention allows (see removableSegments); returns their file names. */
  removeSegments(options: RetentionOptions): string[] {
    const removed: string[] = [];
    for (const segment of removableSegments(this.segments, options)) {
      try {
        unlinkSync(segment.path);
      } catch (e) {
        throw storageUnavailable(`cannot remove ${segment.name}`, e, { segment: segment.name });
      }
      this.segments.shift();
      removed.push(segment.name);
      // One directory fsync per file keeps the removals in order across a crash.
      if (this.fsyncDir) syncDirectory(this.dir, segment.name);
    }
    if (removed.length > 0) {
      this.logger.info("segments removed by retention", { removed, firstLsn: this.firstLsn });
    }
    return removed;
  }

  /** The segments, oldest first; the last one is open. A copy: safe to keep. */
  segmentList(): LogSegment[] {
    return this.segments.map((s) => ({ ...s }));
  }

  stats(): LogStats {
    let bytes = 0;
    for (const s of this.segments) bytes += s.bytes;
    return { ...this.counters, segments: this.segments.length, bytes };
  }

  /** Waits for queued and in-flight appends, then closes the open segment. */
  close(): Promise<void> {
    return this.writer.close();
  }
}

function validateRecords(records: readonly LogRecordInput[]): void {
  if (!Array.isArray(records) || records.length === 0) {
    throw new RangeError("records must be a non-empty array");
  }
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as LogRecordInput;
    if (!Number.isInteger(r.type) || r.type < 0 || r.type > 255) {
      throw new RangeError(`records[${i}].type must be an integer 0..255, got ${r.type}`);
    }
    if (!(r.payload instanceof Uint8Array)) {
      throw new TypeError(`records[${i}].payload must be a Uint8Array`);
    }
    if (r.payload.length > MAX_PAYLOAD_BYTES) {
      throw new RangeError(
        `records[${i}].payload is ${r.payload.length} bytes; the maximum is ${MAX_PAYLOAD_BYTES}`,
      );
    }
  }
}

function syncDirectory(dir: string, removed: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw storageUnavailable(`removed ${removed} but cannot fsync ${dir}`, e, { segment: removed });
  }
}

/** The engine's log as the segment log it is (archival, tools); cluster mode has none. */
export function segmentLogOf(log: EngineLog): SegmentLog {
  if (log instanceof SegmentLog) return log;
  throw new StemeError(
    "config_invalid",
    `this needs the node's segment log, but its log is a ${log.kind} (cluster mode: the stream is the log)`,
  );
}
