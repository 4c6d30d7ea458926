/**
 * Joining a cluster from a backup (SPEC §10 "a node's SQLite can always be
 * rebuilt from a backup plus the stream's tail", SPEC §7, issue 12 item 5),
 * with real processes: 3 `nats-server` in a JetStream cluster, StemeDB nodes
 * from `stemedb serve --nats-url`, and the `backup` / `restore` commands.
 *
 * `stemedb backup` of a running cluster node under write load takes the
 * SQLite snapshot alone (no wal/: the stream holds the tail) and records the
 * stream sequence it covers; `stemedb restore` of it gives that tree; a node
 * started on the restored dir follows the stream from the snapshot's sequence
 * + 1 (not from 1) and reaches the others' root at the same tree size,
 * checked by consistency proofs. Once the stream's retention has dropped
 * records after that snapshot, a node started from it refuses to serve and
 * says why.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BackupSummary } from "../../src/backup/take-backup.ts";
import { NATS, NATS_SERVER, type NatsCluster, startNatsCluster } from "../helpers/nats-cluster.ts";
import type { ServeProcess } from "../helpers/serve-process.ts";
import {
  assertionSource,
  headAt,
  health,
  postBatch,
  provesConsistent,
  type Sth,
  startClusterNode,
  stemedb,
} from "./lib/cluster-node.ts";

const suite = NATS_SERVER ? describe : describe.skip;
const name = `cluster mode: a node joins from a backup${NATS.skipReason}`;

const STREAM = "join_e2e";

suite(name, () => {
  let nats: NatsCluster;
  const root = mkdtempSync(join(tmpdir(), "stemedb-join-"));
  const dir = (n: string) => join(root, n);
  const backups = join(root, "backups");
  const nodes: ServeProcess[] = [];
  const start = async (n: string, env: Record<string, string> = {}) => {
    const node = await startClusterNode({
      dataDir: dir(n),
      natsUrls: nats.urls,
      stream: STREAM,
      env,
    });
    nodes.push(node);
    return node;
  };
  const next = assertionSource(11);
  let a: ServeProcess;
  let b: ServeProcess;
  let backup: BackupSummary;

  beforeAll(async () => {
    nats = await startNatsCluster(3);
    a = await start("a");
    b = await start("b");
  }, 60_000);

  afterAll(async () => {
    for (const n of nodes) await n.stop("SIGKILL");
    await nats?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test("backup of a running cluster node, restore, and a new node that follows the stream from the snapshot on", async () => {
    for (let i = 0; i < 4; i++) await postBatch(i % 2 === 0 ? a.url : b.url, next(50));

    // Online backup of node b while node a keeps writing (b applies those too).
    let writing = true;
    const writer = (async () => {
      while (writing) await postBatch(a.url, next(20));
    })();
    const taken = await stemedb(["backup", "--data-dir", dir("b"), "--to", backups, "--json"]);
    writing = false;
    await writer;
    expect(taken.stderr).toBe("");
    expect(taken.code).toBe(0);
    backup = JSON.parse(taken.stdout) as BackupSummary;
    expect(backup.cluster).toBe(true);
    expect(backup.snapshot_lsn).toBeGreaterThanOrEqual(200);
    // The snapshot alone: its LSN is the stream sequence it has applied; the stream holds the rest.
    expect(backup.last_lsn).toBe(backup.snapshot_lsn);
    expect(backup.tree_size).toBe(backup.snapshot_tree_size);
    expect(backup.log_records).toBe(0);
    expect(backup.objects.map((o) => o.name)).toEqual(["state.sqlite.zst"]);
    // The offline audits work on a cluster node's data dir (no wal/) and on its backup.
    const audit = await stemedb(["verify", dir("b")]);
    expect({ code: audit.code, stderr: audit.stderr }).toEqual({ code: 0, stderr: "" });
    expect(audit.stdout).toContain("a cluster node's data dir");
    const auditBackup = await stemedb(["verify", "--backup", backups]);
    expect({ code: auditBackup.code, stderr: auditBackup.stderr }).toEqual({ code: 0, stderr: "" });

    // The cluster moves on after the snapshot: the joining node must take these from the stream.
    for (let i = 0; i < 5; i++) await postBatch(a.url, next(40));

    const restored = await stemedb([
      "restore",
      "--from",
      backups,
      "--data-dir",
      dir("c"),
      "--json",
    ]);
    expect(restored.stderr).toBe("");
    expect(restored.code).toBe(0);
    const report = JSON.parse(restored.stdout) as {
      root: string;
      staged: { tree_size: number; last_lsn: number };
      exact_tree_head: boolean;
    };
    expect(report.staged.tree_size).toBe(backup.tree_size);
    expect(report.staged.last_lsn).toBe(backup.snapshot_lsn);
    expect(report.root).toBe(backup.root);
    expect(report.exact_tree_head).toBe(true);

    const streamLast = (await health(a.url)).cluster.stream_lsn;
    const c = await start("c");
    const hc = await health(c.url);
    // It followed from the snapshot's sequence + 1, not from 1: it applied exactly the tail.
    expect(hc.recovery.replayed_records).toBe(streamLast - backup.snapshot_lsn);
    expect(hc.cluster.applied_lsn).toBe(streamLast);
    expect(hc.status).toBe("ok");
    expect(existsSync(join(dir("c"), "wal"))).toBe(false); // the restore's empty log is gone
    expect(c.output().stderr).toContain("removed the empty segment log a restore left");

    // A full member: it takes writes, and every node reaches one root at one size.
    const receipt = await postBatch(c.url, next(10));
    const size = receipt.tree_size;
    const heads: Sth[] = [];
    for (const n of [a, b, c]) heads.push(await headAt(n.url, size));
    const final = heads[2] as Sth;
    expect(heads.map((h) => h.tree_size)).toEqual([size, size, size]);
    expect(new Set(heads.map((h) => h.root)).size).toBe(1);
    // The backup's signed tree (node b's word) is a prefix of what every node serves now.
    const snapshot: Sth = { tree_size: backup.tree_size, root: backup.root };
    for (const n of [a, b, c]) expect(await provesConsistent(n.url, snapshot, final)).toBe(true);
  }, 120_000);

  test("a node restored from a snapshot older than the stream's retention refuses to serve, naming the gap", async () => {
    // Retention shrinks to the newest 50 records (a's restart updates the stream's limits):
    // the records right after the snapshot are gone.
    await a.stop("SIGTERM");
    a = await start("a", { STEMEDB_NATS_MAX_MESSAGES: "50" });
    const h = await health(a.url);
    expect(h.cluster.stream_first_lsn).toBe(h.cluster.stream_lsn - 49);
    expect(h.cluster.stream_first_lsn).toBeGreaterThan(backup.snapshot_lsn + 1);

    const restored = await stemedb(["restore", "--from", backups, "--data-dir", dir("d")]);
    expect(restored.code).toBe(0);
    const refused = await start("d").then(
      () => "started",
      (e: Error) => e.message,
    );
    expect(refused).toContain("serve exited (1) before listening");
    expect(refused).toContain("log_behind_stream");
    expect(refused).toContain(`applied stream ${STREAM} up to lsn ${backup.snapshot_lsn}`);
    expect(refused).toContain(`now starts at ${h.cluster.stream_first_lsn}`);
    expect(refused).toContain("restore this node from a backup");
  }, 60_000);
});
