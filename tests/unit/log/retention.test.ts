import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { FRAME_HEADER_BYTES } from "../../../src/log/record-frame.ts";
import { segmentPath } from "../../../src/log/segment-files.ts";
import { SEGMENT_HEADER_BYTES } from "../../../src/log/segment-header.ts";
import { SegmentLog } from "../../../src/log/segment-log.ts";
import { payloadNumber, record, tempDir } from "./log-test-helpers.ts";

const P = 100;
const SEGMENT_BYTES = SEGMENT_HEADER_BYTES + 2 * (FRAME_HEADER_BYTES + P);
const OLD = 1_000_000; // any age beyond every timestamp used here

/**
 * Ten records, one append each at clock = lsn × 1000 ms: segment k holds lsn
 * 2k-1 and 2k, is created at (2k-1)·1000 and sealed when k+1 is created, at
 * (2k+1)·1000. Segment 5 is the open one.
 */
async function fiveSegments(wal: string): Promise<SegmentLog> {
  let clock = 0;
  const log = await SegmentLog.open(wal, { segmentBytes: SEGMENT_BYTES, now: () => clock });
  for (let lsn = 1; lsn <= 10; lsn++) {
    clock = lsn * 1000;
    await log.append([record(lsn, P)]);
  }
  expect(log.segmentList().map((s) => [s.firstLsn, s.lastLsn, s.createdAtMs])).toEqual([
    [1, 2, 0],
    [3, 4, 3000],
    [5, 6, 5000],
    [7, 8, 7000],
    [9, 10, 9000],
  ]);
  return log;
}

const names = (...n: number[]) => n.map((k) => `segment-0000000${k}.log`);

describe("removeSegments (retention)", () => {
  test("keeps segments with unapplied records", async () => {
    using dir = tempDir();
    const log = await fiveSegments(dir.wal);
    expect(log.removeSegments({ olderThanMs: 0, nowMs: OLD, appliedLsn: 5 })).toEqual(names(1, 2));
    expect(log.firstLsn).toBe(5);
    await log.close();
  });

  test("keeps segments not yet archived when archival is configured", async () => {
    using dir = tempDir();
    const log = await fiveSegments(dir.wal);
    expect(
      log.removeSegments({ olderThanMs: 0, nowMs: OLD, appliedLsn: 10, archivedLsn: 3 }),
    ).toEqual(names(1));
    await log.close();
  });

  test("keeps segments sealed within the retention", async () => {
    using dir = tempDir();
    const log = await fiveSegments(dir.wal);
    // Segment 2 was sealed at 5000: 500 ms old, younger than 1000.
    expect(log.removeSegments({ olderThanMs: 1000, nowMs: 5500, appliedLsn: 10 })).toEqual(
      names(1),
    );
    expect(log.removeSegments({ olderThanMs: 1000, nowMs: 5500, appliedLsn: 10 })).toEqual([]);
    await log.close();
  });

  test("never removes the open segment; the log reads and reopens from what is left", async () => {
    using dir = tempDir();
    const log = await fiveSegments(dir.wal);
    expect(
      log.removeSegments({ olderThanMs: 0, nowMs: OLD, appliedLsn: 10, archivedLsn: 10 }),
    ).toEqual(names(1, 2, 3, 4));
    expect(readdirSync(dir.wal)).toEqual(names(5));
    expect(existsSync(segmentPath(dir.wal, 1))).toBe(false);
    expect([log.firstLsn, log.lastLsn]).toEqual([9, 10]);
    expect([...log.readFrom(9)].map((r) => payloadNumber(r.payload))).toEqual([9, 10]);
    expect(() => log.readFrom(3)).toThrow("lsn 3 is no longer in the log, which starts at lsn 9");
    expect(log.stats().segments).toBe(1);
    await log.close();

    const reopened = await SegmentLog.open(dir.wal, { segmentBytes: SEGMENT_BYTES });
    expect([reopened.firstLsn, reopened.lastLsn]).toEqual([9, 10]);
    expect(await reopened.append([record(11, P)])).toEqual({ firstLsn: 11, lastLsn: 11 });
    expect(reopened.segmentList().map((s) => s.name)).toEqual(names(5, 6));
    expect([...reopened.readFrom(9)].map((r) => r.lsn)).toEqual([9, 10, 11]);
    await reopened.close();
  });
});
