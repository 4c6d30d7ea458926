/**
 * Retention loss while a node follows (SPEC §10, issue 12 item 5), with real
 * processes: 3 `nats-server` and 2 StemeDB nodes on a stream that keeps only
 * its newest 200 records (`STEMEDB_NATS_MAX_MESSAGES`). Node B is frozen
 * (SIGSTOP: it stays connected but reads nothing, as a node stalled by its
 * host would) while node A writes far more than the stream keeps and more
 * than B's pull consumer can have buffered; then B is resumed (SIGCONT).
 *
 * B must notice that the record it needs next is gone: not ready, writes
 * refused with `log_behind_stream`, `/v1/health` and `/metrics` naming the gap
 * (its applied sequence, the stream's first sequence), the error in its log —
 * and no record skipped: its tree is a prefix of A's (consistency proof).
 * No waiting for time: every step waits for a condition.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NATS, NATS_SERVER, type NatsCluster, startNatsCluster } from "../helpers/nats-cluster.ts";
import type { ServeProcess } from "../helpers/serve-process.ts";
import {
  assertionSource,
  head,
  headAt,
  health,
  postBatch,
  provesConsistent,
  startClusterNode,
} from "./lib/cluster-node.ts";

const suite = NATS_SERVER ? describe : describe.skip;
const name = `cluster mode: retention drops records a running node has not read${NATS.skipReason}`;

const KEEP = 200;
/** More than a pull consumer buffers (4096 messages) plus what the stream keeps. */
const WRITE_WHILE_FROZEN = 4_800;

suite(name, () => {
  let nats: NatsCluster;
  const root = mkdtempSync(join(tmpdir(), "stemedb-retention-"));
  const nodes: ServeProcess[] = [];
  const start = async (n: string) => {
    const node = await startClusterNode({
      dataDir: join(root, n),
      natsUrls: nats.urls,
      stream: "retention_e2e",
      env: { STEMEDB_NATS_MAX_MESSAGES: String(KEEP) },
    });
    nodes.push(node);
    return node;
  };

  beforeAll(async () => {
    nats = await startNatsCluster(3);
  }, 60_000);

  afterAll(async () => {
    for (const n of nodes) {
      n.proc.kill("SIGCONT");
      await n.stop("SIGKILL");
    }
    await nats?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test("a frozen node that resumes past the stream's retention stops, says so, and skips nothing", async () => {
    const a = await start("a");
    const b = await start("b");
    const next = assertionSource(21);
    const first = await postBatch(a.url, next(50));
    await headAt(b.url, first.tree_size);
    const bBefore = await head(b.url);

    b.proc.kill("SIGSTOP");
    // Batches well under the retention: A applies each before it answers, so A never falls behind.
    for (let n = 0; n < WRITE_WHILE_FROZEN; n += 100) {
      const receipt = await postBatch(a.url, next(100));
      expect(receipt.results.filter((r) => r.status !== "accepted")).toEqual([]);
    }
    // The stream keeps its newest KEEP records (A polls its position every second).
    let ha = await health(a.url);
    while (ha.cluster.stream_first_lsn !== ha.cluster.stream_lsn - KEEP + 1) {
      await Bun.sleep(25);
      ha = await health(a.url);
    }
    expect(ha.status).toBe("ok");
    b.proc.kill("SIGCONT");

    // Resumed, B reads what it had buffered, then finds the hole.
    let hb = await health(b.url);
    while (!hb.cluster.behind_stream) {
      await Bun.sleep(25); // polling B's health for the condition
      hb = await health(b.url);
    }
    expect(hb.status).toBe("not_ready");
    const applied = hb.cluster.applied_lsn;
    const firstHeld = Number(/now starts at (\d+)/.exec(hb.cluster.failure ?? "")?.[1]);
    expect(hb.cluster.failure).toContain(`up to lsn ${applied}, but the stream now starts at`);
    expect(hb.cluster.failure).toContain("restore this node from a backup");
    expect(firstHeld).toBeGreaterThan(applied + 1);
    expect(applied).toBeLessThan(ha.cluster.stream_lsn);

    const ready = await fetch(`${b.url}/v1/health/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { detail: string }).detail).toContain(`up to lsn ${applied}`);
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toContain("stemedb_cluster_behind_stream 1");
    expect(metrics).toContain(`stemedb_cluster_applied_lsn ${applied}`);
    expect(metrics).toContain("stemedb_ready 0");
    const write = await fetch(`${b.url}/v1/assert`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(next(1)[0]),
    });
    expect(write.status).toBe(503);
    expect(((await write.json()) as { code: string }).code).toBe("log_behind_stream");
    expect(b.output().stderr).toContain("stopped following the stream");

    // It stays where the hole is: nothing applied past it, nothing skipped.
    expect((await health(b.url)).cluster.applied_lsn).toBe(applied);
    const bHead = await head(b.url);
    expect(bHead.tree_size).toBeGreaterThan(bBefore.tree_size);
    const aHead = await head(a.url);
    expect(bHead.tree_size).toBeLessThan(aHead.tree_size);
    expect(await provesConsistent(a.url, bHead, aHead)).toBe(true);
  }, 180_000);
});
