/**
 * Durable verified batch ingest through HTTP (SPEC §9: ≥ 0.8 of the ingest
 * floor, and the last tenth of the load ≥ 0.8x the rate of the first):
 * pre-signed batches of 1000 (JSON arrays) POSTed to /v1/assert over a few
 * concurrent keep-alive connections (Bun's fetch; at ~30 requests/s the client
 * costs next to nothing). Every answer is a durable receipt, so the rate is
 * assertions acknowledged / wall time. The first tenth's rate is the first 10%
 * of the assertions acknowledged over the time they took; the last tenth's,
 * the last 10% over the time from the acknowledgement that reached 90% to the
 * end. Also the server's CPU per assertion (/proc, all threads) and the
 * group-commit shape (records per fsync) from /metrics.
 */
import type { Batch } from "../lib/dataset.ts";
import { cpuSeconds } from "../lib/proc-stats.ts";
import { progress } from "../lib/progress.ts";
import { counterDelta, histogramDelta, scrape } from "../lib/prom-metrics.ts";

export interface BatchIngest {
  rate: number;
  seconds: number;
  /** Rates (assertions/s) of the first and the last tenth of the load, and last / first. */
  firstTenthRate: number;
  lastTenthRate: number;
  lastToFirst: number;
  /** Server CPU µs per assertion (all its threads). */
  cpuUsPerAssertion: number;
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
  /** [assertions acknowledged, ms since start] after each batch. */
  const marks: [number, number][] = [];
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
        marks.push([done, performance.now() - started]);
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
  const tenths = tenthRates(marks, total, seconds * 1000);
  progress(
    `batch ingest: ${rate}/s (first tenth ${tenths.firstTenthRate}/s, last ${tenths.lastTenthRate}/s; ${Math.round((cpu / total) * 1e6)} µs CPU/assertion; ${totals.accepted} accepted, ${totals.quarantined} quarantined, ${totals.duplicates} duplicates, ${totals.rejected} rejected)`,
  );
  return {
    rate,
    seconds,
    ...tenths,
    cpuUsPerAssertion: Math.round((cpu / total) * 1e7) / 10,
    ...totals,
    serverCores: round(cpu / seconds),
    assertionsPerServerCpuSecond: Math.round(total / cpu),
    recordsPerFsync: round(fsync.count > 0 ? records / fsync.count : 0),
    fsyncsPerSecond: round(fsync.count / seconds),
    meanFsyncMs: round(fsync.meanMs),
  };
}

const round = (x: number) => Math.round(x * 100) / 100;

/** First- and last-tenth rates from the acknowledgement marks (see the module comment). */
export function tenthRates(
  marks: readonly [number, number][],
  total: number,
  endMs: number,
): { firstTenthRate: number; lastTenthRate: number; lastToFirst: number } {
  const first = marks.find(([done]) => done >= total / 10);
  const ninety = marks.find(([done]) => done >= (total * 9) / 10);
  if (first === undefined || ninety === undefined) throw new Error("no acknowledgement marks");
  const firstTenthRate = Math.round(first[0] / (first[1] / 1000));
  const lastMs = endMs - ninety[1];
  // A last tenth acknowledged in one answer has no duration of its own: take the whole run's rate.
  const lastTenthRate = Math.round(
    lastMs > 0 ? (total - ninety[0]) / (lastMs / 1000) : total / (endMs / 1000),
  );
  return { firstTenthRate, lastTenthRate, lastToFirst: round(lastTenthRate / firstTenthRate) };
}
