/**
 * Write-path pairs (issue 17, SPEC §9): two builds or two settings of the
 * server, measured alternately in one run (a b b a …), so the shared machine's
 * load falls on both alike. Per round and side, a fresh data dir takes N
 * assertions as batches of 1000 (4 in flight), then single POSTs from 64
 * connections (wrk, S seconds). The trustworthy figure is server CPU per
 * operation (µs of process CPU from /proc/<pid>/stat); rates are secondary.
 *
 *   bun tests/bench/core-pairs.ts --a /tmp/base --b . [--a-env K=V,K=V] [--b-env …]
 *        [--assertions 100000] [--seconds 5] [--rounds 2] [--no-single] [--no-batch]
 *
 * `--a`/`--b` are source trees (each with its tests/bench/serve-for-bench.ts);
 * default both this tree, to compare settings only.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { measureBatchIngest } from "./figures/batch-ingest.ts";
import { benchMain, onCleanup } from "./lib/cleanup.ts";
import { AgentPool, buildDataset, singleBodies } from "./lib/dataset.ts";
import { envArg } from "./lib/env-arg.ts";
import { pairRow } from "./lib/pair-stats.ts";
import { cpuSeconds, loadAverage, mainThreadCpuSeconds, rssBytes } from "./lib/proc-stats.ts";
import { progress } from "./lib/progress.ts";
import { ServerProcess } from "./lib/server-process.ts";
import { ensureTools } from "./lib/tools.ts";
import { runWrk, writeLuaItems } from "./lib/wrk.ts";

const { values } = parseArgs({
  options: {
    a: { type: "string", default: "." },
    b: { type: "string", default: "." },
    "a-env": { type: "string", default: "" },
    "b-env": { type: "string", default: "" },
    assertions: { type: "string", default: "100000" },
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "2" },
    "no-single": { type: "boolean", default: false },
    "no-batch": { type: "boolean", default: false },
  },
});
const n = Number(values.assertions);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const sides = {
  a: { tree: resolve(values.a as string), env: envArg(values["a-env"] as string) },
  b: { tree: resolve(values.b as string), env: envArg(values["b-env"] as string) },
};

const runs: Record<string, { a: number[]; b: number[] }> = {};
const record = (figure: string, side: "a" | "b", value: number) => {
  runs[figure] ??= { a: [], b: [] };
  runs[figure][side].push(value);
};

await benchMain(async () => {
  const tools = ensureTools();
  const work = mkdtempSync(join(tmpdir(), "stemedb-core-pairs-"));
  onCleanup(`work dir ${work}`, () => rmSync(work, { recursive: true, force: true }));
  const agents = new AgentPool(1000);
  progress(`signing ${n} assertions; load average ${loadAverage().join(" ")}`);
  const batches = buildDataset(n, 1000, agents, Date.now());
  for (let round = 0; round < 2 * rounds; round++) {
    const side = (round + Math.floor(round / 2)) % 2 === 0 ? "a" : "b"; // a b b a a b …
    const { tree, env } = sides[side];
    const dir = join(work, `data-${round}`);
    const server = await ServerProcess.start({
      script: join(tree, "tests/bench/serve-for-bench.ts"),
      args: [dir],
      env,
    });
    await server.waitReady();
    progress(`round ${round} (${side}); load average ${loadAverage().join(" ")}`);
    if (!values["no-batch"]) {
      const main0 = mainThreadCpuSeconds(server.pid);
      const b = await measureBatchIngest(server.url, server.pid, batches, 4);
      record("batch ingest /s", side, b.rate);
      record("batch ingest server CPU µs/assertion", side, 1e6 / b.assertionsPerServerCpuSecond);
      // The writer's thread (the main thread): what must be serial, plus whatever else it serves.
      record(
        "batch ingest main-thread CPU µs/assertion",
        side,
        ((mainThreadCpuSeconds(server.pid) - main0) * 1e6) / n,
      );
      record("RSS after batch ingest MB", side, rssBytes(server.pid) / 1e6);
    }
    if (!values["no-single"]) {
      const itemsFile = join(work, "single.lua");
      writeLuaItems(itemsFile, singleBodies(seconds * 6000, agents, Date.now() + round));
      const cpu0 = cpuSeconds(server.pid);
      const main0 = mainThreadCpuSeconds(server.pid);
      const w = await runWrk({
        wrk: tools.wrk,
        baseUrl: server.url,
        itemsFile,
        method: "POST",
        path: "/v1/assert",
        connections: 64,
        seconds,
      });
      record("single POST 64c /s", side, w.rate);
      record(
        "single POST server CPU µs/request",
        side,
        ((cpuSeconds(server.pid) - cpu0) * 1e6) / w.requests,
      );
      record(
        "single POST main-thread CPU µs/request",
        side,
        ((mainThreadCpuSeconds(server.pid) - main0) * 1e6) / w.requests,
      );
      record("single POST 64c client p99 ms", side, w.latencyMs.p99);
      record("RSS after single POSTs MB", side, rssBytes(server.pid) / 1e6);
      if (w.errors > 0) record("single POST errors", side, w.errors);
    }
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(
    `${n} assertions, ${seconds} s wrk runs, ${rounds} rounds per side; load average at end ${loadAverage().join(" ")}\n` +
      `a = ${sides.a.tree} ${JSON.stringify(sides.a.env)}\nb = ${sides.b.tree} ${JSON.stringify(sides.b.env)}\n\n` +
      "| figure | a: median (runs) | b: median (runs) | b / a |\n|---|---|---|---|\n",
  );
  for (const [figure, p] of Object.entries(runs)) process.stdout.write(pairRow(figure, p.a, p.b));
});
