/**
 * Redaction in cluster mode (SPEC §10, §12), with real processes: 3
 * `nats-server` in a JetStream cluster and StemeDB nodes from `stemedb serve
 * --nats-url`. An assertion whose value holds a unique marker is written and
 * redacted; then the byte search: the marker is in no file of any node's data
 * dir nor of any NATS server's JetStream store dir (message blocks AND the
 * stream's Raft logs, which nats-server compacts at its next stream snapshot,
 * every 2–3 minutes). A node that was down across the redaction catches up
 * through the erased message (its stub), a 4th node joins from an empty data
 * dir the same way, a 5th from a backup of node b taken after the target and
 * before the redaction (its snapshot holds the row: the redaction from the
 * stream deletes it), and all reach the same root; every tree head handed out
 * before the redaction is consistent with the current tree, and the redacted
 * id's inclusion proof verifies. The nodes are given the backup URL
 * (`--archive-to`): one of them (the lease's holder, and only one) rebuilds
 * the snapshot without the row, every node's `archive_backlog` reaches 0, and
 * then no decompressed object of the URL holds the marker, nor a data dir
 * restored from it at `--until-seq` of the snapshot (before the redaction).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StemeClient } from "../../src/client/index.ts";
import type { SignedTreeHead } from "../../src/merkle/tree-head.ts";
import { REDACTIONS_CONCEPT, REDACTS_PREDICATE } from "../../src/redaction/redaction-shape.ts";
import { filesHolding, objectsHolding } from "../helpers/byte-search.ts";
import { fastSigner } from "../helpers/fast-sign.ts";
import { NATS, NATS_SERVER, type NatsCluster, startNatsCluster } from "../helpers/nats-cluster.ts";
import { expectRedactedWithProofs } from "../helpers/redacted-proofs.ts";
import type { ServeProcess } from "../helpers/serve-process.ts";
import { assertionSource, headAt, startClusterNode, stemedb } from "./lib/cluster-node.ts";

const suite = NATS_SERVER ? describe : describe.skip;
const name = `cluster mode: redaction erases the stream's copy${NATS.skipReason}`;

const STREAM = "redact_e2e";
const ADMIN = "cluster-redaction-admin-token-0123456789";
/** nats-server 2.9 snapshots a stream (compacting its Raft log) every 2 min + up to 1 min of jitter. */
const RAFT_COMPACTION_MS = 240_000;

/** `filesHolding`, again while a file vanished under the search (NATS rewrites its blocks). */
async function holding(dir: string, needle: string | Uint8Array): Promise<string[]> {
  for (;;) {
    try {
      return filesHolding(dir, needle);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
}

/** Waits (polling the files, bounded) until no file under `dir` holds `needle`; what still does. */
async function cleared(dir: string, needle: string, withinMs: number): Promise<string[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const found = await holding(dir, needle);
    if (found.length === 0 || Date.now() > deadline) return found;
    await Bun.sleep(1_000); // polling a condition (NATS compacts on its own clock)
  }
}

/** Waits (polling health, bounded) until the node counts no redaction unscrubbed from the URL. */
async function waitForBacklog(base: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const h = (await (await fetch(`${base}/v1/health`)).json()) as {
      redactions: { archive_backlog: number | null };
    };
    if (h.redactions.archive_backlog === 0) return;
    if (Date.now() > deadline)
      throw new Error(`archive_backlog still ${h.redactions.archive_backlog}`);
    await Bun.sleep(200); // polling a condition
  }
}

