/**
 * The read-only verifier of a log directory (for `stemedb verify`, SPEC §7):
 * reads every segment with the same checks as recovery (`scanSegment`) but
 * changes nothing and stops at nothing — it reports every problem with its
 * segment and byte offset, and says whether opening the log would repair it
 * (a torn tail of the newest segment) or refuse (anything else).
 */

import { scanSegment } from "./scan-segment.ts";
import {
  listSegmentFiles,
  type SegmentFile,
  SegmentFileReader,
  segmentFileName,
} from "./segment-files.ts";
import { SEGMENT_HEADER_BYTES } from "./segment-header.ts";

export interface ScannedSegment {
  name: string;
  bytes: number;
  /** From the header; undefined when the header is unreadable. */
  firstLsn: number | undefined;
  /** Last good LSN; undefined when the header is unreadable. */
  lastLsn: number | undefined;
  records: number;
  createdAtMs: number | undefined;
}

export interface ScanProblem {
  segment: string;
  offset: number;
  reason: string;
  code: "corrupt_segment" | "bad_format_version" | "storage_unavailable";
  /** True when opening the log would cut this off as a torn tail instead of refusing to start. */
  repairable: boolean;
}

export interface ScanReport {
  dir: string;
  segments: ScannedSegment[];
  records: number;
  /** Undefined when no segment has a readable header. */
  firstLsn: number | undefined;
  lastLsn: number | undefined;
  problems: ScanProblem[];
  /** No problems at all (a repairable torn tail counts as a problem here). */
  ok: boolean;
}

export function scanSegments(dir: string): ScanReport {
  const files = listSegmentFiles(dir);
  const report: ScanReport = {
    dir,
    segments: [],
    records: 0,
    firstLsn: undefined,
    lastLsn: undefined,
    problems: [],
    ok: true,
  };
  const reader = new SegmentFileReader();
  // The LSN the next segment must start at; undefined after a problem (take its header's word).
  let expected: number | undefined;
  files.forEach((f: SegmentFile, i) => {
    const newest = i === files.length - 1;
    const previous = files[i - 1];
    if (previous !== undefined && f.number !== previous.number + 1) {
      const missing = segmentFileName(previous.number + 1);
      report.problems.push({
        segment: f.name,
        offset: 0,
        reason: `${missing} is missing`,
        code: "corrupt_segment",
        repairable: false,
      });
      expected = undefined;
    }
    let bytes: Uint8Array;
    try {
      bytes = reader.read(f.path);
    } catch (e) {
      const reason = `cannot read: ${(e as Error).message}`;
      report.problems.push({
        segment: f.name,
        offset: 0,
        reason,
        code: "storage_unavailable",
        repairable: false,
      });
      expected = undefined;
      return;
    }
    const scan = scanSegment(bytes, expected);
    report.segments.push({
      name: f.name,
      bytes: bytes.length,
      firstLsn: scan.header?.firstLsn,
      lastLsn: scan.header === undefined ? undefined : scan.lastLsn,
      records: scan.records,
      createdAtMs: scan.header?.createdAtMs,
    });
    report.records += scan.records;
    if (scan.header !== undefined) {
      report.firstLsn ??= scan.header.firstLsn;
      report.lastLsn = scan.lastLsn;
    }
    const p = scan.problem;
    if (p === undefined) {
      expected = scan.lastLsn + 1;
      return;
    }
    const repairable =
      newest &&
      p.code === "corrupt_segment" &&
      (p.kind === "frame" ||
        (p.kind === "header" && bytes.length <= SEGMENT_HEADER_BYTES && (i > 0 || f.number === 1)));
    report.problems.push({
      segment: f.name,
      offset: p.offset,
      reason: p.reason,
      code: p.code,
      repairable,
    });
    expected = undefined;
  });
  report.ok = report.problems.length === 0;
  return report;
}
