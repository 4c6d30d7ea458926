/**
 * Micro-benchmark of the segment log's group commit (SPEC §5, §9): 64
 * concurrent appenders, each appending one ~400-byte record at a time and
 * awaiting its durability, for ~3 s against a real file with real fdatasync.
 * Prints appends/s, fsyncs/s and mean records per fsync. Not a test.
 *
 *   npx bun tests/bench/log-append.ts [--appenders 64] [--seconds 3] [--payload 400]
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SegmentLog } from "../../src/log/segment-log.ts";

const { values } = parseArgs({
  options: {
    appenders: { type: "string", default: "64" },
    seconds: { type: "string", default: "3" },
    payload: { type: "string", default: "400" },
  },
});
const appenders = Number(values.appenders);
const seconds = Number(values.seconds);
const payload = new Uint8Array(Number(values.payload)).fill(0x61);

const dir = mkdtempSync(join(tmpdir(), "stemedb-bench-log-"));
try {
  const log = await SegmentLog.open(join(dir, "wal"));
  const latencies: number[] = [];
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const before = log.stats();
  await Promise.all(
    Array.from({ length: appenders }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await log.append([{ type: 1, payload }]);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const s = log.stats();
  await log.close();
  const appends = s.appends - before.appends;
  const batches = s.batches - before.batches;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  console.log(
    JSON.stringify(
      {
        appenders,
        payloadBytes: payload.length,
        seconds: Number(elapsed.toFixed(2)),
        appendsPerSecond: Math.round(appends / elapsed),
        fsyncsPerSecond: Math.round(batches / elapsed),
        meanRecordsPerFsync: Number((s.records / batches).toFixed(1)),
        meanFsyncMs: Number(((s.fsyncSecondsSum / s.fsyncSecondsCount) * 1000).toFixed(3)),
        appendLatencyMs: { p50: pct(0.5).toFixed(2), p99: pct(0.99).toFixed(2) },
        segments: s.segments,
        bytes: s.bytes,
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
