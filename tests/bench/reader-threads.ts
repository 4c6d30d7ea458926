/**
 * Reader threads (SPEC §11) and verify workers, measured in pairs in one run:
 *
 *   bun tests/bench/reader-threads.ts [--assertions N] [--seconds S] [--rounds R]
 *                                     [--ingest-assertions M] [--ingest-rounds I] [--only-single]
 *                                     [--a-env K=V,…] [--b-env K=V,…]
 *
 * Verify workers: batch ingest of the first M assertions (default 20,000)
 * into fresh data dirs with STEMEDB_VERIFY_WORKERS 0 and 2 (one reader
 * thread), I rounds (default 2), order alternating. Reader threads: N
 * assertions (default 50,000; lib/dataset.ts) loaded once, then R rounds
 * (default 3) of one server per setting (`--a-env`, `--b-env`; default
 * STEMEDB_READER_THREADS 0 and 1) in alternating order, each measuring exact and tail `latest` queries from 16
 * and 64 connections and single POSTs from 64 connections (wrk, S seconds,
 * default 5). Prints a table: the median of each setting's runs, every run,
 * and the ratio of the medians; server CPU per request shows what each
 * answer costs whatever share of the (shared) machine the server got.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measureBatchIngest } from "./figures/batch-ingest.ts";
import { measureQueries, type QueryCase } from "./figures/queries.ts";
import { measureSinglePost } from "./figures/single-post.ts";
import { benchMain, onCleanup } from "./lib/cleanup.ts";
import { AgentPool, buildDataset, singleBodies } from "./lib/dataset.ts";
import { envArg } from "./lib/env-arg.ts";
import { pairRow } from "./lib/pair-stats.ts";
import { cpuSeconds, loadAverage, mainThreadCpuSeconds } from "./lib/proc-stats.ts";
import { progress } from "./lib/progress.ts";
import { BENCH_DIR, ServerProcess } from "./lib/server-process.ts";
import { ensureTools } from "./lib/tools.ts";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

const n = arg("assertions", 50_000);
const seconds = arg("seconds", 5);
const rounds = arg("rounds", 3);
const ingestN = arg("ingest-assertions", 20_000);
const ingestRounds = arg("ingest-rounds", 2);
const CASES: QueryCase[] = ["exact_latest", "tail_latest"];
/** `--only-single`: skip the verify-worker pairs and the queries. */
const onlySingle = process.argv.includes("--only-single");
function envFlag(name: string, fallback: string): Record<string, string> {
  const i = process.argv.indexOf(`--${name}`);
  return envArg(i < 0 ? fallback : (process.argv[i + 1] ?? ""));
}
/** The two thread settings compared (`--a-env K=V,…`, `--b-env …`); default 0 and 1 reader threads. */
const sides = {
  a: envFlag("a-env", "STEMEDB_READER_THREADS=0"),
  b: envFlag("b-env", "STEMEDB_READER_THREADS=1"),
};

/** One compared figure: the runs of setting a and of setting b. */
interface Pair {
  figure: string;
  a: number[];
  b: number[];
}
const pairs: Pair[] = [];
function record(figure: string, side: "a" | "b", value: number): void {
  let pair = pairs.find((p) => p.figure === figure);
  if (pair === undefined) {
    pair = { figure, a: [], b: [] };
    pairs.push(pair);
  }
  pair[side].push(value);
}

/** A server on `dataDir`, once its reader threads (if any) listen too. */
async function start(dataDir: string, env: Record<string, string>): Promise<ServerProcess> {
  const server = await ServerProcess.start({
    script: join(BENCH_DIR, "serve-for-bench.ts"),
    args: [dataDir],
    env,
  });
  const want = env.STEMEDB_HTTP_THREADS ?? env.STEMEDB_READER_THREADS ?? "1";
  for (let i = 0; i < 1000; i++) {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    if (new RegExp(`^stemedb_reader_threads ${want}$`, "m").test(text)) return server;
  }
  throw new Error(`the server's ${want} reader thread(s) did not start`);
}

