/**
 * Store micro-benchmark (issue 9, schema v2): N bench-dataset assertions applied
 * through the real store — `applyRecords` (the one apply path: rows, interning,
 * Merkle nodes, `last_lsn`) on a `State` in a temp dir, 1000 records per call as
 * a commit group — with no HTTP, log or verification. Reports rows/s, bytes per
 * row once checkpointed, the time `State.open` + `MerkleTree.open` take on the
 * full state (what a restart does before replaying the log), and the cost of a
 * duplicate look-up (`seqOf`) of a stored and of an unknown id, warm (right
 * after the inserts) and cold (right after the reopen).
 *
 * Same-run baselines: pass several source trees with `--src` (e.g. a checkout of
 * main in /tmp/v1 and this tree) and each is measured on the same rows, in turn.
 *
 * `--raw`: also S, the floor of SPEC §9 beside the apply — the same rows as
 * bare row inserts (`assertions.insert` in one transaction per 1000, with the
 * interning it does) into a fresh state of the last tree: no duplicate probe,
 * no Merkle nodes, no `last_lsn`.
 *
 * `--batch B`: B records per apply call (one transaction, as one commit group
 * of B; default 1000): what BEGIN/COMMIT costs per group against its size.
 *
 * `--migrate`: the first tree's state is then opened by the last tree's code,
 * and the time that open takes (the schema migration) is reported.
 *
 *   bun tests/bench/store-insert.ts --rows 200000 --src /tmp/v1/src,src --migrate
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { AgentPool, datasetRecords } from "./lib/dataset.ts";
import { duBytes } from "./lib/disk.ts";
import { progress } from "./lib/progress.ts";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "200000" },
    src: { type: "string", default: "src" },
    migrate: { type: "boolean", default: false },
    raw: { type: "boolean", default: false },
    batch: { type: "string", default: "1000" },
  },
});
const N = Number(values.rows);
/** Records per apply call = per transaction (a commit group); `--batch`. */
const BATCH = Number(values.batch);
const agents = new AgentPool(1000);
const now = Date.now();

/** Batch `b` of the dataset as log records (the same shape for every tree measured). */
const batchRecords = (b: number) => datasetRecords(N, b, BATCH, agents, now);

interface Store {
  src: string;
  /** Bare inserts (S), not the apply. */
  raw: boolean;
  dir: string;
  path: string;
  // biome-ignore lint/suspicious/noExplicitAny: each tree's own State, loaded at run time
  mod: { State: any; applyRecords: any; MerkleTree: any };
  // biome-ignore lint/suspicious/noExplicitAny: as above
  state: any;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  tree: any;
  applyMs: number;
  /** Process CPU (user + system) spent in apply, µs: what a shared machine does not distort. */
  applyCpuUs: number;
}

async function openStore(src: string, raw = false): Promise<Store> {
  const root = resolve(src);
  const mod = {
    State: (await import(join(root, "store/state.ts"))).State,
    applyRecords: (await import(join(root, "engine/apply.ts"))).applyRecords,
    MerkleTree: (await import(join(root, "merkle/merkle-tree.ts"))).MerkleTree,
  };
  const dir = mkdtempSync(join(tmpdir(), "stemedb-store-bench-"));
  const path = join(dir, "db", "state.sqlite");
  const state = mod.State.open(path);
  const tree = mod.MerkleTree.open(state.nodes, 0);
  return {
    src: raw ? `${src} (S: bare inserts)` : src,
    raw,
    dir,
    path,
    mod,
    state,
    tree,
    applyMs: 0,
    applyCpuUs: 0,
  };
}

/** S: the rows alone, as `applyRecords` would insert them, in one transaction. */
function insertBare(s: Store, records: ReturnType<typeof batchRecords>): void {
  s.state.transaction(() => {
    for (const { record, parsed } of records) {
      const r = record.body;
      s.state.assertions.insert({
        seq: r.seq,
        id: r.id,
        concept: parsed.concept,
        predicate: parsed.predicate,
        agent: parsed.agent,
        confidence: parsed.confidence ?? null,
        ts: parsed.ts,
        retracts: null,
        status: r.status,
        reasons: r.reasons,
        received_at: r.receivedAt,
        canonical: r.canonical,
        sig: r.sig,
      });
    }
  });
}

