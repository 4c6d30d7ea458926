/**
 * Micro-benchmark of opening (recovering) a large segment log (SPEC §9:
 * restart with 1,000,000 assertions ready in ≤ 5 s; the log's share should be
 * well under 2 s). Writes N records of ~400 bytes in large batches, closes,
 * then times `SegmentLog.open` (full scan: every header, frame length, CRC32C
 * and LSN) and a full `readFrom(1)` pass. Not a test.
 *
 *   npx bun tests/bench/log-open.ts [--records 1000000] [--payload 400]
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SegmentLog } from "../../src/log/segment-log.ts";

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "1000000" },
    payload: { type: "string", default: "400" },
  },
});
const total = Number(values.records);
const payload = new Uint8Array(Number(values.payload));
for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;

const dir = mkdtempSync(join(tmpdir(), "stemedb-bench-open-"));
try {
  const wal = join(dir, "wal");
  let log = await SegmentLog.open(wal);
  let t0 = performance.now();
  const batch = Array.from({ length: 1000 }, () => ({ type: 1, payload }));
  for (let n = 0; n < total; n += batch.length) {
    await log.append(batch.slice(0, Math.min(batch.length, total - n)));
  }
  const writeSeconds = (performance.now() - t0) / 1000;
  const { segments, bytes } = log.stats();
  await log.close();

  t0 = performance.now();
  log = await SegmentLog.open(wal);
  const openSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  let read = 0;
  let payloadBytes = 0;
  for (const r of log.readFrom(1)) {
    read++;
    payloadBytes += r.payload.length;
  }
  const readSeconds = (performance.now() - t0) / 1000;
  await log.close();
  console.log(
    JSON.stringify(
      {
        records: total,
        lastLsn: log.lastLsn,
        segments,
        megabytes: Number((bytes / 2 ** 20).toFixed(1)),
        writeSeconds: Number(writeSeconds.toFixed(2)),
        openSeconds: Number(openSeconds.toFixed(3)),
        readFromSeconds: Number(readSeconds.toFixed(3)),
        recordsRead: read,
        payloadBytesRead: payloadBytes,
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
