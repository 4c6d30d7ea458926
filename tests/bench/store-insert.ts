/**
 * Store micro-benchmark (issue 9, schema v2): N bench-dataset assertions applied
 * through the real store — `applyRecords` (the one apply path: rows, interning,
 * Merkle nodes, `last_lsn`) on a `State` in a temp dir, 1000 records per call as
 * a commit group — with no HTTP, log or verification. Reports rows/s, bytes per
 * row once checkpointed, the time `State.open` + `MerkleTree.open` take on the
 * full state (what a restart does before replaying the log), and the cost of a
 * duplicate look-up (`seqOf`) of a stored and of an unknown id.
 *
 * Same-run baselines: pass several source trees with `--src` (e.g. a checkout of
 * main in /tmp/v1 and this tree) and each is measured on the same rows, in turn.
 *
 *   bun tests/bench/store-insert.ts --rows 200000 --src /tmp/v1/src,src
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { AgentPool, conceptOf, keyCount, PREDICATES } from "./lib/dataset.ts";
import { duBytes } from "./lib/disk.ts";
import { progress } from "./lib/progress.ts";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "200000" },
    src: { type: "string", default: "src" },
  },
});
const N = Number(values.rows);
const BATCH = 1000;
const agents = new AgentPool(1000);
const now = Date.now();

/** Batch `b` of the dataset as log records (the same shape for every tree measured). */
function batchRecords(b: number) {
  const keys = keyCount(N);
  const out = [];
  for (let i = b * BATCH; i < Math.min(N, (b + 1) * BATCH); i++) {
    const j = Math.floor(i / keys);
    const k = i % keys;
    const signed = agents.sign(k + j * 251, {
      concept: conceptOf(Math.floor(k / PREDICATES.length)),
      predicate: PREDICATES[k % PREDICATES.length] as string,
      value: { state: j === 1 ? "degraded" : "ok", build: k % 1000 },
      confidence: 0.5 + ((k + j) % 50) / 100,
      ts: now - N + i,
    });
    const { id, canonical, sig } = signed.row;
    out.push({
      lsn: i + 1,
      parsed: signed.assertion,
      record: {
        type: 1,
        body: { seq: i + 1, status: 1, receivedAt: now, id, sig, reasons: [], canonical },
      },
    });
  }
  return out;
}

async function measure(src: string) {
  const root = resolve(src);
  const { State } = await import(join(root, "store/state.ts"));
  const { applyRecords } = await import(join(root, "engine/apply.ts"));
  const { MerkleTree } = await import(join(root, "merkle/merkle-tree.ts"));
  const dir = mkdtempSync(join(tmpdir(), "stemedb-store-bench-"));
  try {
    const path = join(dir, "db", "state.sqlite");
    let state = State.open(path);
    state.db.run("PRAGMA wal_autocheckpoint = 20000");
    const tree = MerkleTree.open(state.nodes, 0);
    let applying = 0;
    const ids: Uint8Array[] = [];
    for (let b = 0; b * BATCH < N; b++) {
      const records = batchRecords(b);
      for (let i = 0; i < records.length; i += 50)
        ids.push(records[i]?.record.body.id as Uint8Array);
      const t = performance.now();
      applyRecords({ state, tree }, records);
      applying += performance.now() - t;
      if ((b + 1) % 100 === 0) progress(`${src}: ${(b + 1) * BATCH} rows`);
    }
    state.checkpoint();
    state.close();
    const bytes = duBytes(join(dir, "db"));
    const t0 = performance.now();
    state = State.open(path);
    MerkleTree.open(state.nodes, state.meta.get("tree_size")).root();
    const openMs = performance.now() - t0;
    const probe = (list: Uint8Array[]) => {
      const t = performance.now();
      for (const id of list) state.assertions.seqOf(id);
      return ((performance.now() - t) * 1000) / list.length;
    };
    const unknown = ids.map((id) => id.map((x) => x ^ 0x5a));
    const hitUs = probe(ids);
    const missUs = probe(unknown);
    state.close();
    return {
      src,
      rows: N,
      rowsPerSecond: Math.round(N / (applying / 1000)),
      bytesPerRow: Math.round(bytes / N),
      openMs: Math.round(openMs),
      duplicateHitUs: Number(hitUs.toFixed(2)),
      duplicateMissUs: Number(missUs.toFixed(2)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const src of (values.src ?? "src").split(",")) results.push(await measure(src));
console.table(results);
const [base, ...rest] = results;
for (const r of rest) {
  if (base === undefined) break;
  console.log(
    `${r.src} vs ${base.src}: ${(r.rowsPerSecond / base.rowsPerSecond).toFixed(2)}× rows/s, ` +
      `${(r.bytesPerRow / base.bytesPerRow).toFixed(2)}× bytes/row`,
  );
}