await benchMain(async () => {
  const tools = ensureTools();
  const work = mkdtempSync(join(tmpdir(), "stemedb-bench-readers-"));
  onCleanup(`work dir ${work}`, () => rmSync(work, { recursive: true, force: true }));
  const agents = new AgentPool(1000);
  progress(`signing ${n} assertions; load average ${loadAverage().join(" ")}`);
  const batches = buildDataset(n, 1000, agents, Date.now());

  for (let round = 0; round < (onlySingle ? 0 : 2 * ingestRounds); round++) {
    const workers = (round + Math.floor(round / 2)) % 2 === 0 ? 0 : 2; // 0 2 2 0 0 2 …
    const dir = join(work, `ingest-${round}`);
    const server = await start(dir, {
      STEMEDB_VERIFY_WORKERS: String(workers),
      STEMEDB_READER_THREADS: "1",
    });
    const subset = batches.slice(0, Math.ceil(ingestN / 1000));
    const ingest = await measureBatchIngest(server.url, server.pid, subset, 4);
    record("batch ingest /s (a: 0 verify workers, b: 2)", workers === 0 ? "a" : "b", ingest.rate);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const dataDir = join(work, "data");
  let server = await start(dataDir, { STEMEDB_READER_THREADS: "0" });
  await measureBatchIngest(server.url, server.pid, batches, 4);
  await server.stop();

  for (let round = 0; round < 2 * rounds; round++) {
    const side = (round + Math.floor(round / 2)) % 2 === 0 ? "a" : "b"; // a b b a a b …
    server = await start(dataDir, sides[side]);
    await server.waitReady();
    progress(
      `round ${round}: ${side} ${JSON.stringify(sides[side])}; load average ${loadAverage().join(" ")}`,
    );
    for (const connections of onlySingle ? [] : [16, 64]) {
      const cpu0 = cpuSeconds(server.pid);
      const main0 = mainThreadCpuSeconds(server.pid);
      const q = await measureQueries(server.url, {
        wrk: tools.wrk,
        n,
        connections,
        seconds,
        warmupSeconds: 1,
        dir: work,
        cases: CASES,
      });
      let requests = 0;
      for (const c of CASES) {
        const f = q[c];
        requests += f.wrk.requests;
        record(`${c} ${connections}c /s`, side, f.wrk.rate);
        record(`${c} ${connections}c client p99 ms`, side, f.wrk.latencyMs.p99);
        record(`${c} ${connections}c server p99 ms`, side, f.serverP99Ms);
      }
      // Warm-ups included in the CPU figure's time but not its count: an upper bound, same for both.
      record(
        `queries ${connections}c server CPU µs/request`,
        side,
        ((cpuSeconds(server.pid) - cpu0) * 1e6) / requests,
      );
      // What limits one thread: the main thread's CPU per request answered by any thread.
      record(
        `queries ${connections}c main-thread CPU µs/request`,
        side,
        ((mainThreadCpuSeconds(server.pid) - main0) * 1e6) / requests,
      );
    }
    const bodies = singleBodies(seconds * 5000, agents, Date.now() + round);
    const main0 = mainThreadCpuSeconds(server.pid);
    const s = await measureSinglePost(server.url, server.pid, bodies, {
      wrk: tools.wrk,
      connections: 64,
      seconds,
      dir: work,
    });
    record("single POST 64c /s", side, s.stemedb.rate);
    // Includes the bare server's run after it, when this process is idle: a small overcount.
    record(
      "single POST main-thread CPU µs/request",
      side,
      ((mainThreadCpuSeconds(server.pid) - main0) * 1e6) / s.stemedb.requests,
    );
    // The bare server's run comes after: only the StemeDB run is in this CPU time.
    record(
      "single POST server CPU µs/request",
      side,
      (s.serverCores * s.stemedb.seconds * 1e6) / s.stemedb.requests,
    );
    record("single POST 64c client p99 ms", side, s.stemedb.latencyMs.p99);
    record("single POST 64c server p99 ms", side, s.serverP99Ms);
    record("bare Bun POST 64c /s (baseline)", side, s.bare.rate);
    await server.stop();
  }

  process.stdout.write(
    `${n} assertions, ${seconds} s runs, ${rounds} rounds; load average at end ${loadAverage().join(" ")}\n` +
      `a = ${JSON.stringify(sides.a)} (or 0 verify workers), b = ${JSON.stringify(sides.b)} (or 2 verify workers); median (runs)\n\n` +
      "| figure | a | b | b / a |\n|---|---|---|---|\n",
  );
  for (const p of pairs) process.stdout.write(pairRow(p.figure, p.a, p.b));
});
