/**
 * Reading a range of a live data dir's segment log from outside the server
 * (SPEC §7: `backup` and `archive-wal` read the data dir beside it, read-only,
 * without its LOCK). Segments are found with `scanSegments` and read with
 * `readRecords`, so every frame's length, CRC32C and LSN is checked again; the
 * records come back framed exactly as in a segment (record-frame.ts), which is
 * the byte layout of `log.zst` and of archive objects (backup-layout.ts).
 */
import { join } from "node:path";
import { StemeError } from "../errors.ts";
import { readRecords } from "../log/read-records.ts";
import { encodeFrames, framedSize, type LogRecord } from "../log/record-frame.ts";
import { scanSegments } from "../log/scan-segments.ts";
import { segmentPath } from "../log/segment-files.ts";
import type { LogSegment } from "../log/segment-log-config.ts";

/** Records fromLsn..toLsn of `<dataDir>/wal`; throws when the log no longer (or not yet) holds them. */
export function readLogRange(dataDir: string, fromLsn: number, toLsn: number): LogRecord[] {
  if (fromLsn > toLsn) return [];
  const walDir = join(dataDir, "wal");
  const scan = scanSegments(walDir);
  const segments: LogSegment[] = [];
  for (const s of scan.segments) {
    if (s.firstLsn === undefined || s.lastLsn === undefined) continue;
    const number = Number(/\d+/.exec(s.name)?.[0]);
    segments.push({
      number,
      name: s.name,
      path: segmentPath(walDir, number),
      firstLsn: s.firstLsn,
      lastLsn: s.lastLsn,
      bytes: s.bytes,
      createdAtMs: s.createdAtMs ?? 0,
    });
  }
  const first = segments[0]?.firstLsn ?? Number.POSITIVE_INFINITY;
  const last = segments[segments.length - 1]?.lastLsn ?? 0;
  if (fromLsn < first || toLsn > last) {
    throw new StemeError(
      "storage_unavailable",
      `the log in ${walDir} holds lsn ${Number.isFinite(first) ? first : "-"}..${last}, not ${fromLsn}..${toLsn}` +
        (fromLsn < first ? " (older segments were removed by retention)" : ""),
      { lsn: fromLsn < first ? fromLsn : toLsn },
    );
  }
  return [...readRecords(segments, fromLsn, toLsn)];
}

/** The records as consecutive frames (they must carry consecutive LSNs). */
export function frameRecords(records: readonly LogRecord[]): Uint8Array {
  const out = new Uint8Array(framedSize(records));
  if (records.length > 0) encodeFrames(records, (records[0] as LogRecord).lsn, out);
  return out;
}
