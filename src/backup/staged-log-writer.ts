/**
 * Writes restored log records as a segment log (SPEC §5 layout: numbered
 * segment files, each a 32-byte header then frames), so that the engine's own
 * recovery replays them through the one apply path when it opens the restored
 * data dir. Frames are copied as they came from the backup (they already carry
 * their length, CRC32C and LSN). Segments roll at `segmentBytes`; the first one
 * starts at `firstLsn` even when no record follows, so the log tells recovery
 * where the snapshot's state ends. Every file and the directory are fsynced.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from "node:fs";
import { segmentPath } from "../log/segment-files.ts";
import { encodeSegmentHeader, SEGMENT_HEADER_BYTES } from "../log/segment-header.ts";
import { DEFAULT_SEGMENT_BYTES } from "../log/segment-log-config.ts";

const BUFFER_BYTES = 1024 * 1024;

export class StagedLogWriter {
  readonly #dir: string;
  readonly #segmentBytes: number;
  readonly #now: () => number;
  #number = 0;
  #fd = -1;
  #bytes = 0;
  #recordsInSegment = 0;
  #buffer = new Uint8Array(BUFFER_BYTES);
  #buffered = 0;
  /** The LSN the next frame carries. */
  nextLsn: number;
  records = 0;

  constructor(dir: string, firstLsn: number, segmentBytes = DEFAULT_SEGMENT_BYTES, now = Date.now) {
    this.#dir = dir;
    this.#segmentBytes = segmentBytes;
    this.#now = now;
    this.nextLsn = firstLsn;
    mkdirSync(dir, { recursive: true });
    this.#open();
  }

  /** Appends one whole frame; its LSN must be `nextLsn` (the caller checked the frame). */
  append(frame: Uint8Array): void {
    if (this.#recordsInSegment > 0 && this.#bytes + frame.length > this.#segmentBytes) {
      this.#seal();
      this.#open();
    }
    if (this.#buffered + frame.length > this.#buffer.length) this.#flush();
    if (frame.length > this.#buffer.length) this.#write(frame);
    else {
      this.#buffer.set(frame, this.#buffered);
      this.#buffered += frame.length;
    }
    this.#bytes += frame.length;
    this.#recordsInSegment++;
    this.records++;
    this.nextLsn++;
  }

  /** Seals the last segment and fsyncs the directory; returns how many segment files there are. */
  close(): number {
    this.#seal();
    const fd = openSync(this.#dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return this.#number;
  }

  #open(): void {
    this.#number++;
    this.#fd = openSync(segmentPath(this.#dir, this.#number), "wx", 0o600);
    this.#write(encodeSegmentHeader(this.nextLsn, this.#now()));
    this.#bytes = SEGMENT_HEADER_BYTES;
    this.#recordsInSegment = 0;
  }

  #seal(): void {
    this.#flush();
    fsyncSync(this.#fd);
    closeSync(this.#fd);
  }

  #flush(): void {
    if (this.#buffered === 0) return;
    this.#write(this.#buffer.subarray(0, this.#buffered));
    this.#buffered = 0;
  }

  #write(bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length; ) at += writeSync(this.#fd, bytes, at);
  }
}
