/**
 * Joining a cluster from a backup versus from an empty data dir (SPEC §10,
 * issue 12 item 5), in one run on this machine: a 3-server JetStream cluster
 * and node A take N assertions; A is backed up; M more land. Then, as the
 * same-run baseline, node E starts from an empty data dir (it replays all
 * N + M stream records before it listens), and node J joins from the backup
 * (`stemedb restore`, then start: it replays only the M after the snapshot).
 * Prints time to ready of each and their ratio as JSON. Usage:
 *   npx bun tests/bench/cluster-join-bench.ts [--assertions 20000] [--after 2000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  assertionSource,
  head,
  health,
  postBatch,
  startClusterNode,
  stemedb,
} from "../cluster/lib/cluster-node.ts";
import { startNatsCluster } from "../helpers/nats-cluster.ts";
import type { ServeProcess } from "../helpers/serve-process.ts";

const { values } = parseArgs({
  options: {
    assertions: { type: "string", default: "20000" },
    after: { type: "string", default: "2000" },
  },
});
const N = Number(values.assertions);
const M = Number(values.after);
const log = (msg: string) => console.error(`[cluster-join-bench] ${msg}`);

const root = mkdtempSync(join(tmpdir(), "stemedb-join-bench-"));
const nats = await startNatsCluster(3);
const nodes: ServeProcess[] = [];
const start = async (name: string) => {
  const node = await startClusterNode({
    dataDir: join(root, name),
    natsUrls: nats.urls,
    stream: "join_bench",
    env: { STEMEDB_LOG_LEVEL: "warn" },
  });
  nodes.push(node);
  return node;
};
/** Starts a node and measures until it listens: it listens once caught up with the stream. */
const timedStart = async (name: string) => {
  const t0 = performance.now();
  const node = await start(name);
  const ms = performance.now() - t0;
  const h = await health(node.url);
  return { ms: Math.round(ms), replayed: h.recovery.replayed_records, tree_size: h.tree_size };
};

try {
  const a = await start("a");
  const next = assertionSource(41);
  const write = async (count: number) => {
    for (let n = 0; n < count; n += 1000) await postBatch(a.url, next(Math.min(1000, count - n)));
  };
  log(`writing ${N} assertions`);
  await write(N);
  const backups = join(root, "backups");
  const b0 = performance.now();
  const taken = await stemedb(["backup", "--data-dir", join(root, "a"), "--to", backups]);
  if (taken.code !== 0) throw new Error(taken.stderr);
  const backupMs = Math.round(performance.now() - b0);
  log(`writing ${M} more`);
  await write(M);

  log("baseline: a node from an empty data dir");
  const empty = await timedStart("e");
  log("a node from the backup");
  const r0 = performance.now();
  const restored = await stemedb(["restore", "--from", backups, "--data-dir", join(root, "j")]);
  if (restored.code !== 0) throw new Error(restored.stderr);
  const restoreMs = Math.round(performance.now() - r0);
  const joined = await timedStart("j");
  const heads = await Promise.all(nodes.map((n) => head(n.url)));
  console.log(
    JSON.stringify(
      {
        assertions_before_backup: N,
        assertions_after_backup: M,
        backup_ms: backupMs,
        from_empty: empty,
        from_backup: { restore_ms: restoreMs, start: joined, total_ms: restoreMs + joined.ms },
        ratio_total_to_empty: Number(((restoreMs + joined.ms) / empty.ms).toFixed(2)),
        same_root_everywhere:
          new Set(heads.map((h) => JSON.stringify([h.tree_size, h.root]))).size === 1,
      },
      null,
      2,
    ),
  );
} finally {
  for (const n of nodes) await n.stop("SIGKILL");
  await nats.stop();
  rmSync(root, { recursive: true, force: true });
}
