/**
 * `npm run bench` — SPEC §9: every figure as a ratio to a floor measured in
 * the same run, with the server's CPU per operation next to the floor's.
 * Wiring only; each figure lives in ./figures/, the floor formulas in
 * ./lib/floors.ts.
 *
 *   bun tests/bench/run.ts [--quick] [--dataset realistic|uniform] [--out DIR]
 *                          [--profile] [--assertions N] [--seconds S] [--seed X]
 *
 * Order: sign the dataset; V (native verify, one core); S (the same rows into
 * StemeDB's schema, one thread); the PostgreSQL peer (load and look-ups);
 * then a StemeDB server subprocess: batch ingest of the dataset over HTTP;
 * H_get (bare Bun.serve, the Zipf query list, 16 connections); queries
 * (each key once, then the Zipf mix; exact and tail); footprint; SIGKILL +
 * restart; single POSTs (64 connections) and H_post (bare Bun.serve, the same
 * bodies). Progress on stderr, the table on stdout, the JSON under --out
 * (default tests/bench/results). `--profile` runs the servers under `bun
 * --cpu-prof` (profiles in $TMPDIR/stemedb-bench-profiles-<pid>, kept: one for
 * batch ingest and queries, one for restart and single POSTs — the server
 * holding them is stopped with SIGTERM, a fresh one takes the SIGKILL;
 * summarize one with profile-top.ts, `--from/--to` for one phase). Profiling
 * slows the server: figures of such a run are not comparable. Every process
 * and temp dir is removed at the end, also on failure.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, cpus, release, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { MODES } from "./bench-mode.ts";
import { collectFigures, type Measurements } from "./collect-figures.ts";
import { measureBatchIngest } from "./figures/batch-ingest.ts";
import { measureFootprint } from "./figures/footprint.ts";
import { measureHttpFloor } from "./figures/http-floor.ts";
import { measurePostgresBaseline } from "./figures/postgres-baseline.ts";
import { measureQueryModes, queryPath, zipfDraws, zipfKeys } from "./figures/query-modes.ts";
import { measureRestart } from "./figures/restart.ts";
import { measureSinglePost } from "./figures/single-post.ts";
import { measureSqliteBaseline } from "./figures/sqlite-baseline.ts";
import { measureVerifyBaseline } from "./figures/verify-baseline.ts";
import { benchMain, onCleanup } from "./lib/cleanup.ts";
import { AgentPool, type Batch, buildDataset, singleBodies } from "./lib/dataset.ts";
import { shapeNamed } from "./lib/dataset-shape.ts";
import { computeFloors } from "./lib/floors.ts";
import { loadAverage, waitIdle } from "./lib/proc-stats.ts";
import { progress } from "./lib/progress.ts";
import { BENCH_DIR, ServerProcess } from "./lib/server-process.ts";
import { ensureTools } from "./lib/tools.ts";
import { writeLuaItems } from "./lib/wrk.ts";
import { formatTable, resultFileName, withVerdicts, writeResult } from "./report.ts";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    out: { type: "string", default: join(BENCH_DIR, "results") },
    profile: { type: "boolean", default: false },
    assertions: { type: "string" },
    seconds: { type: "string" },
    dataset: { type: "string", default: "realistic" },
    seed: { type: "string", default: "17" },
  },
});
const mode = { ...MODES[args.quick ? "quick" : "full"] };
if (args.assertions !== undefined) mode.assertions = Number(args.assertions);
if (args.seconds !== undefined) mode.seconds = Number(args.seconds);
const outDir = resolve(args.out);
const shape = shapeNamed(args.dataset);
const seed = Number(args.seed);

function gitOutput(...argv: string[]): string {
  const r = Bun.spawnSync(["git", ...argv], { cwd: BENCH_DIR, stdout: "pipe", stderr: "ignore" });
  return r.exitCode === 0 ? r.stdout.toString().trim() : "";
}

const startedAt = new Date();
// The code under test is the working tree as the run starts (servers load src/ when spawned).
const git = {
  sha: gitOutput("rev-parse", "--short", "HEAD") || "nogit",
  dirty: gitOutput("status", "--porcelain", "--", ":/src").length > 0,
};
const machine = {
  nproc: availableParallelism(),
  cpu: cpus()[0]?.model ?? "unknown",
  memTotalBytes: totalmem(),
  kernel: release(),
  bun: Bun.version,
  loadAverageStart: loadAverage(),
  loadAverageEnd: [0, 0, 0] as [number, number, number],
  /** Load average as each phase began: the machine may be shared (SPEC §9 runs on 2 cores). */
  loadAverageByPhase: {} as Record<string, [number, number, number]>,
};

function phase(name: string): void {
  machine.loadAverageByPhase[name] = loadAverage();
  progress(`— ${name} (load average ${machine.loadAverageByPhase[name].join(" ")})`);
}
progress(
  `mode ${mode.name}: ${mode.assertions} assertions, dataset ${shape.name}; ${machine.nproc} cores; load average ${machine.loadAverageStart.join(" ")}`,
);

