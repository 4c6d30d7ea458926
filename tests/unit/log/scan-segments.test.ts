import { describe, expect, test } from "bun:test";
import { readFileSync, truncateSync } from "node:fs";
import { FRAME_HEADER_BYTES } from "../../../src/log/record-frame.ts";
import { scanSegments } from "../../../src/log/scan-segments.ts";
import { segmentPath } from "../../../src/log/segment-files.ts";
import { SEGMENT_HEADER_BYTES } from "../../../src/log/segment-header.ts";
import { SegmentLog } from "../../../src/log/segment-log.ts";
import { flipByte, record, tempDir } from "./log-test-helpers.ts";

const P = 100;
const FRAME = FRAME_HEADER_BYTES + P;
const SEGMENT_BYTES = SEGMENT_HEADER_BYTES + 4 * FRAME;

async function writeLog(wal: string, count: number): Promise<void> {
  const log = await SegmentLog.open(wal, { segmentBytes: SEGMENT_BYTES });
  for (let n = 1; n <= count; n++) await log.append([record(n, P)]);
  await log.close();
}

describe("scanSegments (the verifier)", () => {
  test("reports a healthy log", async () => {
    using dir = tempDir();
    await writeLog(dir.wal, 10);
    const report = scanSegments(dir.wal);
    expect(report).toMatchObject({ ok: true, records: 10, firstLsn: 1, lastLsn: 10, problems: [] });
    expect(report.segments.map((s) => [s.name, s.firstLsn, s.lastLsn, s.records])).toEqual([
      ["segment-00000001.log", 1, 4, 4],
      ["segment-00000002.log", 5, 8, 4],
      ["segment-00000003.log", 9, 10, 2],
    ]);
  });

  test("reports every problem with its segment and offset, and changes nothing", async () => {
    using dir = tempDir();
    await writeLog(dir.wal, 10);
    flipByte(segmentPath(dir.wal, 1), SEGMENT_HEADER_BYTES + FRAME + 50);
    truncateSync(segmentPath(dir.wal, 3), SEGMENT_HEADER_BYTES + FRAME + 3);
    const before = [1, 2, 3].map((n) => readFileSync(segmentPath(dir.wal, n)));
    const report = scanSegments(dir.wal);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      {
        segment: "segment-00000001.log",
        offset: SEGMENT_HEADER_BYTES + FRAME,
        reason: expect.stringContaining("crc32c mismatch"),
        code: "corrupt_segment",
        repairable: false,
      },
      {
        segment: "segment-00000003.log",
        offset: SEGMENT_HEADER_BYTES + FRAME,
        reason: expect.stringContaining("frame header cut short"),
        code: "corrupt_segment",
        repairable: true,
      },
    ]);
    // Segment 2 is still checked in full after segment 1 went bad.
    expect(report.records).toBe(1 + 4 + 1);
    expect([1, 2, 3].map((n) => readFileSync(segmentPath(dir.wal, n)))).toEqual(before);
  });

  test("an empty or missing directory has no segments and no problems", () => {
    using dir = tempDir();
    expect(scanSegments(dir.wal)).toMatchObject({ segments: [], records: 0, ok: true });
  });
});
