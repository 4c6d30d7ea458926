/**
 * Reads runs of log frames for the archiver, incrementally: it remembers the
 * byte position after the last frame it returned, so a tick reads only the
 * bytes appended since (a positional read), not the whole open segment again
 * (a fresh 10 MiB read costs 60–120 ms of event-loop time, measured in
 * segment-files.ts). Frames come back exactly as the log stores them (length,
 * CRC32C, LSN, type, payload: record-frame.ts), and every one is checked by
 * `FrameCursor` on the way, so damage in the local log is reported, never
 * archived.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { corruptSegment, storageUnavailable } from "../log/log-errors.ts";
import { FRAME_HEADER_BYTES, FrameCursor } from "../log/record-frame.ts";
import { SEGMENT_HEADER_BYTES } from "../log/segment-header.ts";
import type { LogSegment } from "../log/segment-log-config.ts";

export interface FrameRun {
  firstLsn: number;
  lastLsn: number;
  /** The frames firstLsn..lastLsn, byte for byte as in the segment. */
  bytes: Uint8Array;
}

interface Position {
  segment: number;
  offset: number;
  lsn: number;
}

export class WalReader {
  #pos: Position | undefined;

  /**
   * Frames from `fromLsn` up to `toLsn` (inclusive), stopping at a segment's
   * end or once `maxBytes` are gathered (at least one frame). Undefined when
   * there is nothing in that range.
   */
  read(
    segments: readonly LogSegment[],
    fromLsn: number,
    toLsn: number,
    maxBytes: number,
  ): FrameRun | undefined {
    if (fromLsn > toLsn) return undefined;
    const i = segments.findIndex((s) => s.firstLsn <= fromLsn && fromLsn <= s.lastLsn);
    if (i < 0) return undefined;
    const segment = segments[i] as LogSegment;
    let pos = this.#pos;
    if (pos === undefined || pos.lsn !== fromLsn || pos.segment !== segment.number) {
      pos = { segment: segment.number, offset: SEGMENT_HEADER_BYTES, lsn: segment.firstLsn };
    }
    const until = Math.min(toLsn, segment.lastLsn);
    let window = Math.max(maxBytes, 64 * 1024);
    for (;;) {
      const { bytes, fileEnd } = readAt(segment, pos.offset, window);
      const cursor = new FrameCursor(bytes, 0, pos.lsn);
      let runStart = -1;
      let first = 0;
      let last = 0;
      while (cursor.nextLsn <= until) {
        const at = cursor.offset;
        if (!cursor.next()) break;
        if (cursor.lsn < fromLsn) continue;
        if (runStart < 0) {
          runStart = at;
          first = cursor.lsn;
        }
        last = cursor.lsn;
        if (cursor.offset - runStart >= maxBytes) break;
      }
      if (runStart >= 0) {
        // The next read of this segment continues right here.
        this.#pos = { segment: segment.number, offset: pos.offset + cursor.offset, lsn: last + 1 };
        return { firstLsn: first, lastLsn: last, bytes: bytes.slice(runStart, cursor.offset) };
      }
      if (pos.offset + bytes.length >= fileEnd) {
        // The whole rest of the file is read and a durable LSN is still missing.
        throw corruptSegment(
          segment.name,
          pos.offset + cursor.offset,
          cursor.problem ?? `file ends before lsn ${cursor.nextLsn}, the log holds up to ${until}`,
        );
      }
      if (cursor.offset > 0) {
        // Only frames before fromLsn in this window: read on from the first one not taken.
        pos = { segment: segment.number, offset: pos.offset + cursor.offset, lsn: cursor.nextLsn };
      } else {
        window = Math.max(window * 2, FRAME_HEADER_BYTES + frameLength(bytes));
      }
    }
  }
}

function frameLength(bytes: Uint8Array): number {
  return bytes.length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset).getUint32(0) : 0;
}

/** Up to `window` bytes of the segment from `offset`, and the file's current length. */
function readAt(
  segment: LogSegment,
  offset: number,
  window: number,
): { bytes: Uint8Array; fileEnd: number } {
  let fd: number;
  try {
    fd = openSync(segment.path, "r");
  } catch (e) {
    throw storageUnavailable(`cannot read ${segment.name}`, e, { segment: segment.name });
  }
  try {
    const fileEnd = fstatSync(fd).size;
    const want = Math.max(0, Math.min(window, fileEnd - offset));
    const bytes = new Uint8Array(want);
    let done = 0;
    while (done < want) {
      const n = readSync(fd, bytes, done, want - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return { bytes: bytes.subarray(0, done), fileEnd };
  } finally {
    closeSync(fd);
  }
}
