import { describe, expect, test } from "bun:test";
import {
  type FileOps,
  nodeFileOps,
  type WritableFile,
  writeThenSync,
} from "../../../src/log/file-ops.ts";
import { SegmentLog } from "../../../src/log/segment-log.ts";
import type { AppendResult } from "../../../src/log/segment-writer.ts";
import { payloadNumber, record, tempDir } from "./log-test-helpers.ts";

/** Lets the event loop run a few full turns (no timers: setImmediate only). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe("group commit", () => {
  test("1000 concurrent appends share few fsyncs, get consecutive LSNs in call order, and resolve only after their fsync", async () => {
    using dir = tempDir();
    let syncedRecords = 0;
    const batches: number[] = [];
    const log = await SegmentLog.open(dir.wal, {
      onFsync(seconds, batchRecords) {
        expect(seconds).toBeGreaterThanOrEqual(0);
        syncedRecords += batchRecords;
        batches.push(batchRecords);
      },
    });
    const fsyncsBefore = log.stats().fsyncs;
    const early: number[] = [];
    const promises: Promise<AppendResult>[] = [];
    for (let i = 0; i < 1000; i++) {
      promises.push(
        log.append([record(i)]).then((r) => {
          // A fresh log: LSN n is durable once n records were fsynced.
          if (r.lastLsn > syncedRecords) early.push(r.lastLsn);
          return r;
        }),
      );
      // Spread the calls over several event-loop turns so batches form while fsyncs are in flight.
      if (i % 100 === 99) await turns(1);
    }
    const results = await Promise.all(promises);
    expect(early).toEqual([]);
    expect(results).toEqual(results.map((_, i) => ({ firstLsn: i + 1, lastLsn: i + 1 })));
    const fsyncs = log.stats().fsyncs - fsyncsBefore;
    expect(fsyncs).toBeLessThan(100);
    expect(fsyncs).toBe(batches.length);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(log.stats()).toMatchObject({ appends: 1000, records: 1000, batches: batches.length });
    const back = [...log.readFrom(1)].map((r) => [r.lsn, payloadNumber(r.payload)]);
    expect(back).toEqual(results.map((_, i) => [i + 1, i]));
    await log.close();
  });

  test("no append resolves while its fdatasync is still running", async () => {
    using dir = tempDir();
    // Hold every fdatasync until the test releases it.
    let entered: () => void = () => {};
    let release: () => void = () => {};
    let syncEntered = new Promise<void>((r) => (entered = r));
    const gated: FileOps = {
      ...nodeFileOps,
      async open(path, flags) {
        const file = await nodeFileOps.open(path, flags);
        const wrapped: WritableFile = {
          write: (...args) => file.write(...args),
          sync: () => file.sync(),
          truncate: (n) => file.truncate(n),
          close: () => file.close(),
          async datasync() {
            const gate = new Promise<void>((r) => (release = r));
            entered();
            await gate;
            await file.datasync();
          },
          writeAndSync(bytes, position) {
            return writeThenSync(this, bytes, position);
          },
        };
        return wrapped;
      },
    };
    const log = await SegmentLog.open(dir.wal, { fileOps: gated });
    const resolved: number[] = [];
    const first = log.append([record(1)]).then((r) => resolved.push(r.lastLsn));
    await syncEntered;
    // While batch 1 waits in fdatasync, more appends queue up.
    const next = [2, 3, 4].map((n) =>
      log.append([record(n)]).then((r) => resolved.push(r.lastLsn)),
    );
    await turns(5);
    expect(resolved).toEqual([]);
    syncEntered = new Promise<void>((r) => (entered = r));
    release();
    await first;
    await syncEntered; // batch 2 (all three queued appends) is now in its fdatasync
    await turns(5);
    expect(resolved).toEqual([1]);
    release();
    await Promise.all(next);
    expect(resolved).toEqual([1, 2, 3, 4]);
    expect(log.stats()).toMatchObject({ batches: 2, lastBatchRecords: 3 });
    await log.close();
  });

  test("close waits for queued appends", async () => {
    using dir = tempDir();
    const log = await SegmentLog.open(dir.wal);
    const pending = Array.from({ length: 50 }, (_, i) => log.append([record(i)]));
    await log.close();
    expect((await Promise.all(pending)).map((r) => r.lastLsn)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    const reopened = await SegmentLog.open(dir.wal);
    expect(reopened.lastLsn).toBe(50);
    await reopened.close();
  });
});
