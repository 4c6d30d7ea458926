/**
 * Validates one segment's bytes: the header (SegmentHeader layout), the LSN
 * continuity with the segment before it, and every frame (RecordFrame layout)
 * up to the first that fails. Pure and read-only: recovery (`recoverSegments`)
 * and the verifier (`scanSegments`) both call it and differ only in what they
 * do with a problem — recovery cuts a torn tail of the newest segment and
 * rejects anything else, the verifier reports everything.
 */

import type { ErrorCode } from "../errors.ts";
import { FrameCursor } from "./record-frame.ts";
import {
  isHeaderProblem,
  parseSegmentHeader,
  SEGMENT_HEADER_BYTES,
  type SegmentHeader,
} from "./segment-header.ts";

export interface SegmentProblem {
  /** Byte offset in the segment file where the problem starts (0 for the header). */
  offset: number;
  reason: string;
  /** header: unreadable header; continuity: first LSN does not follow the previous segment; frame: a bad frame. */
  kind: "header" | "continuity" | "frame";
  code: Extract<ErrorCode, "corrupt_segment" | "bad_format_version">;
  /** Header problems only: the file ends inside the header. */
  shortHeader?: boolean;
}

export interface SegmentScan {
  header: SegmentHeader | undefined;
  records: number;
  /** LSN of the last good frame; firstLsn - 1 when there is none (0 without a header). */
  lastLsn: number;
  /** End of the last good frame: the length the file would have with its bad tail cut. */
  validBytes: number;
  problem: SegmentProblem | undefined;
}

/**
 * @param expectedFirstLsn the LSN the segment must start at (the previous
 *   segment's last LSN + 1); undefined for the first segment present, whose
 *   header alone says where the log starts.
 */
export function scanSegment(bytes: Uint8Array, expectedFirstLsn?: number): SegmentScan {
  const header = parseSegmentHeader(bytes.subarray(0, SEGMENT_HEADER_BYTES));
  if (isHeaderProblem(header)) {
    return {
      header: undefined,
      records: 0,
      lastLsn: 0,
      validBytes: 0,
      problem: {
        offset: 0,
        reason: header.reason,
        kind: "header",
        code: header.code,
        shortHeader: header.short,
      },
    };
  }
  if (expectedFirstLsn !== undefined && header.firstLsn !== expectedFirstLsn) {
    return {
      header,
      records: 0,
      lastLsn: header.firstLsn - 1,
      validBytes: SEGMENT_HEADER_BYTES,
      problem: {
        offset: 0,
        reason:
          `segment starts at lsn ${header.firstLsn} but the previous segment ends at lsn ` +
          `${expectedFirstLsn - 1} (a segment is missing or out of place)`,
        kind: "continuity",
        code: "corrupt_segment",
      },
    };
  }
  const cursor = new FrameCursor(bytes, SEGMENT_HEADER_BYTES, header.firstLsn);
  let records = 0;
  while (cursor.next()) records++;
  return {
    header,
    records,
    lastLsn: cursor.nextLsn - 1,
    validBytes: cursor.offset,
    problem:
      cursor.problem === undefined
        ? undefined
        : { offset: cursor.offset, reason: cursor.problem, kind: "frame", code: "corrupt_segment" },
  };
}