suite(name, () => {
  let nats: NatsCluster;
  const root = mkdtempSync(join(tmpdir(), "stemedb-cluster-redact-"));
  const dir = (n: string) => join(root, n);
  const nodes = new Map<string, ServeProcess>();
  const start = async (n: string) => {
    const node = await startClusterNode({
      dataDir: dir(n),
      natsUrls: nats.urls,
      stream: STREAM,
      env: {
        STEMEDB_ADMIN_TOKEN: ADMIN,
        STEMEDB_ARCHIVE_TO: backups,
        STEMEDB_ARCHIVE_INTERVAL_MS: "200",
      },
    });
    nodes.set(n, node);
    return node;
  };
  const url = (n: string) => (nodes.get(n) as ServeProcess).url;
  const backups = join(root, "backups");
  const next = assertionSource(23);

  beforeAll(async () => {
    nats = await startNatsCluster(3);
    for (const n of ["a", "b", "c"]) await start(n);
  }, 60_000);

  afterAll(async () => {
    for (const n of nodes.values()) await n.stop("SIGKILL");
    await nats?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test(
    "no byte of the redacted assertion in any data dir or NATS store; every node, a restarted and a new one reach one root",
    async () => {
      const admin = new StemeClient({ baseUrl: url("a"), adminToken: ADMIN });
      const operator = fastSigner(crypto.getRandomValues(new Uint8Array(32)));
      await admin.putAgent(operator.agent, { role: "operator" });
      const heads: SignedTreeHead[] = [];
      for (const n of ["a", "b", "c"]) {
        const receipt = await new StemeClient({ baseUrl: url(n) }).assert(next(100));
        heads.push(receipt.sth);
      }
      // Node c goes down before the target is written: it will catch up through the hole.
      await headAt(url("c"), heads.at(-1)?.tree_size ?? 0);
      await (nodes.get("c") as ServeProcess).stop("SIGKILL");
      nodes.delete("c");

      const writer = fastSigner(crypto.getRandomValues(new Uint8Array(32)));
      const marker = `MARKER-${crypto.randomUUID()}`;
      const original = writer.sign({
        concept: "e2e/people/marker-holder",
        predicate: "contact",
        value: { email: `${marker}@example.com` },
        ts: Date.now(),
      });
      const target = await new StemeClient({ baseUrl: url("a") }).assert(original);
      heads.push(target.sth);
      for (const n of ["a", "b"]) {
        heads.push((await new StemeClient({ baseUrl: url(n) }).assert(next(100))).sth);
      }
      await headAt(url("b"), target.sth.tree_size);
      expect((await holding(dir("a"), marker)).length).toBeGreaterThan(0);
      // A snapshot that holds the target, for node e to join from after the redaction.
      const taken = await stemedb(["backup", "--data-dir", dir("b"), "--to", backups, "--json"]);
      expect([taken.code, taken.stderr]).toEqual([0, ""]);
      const snapshotSize = (JSON.parse(taken.stdout) as { tree_size: number }).tree_size;
      expect(objectsHolding(backups, marker).length).toBeGreaterThan(0);
      for (let i = 0; i < 3; i++) {
        expect((await holding(nats.storeDir(i), marker)).length).toBeGreaterThan(0);
      }

      // The redaction, through node b (not the node that took the target).
      const started = performance.now();
      const redaction = await new StemeClient({ baseUrl: url("b") }).assert(
        operator.sign({
          concept: REDACTIONS_CONCEPT,
          predicate: REDACTS_PREDICATE,
          value: { target: target.id, reason: "personal_data" },
          ts: Date.now(),
        }),
      );
      const redactMs = performance.now() - started;
      expect(redaction.status).toBe("accepted");
      const steps = (nodes.get("b") as ServeProcess)
        .output()
        .stderr.split("\n")
        .concat((nodes.get("b") as ServeProcess).output().stdout.split("\n"))
        .filter((l) => /erased a redacted|redactions scrubbed/.test(l));
      console.log(`cluster redaction answered in ${redactMs.toFixed(0)} ms`, steps);
      // Answered once b's state and the stream's message blocks are scrubbed.
      expect(await holding(dir("b"), marker)).toEqual([]);
      for (let i = 0; i < 3; i++) {
        const blocks = (await holding(nats.storeDir(i), marker)).filter(
          (f) => !f.includes("/_js_/"),
        );
        expect(blocks).toEqual([]);
      }

      // The backup URL: one node scrubs it (the snapshot rebuilt without the row); every node
      // that applied the redaction counts it done once the URL's confirmation says so.
      await waitForBacklog(url("a"));
      await waitForBacklog(url("b"));
      expect(objectsHolding(backups, marker)).toEqual([]);
      const scrubbers = [...nodes.values()].filter((n) =>
        /archive URL scrubbed of redacted assertions/.test(n.output().stdout + n.output().stderr),
      );
      expect(scrubbers).toHaveLength(1);
      const before = dir("f");
      const pitr = await stemedb([
        "restore",
        "--from",
        backups,
        "--data-dir",
        before,
        "--until-seq",
        String(snapshotSize),
      ]);
      expect([pitr.code, pitr.stderr]).toEqual([0, ""]);
      expect(await holding(before, marker)).toEqual([]);

      // Node c restarts and catches up through the erased message; node d joins from
      // nothing; node e from the snapshot that holds the target.
      await start("c");
      await start("d");
      const restored = await stemedb(["restore", "--from", backups, "--data-dir", dir("e")]);
      expect([restored.code, restored.stderr]).toEqual([0, ""]);
      await start("e");
      const all = ["a", "b", "c", "d", "e"];
      const size = redaction.sth.tree_size;
      const roots = await Promise.all(all.map((n) => headAt(url(n), size)));
      expect(new Set(roots.map((r) => `${r.tree_size}:${r.root}`)).size).toBe(1);

      for (const n of all) {
        await expectRedactedWithProofs(
          new StemeClient({ baseUrl: url(n) }),
          target,
          { id: redaction.id, seq: redaction.seq, reason: "personal_data" },
          heads,
        );
      }

      // Nodes a and e scrub in the background (their state and WAL); c and d never held the bytes.
      for (const n of all) {
        expect(await cleared(dir(n), marker, 30_000)).toEqual([]);
        expect(await holding(dir(n), original.sig)).toEqual([]);
        expect(await holding(dir(n), Buffer.from(original.sig, "hex"))).toEqual([]);
      }
      // The streams' Raft logs keep the bytes until nats-server's next stream snapshot.
      const t0 = Date.now();
      for (let i = 0; i < 3; i++) {
        expect(await cleared(nats.storeDir(i), marker, RAFT_COMPACTION_MS)).toEqual([]);
      }
      console.log(`NATS Raft logs free of the marker ${Date.now() - t0} ms after the checks began`);
    },
    RAFT_COMPACTION_MS + 120_000,
  );
});
