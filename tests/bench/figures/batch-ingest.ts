/**
 * Durable verified batch ingest through HTTP (SPEC §9: ≥ 30,000 assertions/s):
 * pre-signed batches of 1000 (JSON arrays) POSTed to /v1/assert over a few
 * concurrent keep-alive connections (Bun's fetch; at ~30 requests/s the client
 * costs next to nothing). Every answer is a durable receipt, so the rate is
 * assertions acknowledged / wall time. Also reports the server's CPU seconds
 * (/proc) and the group-commit shape (records per fsync) from /metrics.
 */
import type { Batch } from "../lib/dataset.ts";
import { cpuSeconds } from "../lib/proc-stats.ts";
import { progress } from "../lib/progress.ts";
import { counterDelta, histogramDelta, scrape } from "../lib/prom-metrics.ts";

export interface BatchIngest {
  rate: number;
  seconds: number;
  accepted: number;
  quarantined: number;
  duplicates: number;
  rejected: number;
  /** Server CPU seconds per wall second (2.0 = both cores busy). */
  serverCores: number;
  assertionsPerServerCpuSecond: number;
  recordsPerFsync: number;
  fsyncsPerSecond: number;
  meanFsyncMs: number;
}

interface BatchAnswer {
  accepted: number;
  quarantined: number;
  duplicates: number;
  rejected: number;
}

export async function measureBatchIngest(
  baseUrl: string,
  serverPid: number,
  batches: Batch[],
  concurrency: number,
): Promise<BatchIngest> {
  const totals = { accepted: 0, quarantined: 0, duplicates: 0, rejected: 0 };
  const total = batches.reduce((a, b) => a + b.count, 0);
  const before = await scrape(baseUrl);
  const cpu0 = cpuSeconds(serverPid);
  let next = 0;
  let done = 0;
  let reported = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < batches.length; i = next++) {
        const batch = batches[i] as Batch;
        const res = await fetch(`${baseUrl}/v1/assert`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: batch.body,
        });
        if (res.status !== 200) {
          throw new Error(`batch ${i} answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
        }
        const answer = (await res.json()) as BatchAnswer;
        totals.accepted += answer.accepted;
        totals.quarantined += answer.quarantined;
        totals.duplicates += answer.duplicates;
        totals.rejected += answer.rejected;
        done += batch.count;
        if (done - reported >= total / 10) {
          reported = done;
          const s = (performance.now() - started) / 1000;
          progress(`  ingested ${done}/${total} (${Math.round(done / s)}/s)`);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(serverPid) - cpu0;
  const after = await scrape(baseUrl);
  const fsync = histogramDelta(before, after, "stemedb_log_fsync_duration_seconds", {});
  const records = counterDelta(before, after, "stemedb_log_commit_batch_records_sum");
  const rate = Math.round(total / seconds);
  progress(
    `batch ingest: ${rate}/s (${totals.accepted} accepted, ${totals.quarantined} quarantined, ${totals.duplicates} duplicates, ${totals.rejected} rejected)`,
  );
  return {
    rate,
    seconds,
    ...totals,
    serverCores: round(cpu / seconds),
    assertionsPerServerCpuSecond: Math.round(total / cpu),
    recordsPerFsync: round(fsync.count > 0 ? records / fsync.count : 0),
    fsyncsPerSecond: round(fsync.count / seconds),
    meanFsyncMs: round(fsync.meanMs),
  };
}

const round = (x: number) => Math.round(x * 100) / 100;
