/**
 * Cluster mode end to end (SPEC §10, issue 12): 3 `nats-server` in a
 * JetStream cluster and 3 StemeDB nodes (the compiled binary) on loopback.
 * Under a write load spread over the nodes, one NATS server and then one
 * StemeDB node are SIGKILLed and restarted. Every acknowledged write must be
 * on every node afterwards, every node must reach the same root at the same
 * tree size, and each node's history must be consistent with the others'
 * (RFC 6962 consistency proofs across nodes). A client that wrote to node A
 * reads its write from node B with `min_tree_size`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromHex } from "../../src/hex.ts";
import { verifyConsistency } from "../../src/merkle/verify-proofs.ts";
import { buildBinary } from "../e2e/binary.ts";
import { fastSigner } from "../helpers/fast-sign.ts";
import { NATS, NATS_SERVER, type NatsCluster, startNatsCluster } from "../helpers/nats-cluster.ts";
import { type ServeProcess, startServeProcess } from "../helpers/serve-process.ts";

const suite = NATS_SERVER ? describe : describe.skip;
const name = `cluster mode: 3 NATS servers, 3 StemeDB nodes${NATS.skipReason}`;

const JSON_TYPE = { "content-type": "application/json" };

interface Sth {
  tree_size: number;
  root: string;
}

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} ${text}`);
  return JSON.parse(text) as T;
}

suite(name, () => {
  let nats: NatsCluster;
  let bin: string;
  const root = mkdtempSync(join(tmpdir(), "stemedb-cluster-"));
  const nodes: (ServeProcess | undefined)[] = [undefined, undefined, undefined];
  const ports = [0, 0, 0];

  const startNode = async (i: number) => {
    const node = await startServeProcess(bin, [], {
      cwd: root,
      env: {
        STEMEDB_DATA_DIR: join(root, `node${i}`),
        STEMEDB_PORT: String(ports[i]),
        STEMEDB_NATS_URL: nats.urls,
        STEMEDB_NATS_STREAM: "cluster_e2e",
        STEMEDB_LOG_LEVEL: "warn",
      },
    });
    ports[i] = Number(new URL(node.url).port); // a restart comes back on the same port
    nodes[i] = node;
    return node;
  };
  const url = (i: number) => (nodes[i] as ServeProcess).url;
  const head = (i: number) => fetch(`${url(i)}/v1/merkle/root`).then((r) => json<Sth>(r));

  const signer = fastSigner(new Uint8Array(32).fill(7));
  let counter = 0;
  const nextAssertion = () => {
    const n = counter++;
    return signer.sign({
      concept: `acme/svc${n % 50}/api`,
      predicate: "status",
      value: n % 3 === 0 ? "degraded" : "ok",
      confidence: 0.9,
      ts: 1_767_225_600_000 + n,
    });
  };

  beforeAll(async () => {
    nats = await startNatsCluster(3);
    bin = (await buildBinary()).path;
    for (let i = 0; i < 3; i++) await startNode(i);
  }, 120_000);

  afterAll(async () => {
    for (const n of nodes) await n?.stop("SIGKILL");
    await nats?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test("a write acknowledged by node A is read from node B with min_tree_size", async () => {
    const a = nextAssertion();
    const receipt = await json<{
      id: string;
      seq: number;
      status: string;
      tree_size: number;
      sth: Sth;
    }>(
      await fetch(`${url(0)}/v1/assert`, {
        method: "POST",
        headers: JSON_TYPE,
        body: JSON.stringify(a),
      }),
    );
    expect(receipt.status).toBe("accepted");
    expect(receipt.sth.tree_size).toBeGreaterThanOrEqual(receipt.seq);
    const q = new URLSearchParams({
      concept: a.concept,
      predicate: "status",
      lens: "all",
      min_tree_size: String(receipt.tree_size),
    });
    const answer = await json<{ tree_size: number; results: { id: string }[] }>(
      await fetch(`${url(1)}/v1/query?${q}`),
    );
    expect(answer.tree_size).toBeGreaterThanOrEqual(receipt.tree_size);
    expect(answer.results.map((r) => r.id)).toContain(receipt.id);
    // Beyond what any node will reach soon: bounded wait, then 503 with Retry-After.
    q.set("min_tree_size", String(receipt.tree_size + 1_000_000));
    const late = await fetch(`${url(1)}/v1/query?${q}`, { headers: { "x-test": "late" } });
    expect(late.status).toBe(503);
    expect(late.headers.get("retry-after")).not.toBeNull();
    expect(((await late.json()) as { code: string }).code).toBe("not_ready");
  }, 60_000);

  test("SIGKILL of a NATS server and of a StemeDB node under load: no acknowledged write lost, one root everywhere", async () => {
    const acked = new Map<string, number>(); // id → seq
    let stop = false;
    const writer = async (w: number) => {
      while (!stop) {
        const target = [0, 1, 2].filter((i) => nodes[i] !== undefined)[w % 3] ?? 0;
        const batch = Array.from({ length: 20 }, nextAssertion);
        try {
          const res = await fetch(`${url(target)}/v1/assert`, {
            method: "POST",
            headers: JSON_TYPE,
            body: JSON.stringify(batch),
          });
          if (res.status !== 200) continue; // 503 while a node is down or catching up
          const body = (await res.json()) as {
            results: { id: string; seq: number; status: string }[];
          };
          for (const r of body.results) if (r.status === "accepted") acked.set(r.id, r.seq);
        } catch {
          // connection refused: that node is being killed; try the next round
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    const waitForAcks = async (n: number) => {
      const goal = acked.size + n;
      while (acked.size < goal) await Bun.sleep(10);
    };

    await waitForAcks(200);
    const before = await head(0);
    await nats.kill(0);
    await waitForAcks(200);
    await nodes[2]?.stop("SIGKILL");
    nodes[2] = undefined;
    await waitForAcks(200);
    await nats.start(0);
    await startNode(2);
    await waitForAcks(200);
    stop = true;
    await Promise.all(writers);

    // Converge: every node reaches the same size and root.
    const final = await Promise.all([0, 1, 2].map(head));
    const size = Math.max(...final.map((h) => h.tree_size));
    const heads: Sth[] = [];
    for (let i = 0; i < 3; i++) {
      const q = new URLSearchParams({
        concept: "acme/svc0/api",
        predicate: "status",
        min_tree_size: String(size),
      });
      await json(await fetch(`${url(i)}/v1/query?${q}`));
      heads.push(await head(i));
    }
    expect(new Set(heads.map((h) => h.tree_size))).toEqual(new Set([size]));
    expect(new Set(heads.map((h) => h.root)).size).toBe(1);

    // Every acknowledged write is on every node, with the seq its receipt gave.
    const ids = [...acked.keys()];
    for (let i = 0; i < 3; i++) {
      for (const id of ids.filter((_, k) => k % 25 === 0)) {
        const got = await json<{ seq: number }>(await fetch(`${url(i)}/v1/assertions/${id}`));
        expect(got.seq).toBe(acked.get(id) as number);
      }
    }
    const all = await Promise.all(
      ids.map((id) => fetch(`${url(1)}/v1/assertions/${id}`).then((r) => r.status)),
    );
    expect(all.filter((s) => s !== 200)).toEqual([]);

    // Node 0's earlier history is a prefix of node 1's and node 2's (consistency proofs).
    for (const i of [1, 2]) {
      const proof = await json<{ proof: string[] }>(
        await fetch(`${url(i)}/v1/proof/consistency?from=${before.tree_size}&to=${size}`),
      );
      const ok = verifyConsistency(
        before.tree_size,
        size,
        fromHex(before.root),
        fromHex(heads[i]?.root as string),
        proof.proof.map((h) => fromHex(h)),
      );
      expect(ok).toBe(true);
    }
  }, 180_000);
});
