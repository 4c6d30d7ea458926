/**
 * Reader threads (SPEC §11) and verify workers, measured in pairs in one run:
 *
 *   bun tests/bench/reader-threads.ts [--assertions N] [--seconds S] [--ingest-rounds R]
 *
 * Loads N assertions (default 100,000; the dataset of lib/dataset.ts) through
 * the batch API, then against that one data dir, for STEMEDB_READER_THREADS
 * 0 and 1 (alternating, one server each): exact and tail `latest` queries
 * from 16 and 64 connections, and single POSTs from 64 connections. Then batch
 * ingest into fresh data dirs with STEMEDB_VERIFY_WORKERS 0 and 2 (one reader
 * thread). Prints one JSON object per figure and a table with ratios.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measureBatchIngest } from "./figures/batch-ingest.ts";
import { measureQueries, type QueryCase } from "./figures/queries.ts";
import { measureSinglePost } from "./figures/single-post.ts";
import { onCleanup, runCleanups } from "./lib/cleanup.ts";
import { AgentPool, buildDataset, singleBodies } from "./lib/dataset.ts";
import { progress } from "./lib/progress.ts";
import { BENCH_DIR, ServerProcess } from "./lib/server-process.ts";
import { ensureTools } from "./lib/tools.ts";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

const n = arg("assertions", 100_000);
const seconds = arg("seconds", 10);
const ingestRounds = arg("ingest-rounds", 2);
const CASES: QueryCase[] = ["exact_latest", "tail_latest"];
type Row = { figure: string; threads0: number[]; threads1: number[] };

const start = (dataDir: string, env: Record<string, string>) =>
  ServerProcess.start({ script: join(BENCH_DIR, "serve-for-bench.ts"), args: [dataDir], env });

let exitCode = 0;
try {
  const tools = ensureTools();
  const work = mkdtempSync(join(tmpdir(), "stemedb-bench-readers-"));
  onCleanup(`work dir ${work}`, () => rmSync(work, { recursive: true, force: true }));
  const agents = new AgentPool(1000);
  progress(`signing ${n} assertions`);
  const batches = buildDataset(n, 1000, agents, Date.now());
  const rows: Row[] = [];
  const row = (figure: string) => {
    let r = rows.find((x) => x.figure === figure);
    if (r === undefined) rows.push((r = { figure, threads0: [], threads1: [] }));
    return r;
  };

  // Verify workers: batch ingest into fresh data dirs, one reader thread.
  for (let round = 0; round < 2 * ingestRounds; round++) {
    const workers = round % 2 === 0 ? 0 : 2;
    const dir = join(work, `ingest-${workers}-${Math.random().toString(36).slice(2)}`);
    const server = await start(dir, {
      STEMEDB_VERIFY_WORKERS: String(workers),
      STEMEDB_READER_THREADS: "1",
    });
    const ingest = await measureBatchIngest(server.url, server.pid, batches, 4);
    progress(`verify workers ${workers}: ${Math.round(ingest.rate)}/s`);
    (workers === 0
      ? row("batch ingest, verify workers 0 | 2").threads0
      : row("batch ingest, verify workers 0 | 2").threads1
    ).push(ingest.rate);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const dataDir = join(work, "data");
  let server = await start(dataDir, { STEMEDB_READER_THREADS: "0" });
  await measureBatchIngest(server.url, server.pid, batches, 4);
  await server.stop();

  let single = 0;
  for (const threads of [0, 1, 1, 0]) {
    server = await start(dataDir, { STEMEDB_READER_THREADS: String(threads) });
    await server.waitReady();
    progress(`reader threads ${threads}`);
    for (const connections of [16, 64]) {
      const q = await measureQueries(server.url, {
        wrk: tools.wrk,
        n,
        connections,
        seconds,
        warmupSeconds: 2,
        dir: work,
        cases: CASES,
      });
      for (const c of CASES) {
        const f = q[c];
        const key = threads === 0 ? "threads0" : "threads1";
        row(`${c} ${connections}c rate/s`)[key].push(f.wrk.rate);
        row(`${c} ${connections}c client p99 ms`)[key].push(f.wrk.latencyMs.p99);
        row(`${c} ${connections}c server p99 ms`)[key].push(f.serverP99Ms);
        if (f.wrk.errors > 0) progress(`  ${f.wrk.errors} errors`);
      }
    }
    const bodies = singleBodies(seconds * 12_000, agents, Date.now() + single++);
    const s = await measureSinglePost(server.url, server.pid, bodies, {
      wrk: tools.wrk,
      connections: 64,
      seconds,
      dir: work,
    });
    const key = threads === 0 ? "threads0" : "threads1";
    row("single POST 64c rate/s")[key].push(s.stemedb.rate);
    row("single POST 64c client p99 ms")[key].push(s.stemedb.latencyMs.p99);
    row("single POST 64c server p99 ms")[key].push(s.serverP99Ms);
    await server.stop();
  }

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString("en") : x.toFixed(2));
  process.stdout.write(`${n} assertions, ${seconds} s runs; each cell: mean of 2 runs (runs)\n`);
  process.stdout.write(
    "| figure | 0 reader threads | 1 reader thread | ratio |\n|---|---|---|---|\n",
  );
  for (const r of rows) {
    const a = mean(r.threads0);
    const b = mean(r.threads1);
    process.stdout.write(
      `| ${r.figure} | ${fmt(a)} (${r.threads0.map(fmt).join(", ")}) | ${fmt(b)} (${r.threads1.map(fmt).join(", ")}) | ${(b / a).toFixed(2)} |\n`,
    );
  }
} catch (e) {
  exitCode = 1;
  process.stderr.write(
    `[bench] FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
} finally {
  await runCleanups();
}
process.exit(exitCode);