await benchMain(async () => {
  const tools = ensureTools();
  const work = mkdtempSync(join(tmpdir(), "stemedb-bench-"));
  onCleanup(`work dir ${work}`, () => rmSync(work, { recursive: true, force: true }));

  progress(`signing ${mode.assertions} assertions from ${shape.agents} agents`);
  const agents = new AgentPool(shape.agents);
  let batches: Batch[] = buildDataset(mode.assertions, mode.batchSize, agents, Date.now(), shape);

  phase("floor V (native verify)");
  const verify = measureVerifyBaseline(batches, mode.cpuSeconds);
  phase("floor S (rows into StemeDB's schema)");
  const sqlite = measureSqliteBaseline(batches);
  phase("postgres peer");
  const postgres = await measurePostgresBaseline(tools.pgBin, batches, {
    n: mode.assertions,
    shape,
    concurrency: mode.ingestConcurrency,
    connections: mode.queryConnections,
    seconds: mode.seconds,
    dir: work,
  });
  // Only the HTTP bodies are needed from here: a smaller heap for the harness's GC.
  for (const b of batches) b.rows = [];
  Bun.gc(true);

  const dataDir = join(work, "data");
  const profileDir = join(tmpdir(), `stemedb-bench-profiles-${process.pid}`);
  const bunFlags = args.profile
    ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${profileDir}`]
    : [];
  if (args.profile) progress(`CPU profiles of the server go to ${profileDir}`);
  const startStemedb = () =>
    ServerProcess.start({
      script: join(BENCH_DIR, "serve-for-bench.ts"),
      args: [dataDir],
      bunFlags,
    });
  let server = await startStemedb();
  await server.waitReady();
  progress(`StemeDB server pid ${server.pid} at ${server.url}`);
  phase("batch ingest");
  const ingest = await measureBatchIngest(
    server.url,
    server.pid,
    batches,
    mode.ingestConcurrency,
  ).catch((e: unknown) => {
    progress(`server stderr (last lines):\n${server.stderrTail()}`);
    throw e;
  });
  batches = [];

  progress(`server settled after ingest in ${await waitIdle(server.pid)} s`);
  phase("floor H_get (bare Bun.serve, GET)");
  const getItems = join(work, "bare-get.lua");
  writeLuaItems(
    getItems,
    zipfKeys(shape.keyCount(mode.assertions), seed, zipfDraws(mode.seconds)).map((k) =>
      queryPath(shape, "exact", k),
    ),
  );
  const httpGet = await measureHttpFloor({
    wrk: tools.wrk,
    itemsFile: getItems,
    method: "GET",
    connections: mode.queryConnections,
    seconds: mode.seconds,
  });
  phase("queries");
  const queries = await measureQueryModes({
    wrk: tools.wrk,
    baseUrl: server.url,
    serverPid: server.pid,
    shape,
    n: mode.assertions,
    connections: mode.queryConnections,
    seconds: mode.seconds,
    dir: work,
    seed,
  });
  const footprint = measureFootprint(server.pid, dataDir, mode.assertions);
  if (args.profile) {
    // A SIGKILLed server writes no profile: stop this one (its profile holds
    // ingest and queries) and SIGKILL a fresh one for the restart figure.
    await server.stop();
    server = await startStemedb();
    await server.waitReady();
  }
  phase("restart");
  const restarted = await measureRestart(server, startStemedb);
  server = restarted.server;

  progress(`signing ${mode.singleBodies} single-POST bodies`);
  const bodies = singleBodies(mode.singleBodies, agents, Date.now());
  progress(`server settled after restart in ${await waitIdle(server.pid)} s`);
  phase("single POSTs");
  const single = await measureSinglePost(server.url, server.pid, bodies, {
    wrk: tools.wrk,
    connections: mode.postConnections,
    seconds: mode.seconds,
    dir: work,
  });
  await server.stop();

  const floors = computeFloors({
    verifyPerCore: verify.verifyPerCore,
    sqliteRowsPerSecond: sqlite.rate,
    hGet: httpGet.wrk.rate,
    hGetCpuUs: httpGet.cpuUsPerRequest,
    hPost: single.bare.rate,
    hPostCpuUs: single.bareCpuUsPerRequest,
  });
  const measurements: Measurements = {
    assertions: mode.assertions,
    dataset: shape.name,
    verify,
    sqlite,
    httpGet,
    floors,
    postgres,
    ingest,
    queries,
    footprint,
    restart: restarted.restart,
    single,
  };
  const figures = withVerdicts(collectFigures(measurements));
  machine.loadAverageEnd = loadAverage();
  const file = writeResult(outDir, resultFileName(startedAt, git.sha, mode.name), {
    benchmark: "stemedb",
    date: startedAt.toISOString(),
    git,
    mode: mode.name,
    dataset: shape.name,
    settings: { ...mode, dataset: shape.name, seed },
    machine,
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    figures,
    measurements,
  });
  process.stdout.write(`${formatTable(figures)}\n\n`);
  process.stdout.write(
    `mode ${mode.name}, ${mode.assertions.toLocaleString("en")} assertions, dataset ${shape.name}; ${machine.nproc} cores; ` +
      `load average ${machine.loadAverageStart.join(" ")} at start, ${machine.loadAverageEnd.join(" ")} at end\n` +
      `1-min load average as each phase began: ${Object.entries(machine.loadAverageByPhase)
        .map(([name, l]) => `${name} ${l[0]}`)
        .join(", ")}\n` +
      `floors: ingest = 2/(1/V + 1/S), single-POST = 1/(1/ingest + 1/H_post), queries: H_get; ratio = StemeDB ÷ floor\n` +
      `CPU µs/op: the server's utime+stime over the load window ÷ operations (all threads); the floor's: 1e6/V + 1e6/S, bare Bun's per request\n` +
      `server-side p99: interpolated inside the duration-histogram bucket shown; client p99: wrk\n` +
      `results: ${file}\n`,
  );
});
