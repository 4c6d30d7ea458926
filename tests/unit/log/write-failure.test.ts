import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { isStemeError, type StemeError } from "../../../src/errors.ts";
import { FRAME_HEADER_BYTES } from "../../../src/log/record-frame.ts";
import { SEGMENT_HEADER_BYTES } from "../../../src/log/segment-header.ts";
import { SegmentLog } from "../../../src/log/segment-log.ts";
import { faultyFileOps, fileSize, payloadNumber, record, tempDir } from "./log-test-helpers.ts";

const P = 100;
const FRAME = FRAME_HEADER_BYTES + P;

async function rejection(p: Promise<unknown>): Promise<StemeError> {
  const error = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(isStemeError(error, "storage_unavailable")).toBe(true);
  return error as StemeError;
}

async function expectRecords(wal: string, numbers: number[]): Promise<void> {
  const log = await SegmentLog.open(wal);
  expect(log.openReport).toBeUndefined(); // no garbage was left behind
  expect([...log.readFrom(1)].map((r) => payloadNumber(r.payload))).toEqual(numbers);
  await log.close();
}

describe("a failed write or fsync", () => {
  test("ENOSPC on write rejects the whole batch, leaves no partial bytes, and later appends succeed", async () => {
    using dir = tempDir();
    const { ops, faults } = faultyFileOps();
    const log = await SegmentLog.open(dir.wal, { fileOps: ops });
    await log.append([record(1, P)]);
    const path = log.segmentList()[0]?.path as string;

    // While record 6's batch is in flight (its write already made), two appends queue: one batch.
    const inFlight = log.append([record(6, P)]);
    faults.write = 1;
    const batch = [log.append([record(2, P)]), log.append([record(3, P), record(4, P)])];
    expect(await inFlight).toEqual({ firstLsn: 2, lastLsn: 2 });
    const [error, other] = await Promise.all(batch.map(rejection));
    expect(other).toBe(error as StemeError); // one batch, one failure
    expect(error?.message).toContain("ENOSPC");
    expect(error?.cause).toMatchObject({ code: "ENOSPC" });
    expect(error?.context).toMatchObject({ segment: "segment-00000001.log", lsn: 3 });
    expect(log.lastLsn).toBe(2);
    expect(fileSize(path)).toBe(SEGMENT_HEADER_BYTES + 2 * FRAME);
    expect(log.stats()).toMatchObject({ failedBatches: 1, records: 2 });

    // The LSNs of the failed batch are handed out again.
    expect(await log.append([record(5, P)])).toEqual({ firstLsn: 3, lastLsn: 3 });
    await log.close();
    await expectRecords(dir.wal, [1, 6, 5]);
  });

  test("EIO on fdatasync: nothing of the batch is claimed durable or kept", async () => {
    using dir = tempDir();
    const { ops, faults } = faultyFileOps();
    const fsyncs: number[] = [];
    const log = await SegmentLog.open(dir.wal, {
      fileOps: ops,
      onFsync: (_, n) => fsyncs.push(n),
    });
    faults.datasync = 1;
    const error = await rejection(log.append([record(1, P)]));
    expect(error.message).toContain("EIO");
    expect(fsyncs).toEqual([]);
    expect(log.lastLsn).toBe(0);
    expect(fileSize(log.segmentList()[0]?.path as string)).toBe(SEGMENT_HEADER_BYTES);
    expect(await log.append([record(2, P)])).toEqual({ firstLsn: 1, lastLsn: 1 });
    expect(fsyncs).toEqual([1]);
    await log.close();
    await expectRecords(dir.wal, [2]);
  });

  test("when the cut-back fails too, it is retried before anything else is written", async () => {
    using dir = tempDir();
    const { ops, faults, calls } = faultyFileOps();
    const log = await SegmentLog.open(dir.wal, { fileOps: ops });
    await log.append([record(1, P)]);
    const path = log.segmentList()[0]?.path as string;

    faults.write = 1;
    faults.truncate = 2; // the cut after the failure, and the retry before the next batch
    await rejection(log.append([record(2, P), record(3, P)]));
    expect(fileSize(path)).toBeGreaterThan(SEGMENT_HEADER_BYTES + FRAME); // half a batch of garbage
    calls.length = 0;
    await rejection(log.append([record(4, P)]));
    expect(calls).toEqual(["truncate"]); // refused to write past garbage
    expect(log.lastLsn).toBe(1);

    expect(await log.append([record(5, P)])).toEqual({ firstLsn: 2, lastLsn: 2 });
    expect(calls.slice(1)).toEqual(["truncate", "datasync", "write", "datasync"]);
    expect(fileSize(path)).toBe(SEGMENT_HEADER_BYTES + 2 * FRAME);
    await log.close();
    await expectRecords(dir.wal, [1, 5]);
  });

  test("a failure to create the next segment rejects the batch and the roll is retried", async () => {
    using dir = tempDir();
    const { ops, faults } = faultyFileOps();
    const segmentBytes = SEGMENT_HEADER_BYTES + 2 * FRAME;
    const log = await SegmentLog.open(dir.wal, { fileOps: ops, segmentBytes });
    await log.append([record(1, P), record(2, P)]);

    faults.open = 1;
    await rejection(log.append([record(3, P)]));
    expect(readdirSync(dir.wal).sort()).toEqual(["segment-00000001.log"]); // the half-made file is gone
    expect(log.lastLsn).toBe(2);
    expect(log.segmentList().length).toBe(1);

    expect(await log.append([record(4, P)])).toEqual({ firstLsn: 3, lastLsn: 3 });
    expect(log.segmentList().map((s) => [s.name, s.firstLsn, s.lastLsn])).toEqual([
      ["segment-00000001.log", 1, 2],
      ["segment-00000002.log", 3, 3],
    ]);
    await log.close();
    await expectRecords(dir.wal, [1, 2, 4]);
  });
});
