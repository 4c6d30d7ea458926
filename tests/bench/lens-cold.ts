/**
 * Cold per-key lens queries in-process, several source trees side by side
 * (issue 17): N bench-dataset assertions applied through each tree's
 * `applyRecords` into its own temp state (the same batches, in turn), then
 * each state opened read-only as a reader thread opens it (16 MiB page cache)
 * and asked `latest` on exact concepts (4 keys each, every concept once, in a
 * scattered order), rounds alternating between trees. Reports CPU µs per
 * query (process CPU, so the machine's load does not count) and apply rows/s.
 *
 *   bun tests/bench/lens-cold.ts --rows 100000 --src /tmp/base/src,src
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { AgentPool, conceptCount, conceptOf, datasetRecords } from "./lib/dataset.ts";
import { progress } from "./lib/progress.ts";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "100000" },
    src: { type: "string", default: "src" },
    rounds: { type: "string", default: "3" },
    queries: { type: "string", default: "5000" },
  },
});
const N = Number(values.rows);
const BATCH = 1000;
const agents = new AgentPool(1000);
const now = Date.now();

const batchRecords = (b: number) => datasetRecords(N, b, BATCH, agents, now);

// biome-ignore lint/suspicious/noExplicitAny: each tree's own modules, loaded at run time
type Mod = Record<string, any>;
interface Tree {
  src: string;
  dir: string;
  mod: Mod;
  applyMs: number;
  cpuUs: number[];
}

const trees: Tree[] = [];
for (const src of (values.src ?? "src").split(",")) {
  const root = resolve(src);
  const mod: Mod = {
    State: (await import(join(root, "store/state.ts"))).State,
    ReadState: (await import(join(root, "store/read-state.ts"))).ReadState,
    applyRecords: (await import(join(root, "engine/apply.ts"))).applyRecords,
    MerkleTree: (await import(join(root, "merkle/merkle-tree.ts"))).MerkleTree,
    runQuery: (await import(join(root, "lens/run-query.ts"))).runQuery,
    parseQueryParams: (await import(join(root, "lens/query-params.ts"))).parseQueryParams,
  };
  trees.push({
    src,
    dir: mkdtempSync(join(tmpdir(), "stemedb-lens-cold-")),
    mod,
    applyMs: 0,
    cpuUs: [],
  });
}
const path = (t: Tree) => join(t.dir, "db", "state.sqlite");
const writers = trees.map((t) => {
  const state = t.mod.State.open(path(t));
  return { state, tree: t.mod.MerkleTree.open(state.nodes, 0) };
});
for (let b = 0; b * BATCH < N; b++) {
  const records = batchRecords(b);
  const order = b % 2 === 0 ? trees.keys() : [...trees.keys()].reverse();
  for (const i of order) {
    const t0 = performance.now();
    (trees[i] as Tree).mod.applyRecords(writers[i], records);
    (trees[i] as Tree).applyMs += performance.now() - t0;
  }
  if ((b + 1) % 20 === 0) progress(`${(b + 1) * BATCH} rows`);
}
for (const w of writers) {
  w.state.checkpoint();
  w.state.close();
}

const concepts = conceptCount(N);
const Q = Number(values.queries);
for (let round = 0; round < Number(values.rounds); round++) {
  const order = round % 2 === 0 ? trees : [...trees].reverse();
  for (const t of order) {
    const reader = t.mod.ReadState.open(path(t));
    const size = reader.meta.get("tree_size");
    const source = { state: reader, tree: { size, root: () => new Uint8Array(32) } };
    const start = 7919 * (round + 1);
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < Q; i++) {
      const concept = conceptOf((start + i * 104_729) % concepts);
      const params = t.mod.parseQueryParams({ concept }, "query");
      const r = t.mod.runQuery(source, params, { defaultTrust: 0.5 });
      if (r.results.length === 0) throw new Error(`${t.src}: no results for ${concept}`);
    }
    const cpu = process.cpuUsage(cpu0);
    t.cpuUs.push((cpu.user + cpu.system) / Q);
    reader.close();
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
console.table(
  trees.map((t) => ({
    src: t.src,
    applyRowsPerS: Math.round(N / (t.applyMs / 1000)),
    queryCpuUs: Number(median(t.cpuUs).toFixed(1)),
    rounds: t.cpuUs.map((x) => x.toFixed(1)).join(" "),
  })),
);
for (const t of trees) rmSync(t.dir, { recursive: true, force: true });
