import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { isStemeError } from "../../../src/errors.ts";
import { FRAME_HEADER_BYTES, type LogRecord } from "../../../src/log/record-frame.ts";
import { segmentFileName } from "../../../src/log/segment-files.ts";
import { SEGMENT_HEADER_BYTES } from "../../../src/log/segment-header.ts";
import { SegmentLog } from "../../../src/log/segment-log.ts";
import { fileSize, payloadNumber, record, tempDir } from "./log-test-helpers.ts";

const P = 100; // payload bytes per test record
const FRAME = FRAME_HEADER_BYTES + P;

function numbers(records: Iterable<LogRecord>): number[][] {
  return [...records].map((r) => [r.lsn, r.type, payloadNumber(r.payload)]);
}

describe("SegmentLog append and readFrom", () => {
  test("a new log starts empty at lsn 1 with one segment", async () => {
    using dir = tempDir();
    const log = await SegmentLog.open(dir.wal);
    expect([log.firstLsn, log.lastLsn]).toEqual([1, 0]);
    expect(readdirSync(dir.wal)).toEqual(["segment-00000001.log"]);
    expect(fileSize(join(dir.wal, "segment-00000001.log"))).toBe(SEGMENT_HEADER_BYTES);
    expect([...log.readFrom(1)]).toEqual([]);
    expect(log.openReport).toBeUndefined();
    await log.close();
  });

  test("round trip across rolls; a reopened log continues the LSNs", async () => {
    using dir = tempDir();
    const segmentBytes = 4096;
    let log = await SegmentLog.open(dir.wal, { segmentBytes });
    const expected: number[][] = [];
    for (let n = 1; n <= 200; n++) {
      // Batches of 1..4 records of mixed types.
      const batch = Array.from({ length: (n % 4) + 1 }, (_, i) =>
        record(n * 10 + i, P, (n + i) % 3),
      );
      const at = log.lastLsn + 1;
      const result = await log.append(batch);
      expect(result).toEqual({ firstLsn: at, lastLsn: at + batch.length - 1 });
      batch.forEach((r, i) => {
        expected.push([at + i, r.type, n * 10 + i]);
      });
    }
    const total = expected.length;
    expect(log.lastLsn).toBe(total);
    const segments = log.segmentList();
    expect(segments.length).toBeGreaterThan(10);
    for (const s of segments) {
      expect(s.bytes).toBeLessThanOrEqual(segmentBytes);
      expect(fileSize(s.path)).toBe(s.bytes);
    }
    expect(segments.map((s) => s.name)).toEqual(segments.map((_, i) => segmentFileName(i + 1)));
    expect(numbers(log.readFrom(1))).toEqual(expected);
    expect(numbers(log.readFrom(333))).toEqual(expected.slice(332));
    expect([...log.readFrom(total + 1)]).toEqual([]);
    await log.close();

    log = await SegmentLog.open(dir.wal, { segmentBytes });
    expect([log.firstLsn, log.lastLsn]).toEqual([1, total]);
    expect(log.openReport).toBeUndefined();
    expect(log.segmentList()).toEqual(segments);
    expect(await log.append([record(7, P)])).toEqual({ firstLsn: total + 1, lastLsn: total + 1 });
    expect(numbers(log.readFrom(total - 1))).toEqual([...expected.slice(-2), [total + 1, 1, 7]]);
    await log.close();
  });

  test("a batch larger than segmentBytes goes into one new segment", async () => {
    using dir = tempDir();
    const log = await SegmentLog.open(dir.wal, { segmentBytes: 1024 });
    await log.append([record(1, P)]);
    const big = Array.from({ length: 20 }, (_, i) => record(100 + i, P));
    expect(await log.append(big)).toEqual({ firstLsn: 2, lastLsn: 21 });
    const segments = log.segmentList();
    expect(segments.map((s) => [s.firstLsn, s.lastLsn, s.bytes])).toEqual([
      [1, 1, SEGMENT_HEADER_BYTES + FRAME],
      [2, 21, SEGMENT_HEADER_BYTES + 20 * FRAME],
    ]);
    // The next record no longer fits: a third segment.
    await log.append([record(2, P)]);
    expect(log.segmentList().length).toBe(3);
    expect(numbers(log.readFrom(21))).toEqual([
      [21, 1, 119],
      [22, 1, 2],
    ]);
    await log.close();
  });

  test("readFrom only returns records durable when it was called", async () => {
    using dir = tempDir();
    const log = await SegmentLog.open(dir.wal);
    await log.append([record(1, P), record(2, P)]);
    const reader = log.readFrom(1);
    await log.append([record(3, P)]);
    expect(numbers(reader).map(([lsn]) => lsn)).toEqual([1, 2]);
    expect(numbers(log.readFrom(1)).map(([lsn]) => lsn)).toEqual([1, 2, 3]);
    await log.close();
  });

  test("rejects bad arguments naming them", async () => {
    using dir = tempDir();
    const log = await SegmentLog.open(dir.wal);
    await expect(log.append([])).rejects.toThrow(RangeError);
    await expect(log.append([{ type: 256, payload: new Uint8Array(1) }])).rejects.toThrow(
      "records[0].type must be an integer 0..255",
    );
    await expect(log.append([record(1), { type: 1, payload: "x" as never }])).rejects.toThrow(
      "records[1].payload must be a Uint8Array",
    );
    expect(() => log.readFrom(0)).toThrow("lsn must be an integer ≥ 1");
    await expect(SegmentLog.open(dir.wal, { segmentBytes: 10 })).rejects.toThrow(
      "options.segmentBytes",
    );
    await log.close();
    const closed = await log.append([record(1)]).catch((e) => e);
    expect(isStemeError(closed, "storage_unavailable")).toBe(true);
  });

  test("stats count appends, batches, records and fsyncs", async () => {
    using dir = tempDir();
    const log = await SegmentLog.open(dir.wal);
    const before = log.stats();
    // An append to an idle log starts at once; the two made while it is in flight share the next batch.
    const first = log.append([record(1)]);
    await Promise.all([first, log.append([record(2), record(3)]), log.append([record(4)])]);
    const s = log.stats();
    expect(s).toMatchObject({
      segments: 1,
      bytes: SEGMENT_HEADER_BYTES + 4 * FRAME,
      appends: 3,
      batches: 2,
      records: 4,
      lastBatchRecords: 3,
      fsyncSecondsCount: 2,
      failedBatches: 0,
    });
    expect(s.fsyncs).toBe(before.fsyncs + 2);
    expect(s.fsyncSecondsSum).toBeGreaterThan(0);
    await log.close();
  });
});