/** Mean µs of `seqOf` over `ids` on `store`. */
function probe(store: Store, ids: Uint8Array[]): number {
  const t = performance.now();
  for (const id of ids) store.state.assertions.seqOf(id);
  return ((performance.now() - t) * 1000) / ids.length;
}

// Every store applies the same batch in turn (order alternating per batch), so
// load on the shared machine falls on all of them alike: paired measurements.
const stores: Store[] = [];
const srcs = (values.src ?? "src").split(",");
for (const src of srcs) stores.push(await openStore(src));
if (values.raw) stores.push(await openStore(srcs.at(-1) as string, true));
const ids: Uint8Array[] = [];
for (let b = 0; b * BATCH < N; b++) {
  const records = batchRecords(b);
  for (let i = 0; i < records.length; i += 50) ids.push(records[i]?.record.body.id as Uint8Array);
  const order = b % 2 === 0 ? stores : [...stores].reverse();
  for (const s of order) {
    const t = performance.now();
    const cpu = process.cpuUsage();
    if (s.raw) insertBare(s, records);
    else s.mod.applyRecords({ state: s.state, tree: s.tree }, records);
    const used = process.cpuUsage(cpu);
    s.applyMs += performance.now() - t;
    s.applyCpuUs += used.user + used.system;
  }
  if ((b + 1) % 100 === 0) progress(`${(b + 1) * BATCH} rows`);
}
const unknown = ids.map((id) => id.map((x) => x ^ 0x5a));
// Warm: right after the inserts, as a running server probes.
const warm = new Map<Store, { hit: number; miss: number }>();
for (const s of stores) {
  probe(s, ids.slice(0, 1000));
  warm.set(s, { hit: probe(s, ids), miss: probe(s, unknown) });
}
const results = [];
for (const s of stores) {
  s.state.checkpoint();
  s.state.close();
}
for (const s of stores) {
  const bytes = duBytes(join(s.dir, "db"));
  const t0 = performance.now();
  s.state = s.mod.State.open(s.path);
  s.mod.MerkleTree.open(s.state.nodes, s.state.meta.get("tree_size")).root();
  const openMs = performance.now() - t0;
  results.push({ s, bytes, openMs });
}
const rows = [];
for (const { s, bytes, openMs } of results) {
  probe(s, ids.slice(0, 1000)); // warm the statement and the index pages
  rows.push({
    src: s.src,
    rows: N,
    rowsPerSecond: Math.round(N / (s.applyMs / 1000)),
    cpuUsPerRow: Number((s.applyCpuUs / N).toFixed(1)),
    bytesPerRow: Math.round(bytes / N),
    openMs: Math.round(openMs),
    warmHitUs: Number(warm.get(s)?.hit.toFixed(2)),
    warmMissUs: Number(warm.get(s)?.miss.toFixed(2)),
    coldHitUs: Number(probe(s, ids).toFixed(2)),
    coldMissUs: Number(probe(s, unknown).toFixed(2)),
  });
  s.state.close();
  const last = stores[stores.length - 1];
  if (values.migrate && s === stores[0] && last !== undefined && last !== s) {
    const t = performance.now();
    const migrated = last.mod.State.open(s.path);
    const migrateMs = performance.now() - t;
    const count = migrated.db.query("SELECT count(*) AS n FROM assertions").get().n;
    migrated.close();
    progress(`${s.src} state (${count} rows) opened by ${last.src}: ${Math.round(migrateMs)} ms`);
  }
  rmSync(s.dir, { recursive: true, force: true });
}
console.table(rows);
const [base, ...rest] = rows;
for (const r of rest) {
  if (base === undefined) break;
  console.log(
    `${r.src} vs ${base.src}: ${(r.rowsPerSecond / base.rowsPerSecond).toFixed(2)}× rows/s, ` +
      `${(r.bytesPerRow / base.bytesPerRow).toFixed(2)}× bytes/row`,
  );
}
