/**
 * Reads of issue 17 measured in pairs, one run (SPEC §9: same machine, same
 * rows, alternating rounds), with the server's CPU per query from
 * /proc/<pid>/stat beside every rate:
 *
 *   bun tests/bench/read-pairs.ts --base /tmp/base [--assertions N] [--seconds S] [--rounds R]
 *
 * N assertions (default 100,000; lib/dataset.ts) are loaded once by the BASE
 * tree's server (a checkout of the code before, e.g. `git archive <commit> src
 * tests/bench | tar -x -C /tmp/base`, with node_modules linked) and the data
 * dir copied; this tree opens the copy (migrating it). Then R rounds (default
 * 2), in alternating order, of three servers — base; this tree with the
 * answer cache off (`STEMEDB_QUERY_CACHE_BYTES=0`); this tree with it on —
 * each asked over wrk (16 connections, one thread, S seconds, default 5):
 * `latest` on exact concepts, every concept once per pass in a scattered order
 * ("cold"), and the same under a Zipf (s = 1.1) mix of concepts ("zipf").
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { measureBatchIngest } from "./figures/batch-ingest.ts";
import { benchMain, onCleanup } from "./lib/cleanup.ts";
import { AgentPool, buildDataset, conceptCount, conceptOf } from "./lib/dataset.ts";
import { cpuSeconds, loadAverage } from "./lib/proc-stats.ts";
import { progress } from "./lib/progress.ts";
import { BENCH_DIR, ServerProcess } from "./lib/server-process.ts";
import { ensureTools } from "./lib/tools.ts";
import { runWrk, writeLuaItems } from "./lib/wrk.ts";

const { values } = parseArgs({
  options: {
    base: { type: "string" },
    assertions: { type: "string", default: "100000" },
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "2" },
  },
});
if (values.base === undefined)
  throw new Error("--base DIR (a checkout of the code before) is required");
const baseTree = resolve(values.base);
const n = Number(values.assertions);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);

/** Concept ranks drawn from a Zipf(s) distribution over `count` concepts, scattered over ids. */
function zipfConcepts(count: number, draws: number, s: number): number[] {
  const weights = Array.from({ length: count }, (_, k) => 1 / (k + 1) ** s);
  const total = weights.reduce((a, b) => a + b, 0);
  const cdf: number[] = [];
  let acc = 0;
  for (const w of weights) {
    acc += w / total;
    cdf.push(acc);
  }
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const out: number[] = [];
  for (let i = 0; i < draws; i++) {
    const u = random();
    let lo = 0;
    let hi = count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    out.push((lo * 104_729 + 17) % count); // rank → a scattered concept id
  }
  return out;
}

/** The answer caches' hit and miss counts (0 from a server without them). */
async function cacheCounts(url: string): Promise<{ hits: number; misses: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? 0);
  return {
    hits: read("stemedb_query_cache_hits_total"),
    misses: read("stemedb_query_cache_misses_total"),
  };
}

interface Setting {
  name: string;
  script: string;
  dir: string;
  env: Record<string, string>;
}

const figures = new Map<string, number[]>();
const record = (key: string, v: number) => figures.set(key, [...(figures.get(key) ?? []), v]);

await benchMain(async () => {
  const tools = ensureTools();
  const work = mkdtempSync(join(tmpdir(), "stemedb-read-pairs-"));
  onCleanup(`work dir ${work}`, () => rmSync(work, { recursive: true, force: true }));
  const baseScript = join(baseTree, "tests", "bench", "serve-for-bench.ts");
  const thisScript = join(BENCH_DIR, "serve-for-bench.ts");
  const agents = new AgentPool(1000);
  progress(`signing ${n} assertions; load average ${loadAverage().join(" ")}`);
  const batches = buildDataset(n, 1000, agents, Date.now());
  const baseDir = join(work, "base");
  let server = await ServerProcess.start({ script: baseScript, args: [baseDir] });
  const ingest = await measureBatchIngest(server.url, server.pid, batches, 4);
  progress(`loaded ${n} by the base tree at ${Math.round(ingest.rate)}/s`);
  await server.stop();
  const newDir = join(work, "new");
  cpSync(baseDir, newDir, { recursive: true });

  const concepts = conceptCount(n);
  const cold = Array.from(
    { length: concepts },
    (_, i) => `/v1/query?concept=${conceptOf((i * 104_729 + 17) % concepts)}`,
  );
  const zipf = zipfConcepts(concepts, 20_000, 1.1).map((c) => `/v1/query?concept=${conceptOf(c)}`);
  const files = { cold: join(work, "cold.lua"), zipf: join(work, "zipf.lua") };
  writeLuaItems(files.cold, cold);
  writeLuaItems(files.zipf, zipf);

  const settings: Setting[] = [
    { name: "base", script: baseScript, dir: baseDir, env: {} },
    {
      name: "heads, cache off",
      script: thisScript,
      dir: newDir,
      env: { STEMEDB_QUERY_CACHE_BYTES: "0" },
    },
    { name: "heads + cache", script: thisScript, dir: newDir, env: {} },
  ];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? settings : [...settings].reverse();
    for (const s of order) {
      server = await ServerProcess.start({ script: s.script, args: [s.dir], env: s.env });
      await server.waitReady();
      for (let i = 0; i < 200; i++) {
        const m = await (await fetch(`${server.url}/metrics`)).text();
        if (/^stemedb_reader_threads 1$/m.test(m)) break;
      }
      progress(`round ${round}: ${s.name}; load average ${loadAverage().join(" ")}`);
      for (const [mix, itemsFile] of Object.entries(files)) {
        const run = (secs: number) =>
          runWrk({
            wrk: tools.wrk,
            baseUrl: server.url,
            itemsFile,
            method: "GET",
            connections: 16,
            seconds: secs,
          });
        await run(1); // warm-up (with the cache on it also fills it: the Zipf figure is a steady state)
        const hits0 = await cacheCounts(server.url);
        const cpu0 = cpuSeconds(server.pid);
        const r = await run(seconds);
        const cpuUs = ((cpuSeconds(server.pid) - cpu0) * 1e6) / r.requests;
        const hits1 = await cacheCounts(server.url);
        const asked = hits1.hits - hits0.hits + hits1.misses - hits0.misses;
        if (asked > 0) record(`${mix} ${s.name} cache hit rate`, (hits1.hits - hits0.hits) / asked);
        if (r.errors > 0) progress(`  WARNING: ${r.errors} errors`);
        record(`${mix} ${s.name} q/s`, r.rate);
        record(`${mix} ${s.name} server CPU µs/query`, cpuUs);
        record(`${mix} ${s.name} client p99 ms`, r.latencyMs.p99);
      }
      await server.stop();
    }
  }
  const median = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    return v.length % 2
      ? (v[v.length >> 1] as number)
      : ((v[v.length / 2 - 1] as number) + (v[v.length / 2] as number)) / 2;
  };
  const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString("en") : x.toFixed(2));
  process.stdout.write(
    `${n} assertions, ${seconds} s runs, ${rounds} rounds, 16 connections; load average at end ${loadAverage().join(" ")}\n\n| figure | median | runs |\n|---|---|---|\n`,
  );
  for (const [k, v] of figures)
    process.stdout.write(`| ${k} | ${fmt(median(v))} | ${v.map(fmt).join(", ")} |\n`);
});
