/**
 * `onFsync` (the `stemedb_log_fsync_duration_seconds` histogram) reports the
 * fdatasync call alone, timed on the log's I/O thread: a main thread that is
 * busy while the fdatasync runs (the engine applying the previous group) must
 * not inflate it. Real file, real fdatasync.
 */
import { describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { SEGMENT_HEADER_BYTES } from "../../../src/log/segment-header.ts";
import { SegmentLog } from "../../../src/log/segment-log.ts";
import { record, tempDir } from "./log-test-helpers.ts";

const BUSY_MS = 1000;

describe("fsync timing", () => {
  test("the batch's write and fdatasync run while the main thread is busy, and only the fdatasync is timed", async () => {
    using dir = tempDir();
    const observed: number[] = [];
    const log = await SegmentLog.open(dir.wal, { onFsync: (seconds) => observed.push(seconds) });
    await log.append([record(0)]); // the I/O thread is up
    const path = log.segmentList()[0]?.path as string;
    const before = statSync(path).size;

    const t0 = performance.now();
    const done = log.append([record(1, 4096)]);
    // Block the event loop; the write must land meanwhile (it runs on the I/O thread).
    let landed = false;
    while (performance.now() - t0 < BUSY_MS) {
      if (!landed && statSync(path).size > before) landed = true;
    }
    expect(landed).toBe(true);
    await done;
    const wall = (performance.now() - t0) / 1000;
    expect(wall).toBeGreaterThanOrEqual(BUSY_MS / 1000);
    const fsync = observed[1] as number;
    expect(fsync).toBeGreaterThan(0);
    // A timer around the awaited promise would report at least the busy time left after the call.
    expect(fsync).toBeLessThan(BUSY_MS / 2000);
    expect(log.stats().fsyncSecondsSum).toBeCloseTo((observed[0] as number) + fsync, 9);
    expect(before).toBeGreaterThan(SEGMENT_HEADER_BYTES);
    await log.close();
  });
});
