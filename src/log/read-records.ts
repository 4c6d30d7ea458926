/**
 * Reading the log from an LSN on (SPEC §5: recovery replays the log's
 * unapplied tail; later replication and backup read it too). Segments are read
 * whole (≤ segmentBytes plus one batch) with synchronous reads into one reused
 * buffer and walked with `FrameCursor`, which re-checks every frame's length,
 * checksum and LSN, so damage that appeared after the log was opened is
 * reported, not returned.
 */

import { corruptSegment, storageUnavailable } from "./log-errors.ts";
import { FrameCursor, type LogRecord } from "./record-frame.ts";
import { SegmentFileReader } from "./segment-files.ts";
import { SEGMENT_HEADER_BYTES } from "./segment-header.ts";
import type { LogSegment } from "./segment-log-config.ts";

/**
 * Yields records fromLsn..toLsn in order. `segments` is a snapshot, oldest
 * first; the first must start at or before fromLsn. Each payload is its own
 * copy, safe to keep.
 */
export function* readRecords(
  segments: readonly LogSegment[],
  fromLsn: number,
  toLsn: number,
): Generator<LogRecord, void, undefined> {
  if (fromLsn > toLsn) return;
  const reader = new SegmentFileReader();
  for (let i = findSegment(segments, fromLsn); i < segments.length; i++) {
    const segment = segments[i] as LogSegment;
    if (segment.firstLsn > toLsn) return;
    const until = Math.min(toLsn, segment.lastLsn);
    if (until < segment.firstLsn) continue;
    let bytes: Uint8Array;
    try {
      bytes = reader.read(segment.path);
    } catch (e) {
      throw storageUnavailable(`cannot read ${segment.name}`, e, { segment: segment.name });
    }
    const cursor = new FrameCursor(bytes, SEGMENT_HEADER_BYTES, segment.firstLsn);
    while (cursor.nextLsn <= until) {
      if (!cursor.next()) {
        throw corruptSegment(
          segment.name,
          cursor.offset,
          cursor.problem ??
            `file ends before lsn ${cursor.nextLsn}, the log expected up to ${until}`,
        );
      }
      if (cursor.lsn >= fromLsn) {
        // A copy: the read buffer is reused for the next segment.
        yield { lsn: cursor.lsn, type: cursor.type, payload: cursor.payload().slice() };
      }
    }
  }
}

/** Index of the last segment whose firstLsn ≤ lsn (0 when none is). */
function findSegment(segments: readonly LogSegment[], lsn: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((segments[mid] as LogSegment).firstLsn <= lsn) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
