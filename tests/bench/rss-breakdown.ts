/**
 * Where the server's RSS is (SPEC §9: RSS ≤ 300 MB at 1M, caches included):
 * one server takes N assertions of the bench's dataset as batches of 1000,
 * then the bench's query runs (each key once, then the Zipf mix); before,
 * during (every few seconds), after the load, once settled, and after the
 * queries it reads /proc/<pid>/smaps: anonymous vs file-backed memory, the
 * largest mappings and anonymous regions, and the process's threads. (The
 * per-thread JavaScript heaps in README Performance were read with a
 * throwaway probe in each worker entry writing bun:jsc `heapStats()` to a
 * file every 2 s; no such hook is in the server.)
 *
 *   bun tests/bench/rss-breakdown.ts [--assertions 1000000] [--dataset realistic]
 *        [--env K=V,K=V] [--no-queries] [--seconds 10]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { measureBatchIngest } from "./figures/batch-ingest.ts";
import { measureQueryModes } from "./figures/query-modes.ts";
import { benchMain, onCleanup } from "./lib/cleanup.ts";
import { AgentPool, buildDataset } from "./lib/dataset.ts";
import { shapeNamed } from "./lib/dataset-shape.ts";
import { loadAverage, waitIdle } from "./lib/proc-stats.ts";
import { progress } from "./lib/progress.ts";
import { ServerProcess } from "./lib/server-process.ts";
import { ensureTools } from "./lib/tools.ts";

const { values } = parseArgs({
  options: {
    assertions: { type: "string", default: "1000000" },
    dataset: { type: "string", default: "realistic" },
    env: { type: "string", default: "" },
    seconds: { type: "string", default: "10" },
    "no-queries": { type: "boolean", default: false },
  },
});
const n = Number(values.assertions);
const shape = shapeNamed(values.dataset as string);
const env = Object.fromEntries(
  (values.env as string)
    .split(",")
    .filter((kv) => kv.includes("="))
    .map((kv) => kv.split("=", 2) as [string, string]),
);

interface Mapping {
  name: string;
  rssKiB: number;
  anonKiB: number;
}

/** RSS of `pid` by mapping, from /proc/<pid>/smaps. */
function mappings(pid: number): Mapping[] {
  const out: Mapping[] = [];
  let current: Mapping | undefined;
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      current = { name: head[1] || "[anon]", rssKiB: 0, anonKiB: 0 };
      out.push(current);
      continue;
    }
    const field = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
    if (field && current) {
      if (field[1] === "Rss") current.rssKiB += Number(field[2]);
      else current.anonKiB += Number(field[2]);
    }
  }
  return out;
}

const mb = (kib: number) => (kib / 1024).toFixed(1);

function snapshot(label: string, pid: number): string {
  const maps = mappings(pid);
  const byName = new Map<string, Mapping>();
  for (const m of maps) {
    const key = m.name === "[anon]" ? "[anon]" : basename(m.name);
    const agg = byName.get(key) ?? { name: key, rssKiB: 0, anonKiB: 0 };
    agg.rssKiB += m.rssKiB;
    agg.anonKiB += m.anonKiB;
    byName.set(key, agg);
  }
  const rss = maps.reduce((a, m) => a + m.rssKiB, 0);
  const anon = maps.reduce((a, m) => a + m.anonKiB, 0);
  const bigAnon = maps
    .filter((m) => m.name === "[anon]")
    .sort((a, b) => b.rssKiB - a.rssKiB)
    .slice(0, 8)
    .map((m) => mb(m.rssKiB));
  const threads = readdirSync(`/proc/${pid}/task`)
    .map((t) => readFileSync(`/proc/${pid}/task/${t}/comm`, "utf8").trim())
    .join(",");
  const top = [...byName.values()]
    .sort((a, b) => b.rssKiB - a.rssKiB)
    .slice(0, 8)
    .map((m) => `${m.name} ${mb(m.rssKiB)}`)
    .join("; ");
  return `${label}: RSS ${mb(rss)} MiB (anon ${mb(anon)}, file ${mb(rss - anon)}); by mapping: ${top}; largest anon regions: ${bigAnon.join(" ")}; threads: ${threads}`;
}

await benchMain(async () => {
  const tools = ensureTools();
  const work = mkdtempSync(join(tmpdir(), "stemedb-rss-"));
  onCleanup(`work dir ${work}`, () => rmSync(work, { recursive: true, force: true }));
  const agents = new AgentPool(shape.agents);
  progress(`signing ${n} assertions (${shape.name}); load average ${loadAverage().join(" ")}`);
  const batches = buildDataset(n, 1000, agents, Date.now(), shape);
  const dir = join(work, "data");
  const server = await ServerProcess.start({
    script: join(import.meta.dir, "serve-for-bench.ts"),
    args: [dir],
    env,
  });
  onCleanup("server", async () => {
    await server.stop();
  });
  await server.waitReady();
  const lines: string[] = [];
  const take = (label: string) => {
    const s = snapshot(label, server.pid);
    progress(s);
    lines.push(s);
  };
  take("started");
  const sampler = setInterval(() => progress(snapshot("  during ingest", server.pid)), 10_000);
  const b = await measureBatchIngest(server.url, server.pid, batches, 4);
  clearInterval(sampler);
  batches.length = 0;
  take(`after ingest (${b.rate}/s, ${b.cpuUsPerAssertion} µs/assertion)`);
  progress(`settled in ${await waitIdle(server.pid)} s`);
  take("settled after ingest");
  if (!values["no-queries"]) {
    await measureQueryModes({
      wrk: tools.wrk,
      baseUrl: server.url,
      serverPid: server.pid,
      shape,
      n,
      connections: 16,
      seconds: Number(values.seconds),
      dir: work,
      seed: 17,
    });
    take("after queries");
  }
  process.stdout.write(
    `${n} assertions (${shape.name}), env ${JSON.stringify(env)}; load average at end ${loadAverage().join(" ")}\n${lines.join("\n")}\n`,
  );
});
