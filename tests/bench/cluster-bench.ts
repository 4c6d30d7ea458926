/**
 * Cluster mode side by side (issue 12, SPEC §10), on this machine's 2 cores:
 * the compiled binary in single-node mode, then 1 and 3 StemeDB nodes over a
 * 3-node NATS JetStream cluster (R3), each fed the same load by Bun's fetch
 * (never Node's): batch ingest (1000-item batches, 4 connections spread over
 * the nodes), single POSTs (64 connections) and exact `latest` queries (16
 * connections). Then, on the 3-node cluster: failover (SIGKILL the stream's
 * leader under single-POST load; the longest gap between acknowledgements)
 * and catch-up (a node stopped while N writes land, restarted: records/s
 * until it has the others' root).
 *
 * Every process shares the same 2 cores, so 3 nodes cannot show scaling here:
 * they show what replication costs. Usage:
 *   npx bun tests/bench/cluster-bench.ts [--assertions 20000] [--seconds 5]
 */

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { Assertion } from "../../src/protocol/assertion.ts";
import { buildBinary } from "../e2e/binary.ts";
import { fastSigner } from "../helpers/fast-sign.ts";
import { type NatsCluster, startNatsCluster } from "../helpers/nats-cluster.ts";
import { type ServeProcess, startServeProcess } from "../helpers/serve-process.ts";

const { values } = parseArgs({
  options: {
    assertions: { type: "string", default: "20000" },
    seconds: { type: "string", default: "5" },
  },
});
const N = Number(values.assertions);
const SECONDS = Number(values.seconds);
const JSON_TYPE = { "content-type": "application/json" };
const log = (msg: string) => console.error(`[cluster-bench] ${msg}`);

const signers = Array.from({ length: 100 }, (_, i) => fastSigner(new Uint8Array(32).fill(i + 1)));
let counter = 0;
function assertion(): Assertion {
  const n = counter++;
  return (signers[n % signers.length] as ReturnType<typeof fastSigner>).sign({
    concept: `org${n % 97}/svc${n % 1009}/api`,
    predicate: "status",
    value: n % 5 === 0 ? "degraded" : "ok",
    confidence: 0.9,
    ts: 1_767_225_600_000 + n,
  });
}

async function pool(concurrency: number, seconds: number, task: () => Promise<boolean>) {
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  let ok = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        if (await task().catch(() => false)) {
          ok++;
          latencies.push(performance.now() - t0);
        } else failed++;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
  return { rate: Math.round(ok / seconds), p99Ms: Number(p99.toFixed(1)), failed };
}

async function measure(urls: string[]) {
  let rr = 0;
  const next = () => urls[rr++ % urls.length] as string;
  // Batch ingest: N assertions in 1000-item batches over 4 connections.
  const batches = Array.from({ length: Math.ceil(N / 1000) }, () =>
    JSON.stringify(Array.from({ length: 1000 }, assertion)),
  );
  const t0 = performance.now();
  let b = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (b < batches.length) {
        const body = batches[b++] as string;
        const res = await fetch(`${next()}/v1/assert`, {
          method: "POST",
          headers: JSON_TYPE,
          body,
        });
        if (res.status !== 200) throw new Error(`batch: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      }
    }),
  );
  const batch = Math.round((batches.length * 1000) / ((performance.now() - t0) / 1000));
  const single = await pool(64, SECONDS, async () => {
    const res = await fetch(`${next()}/v1/assert`, {
      method: "POST",
      headers: JSON_TYPE,
      body: JSON.stringify(assertion()),
    });
    await res.arrayBuffer();
    return res.status === 201;
  });
  let q = 0;
  const query = await pool(16, SECONDS, async () => {
    const n = q++;
    const res = await fetch(
      `${next()}/v1/query?concept=org${n % 97}/svc${n % 1009}/api&predicate=status`,
    );
    await res.arrayBuffer();
    return res.status === 200;
  });
  return { batch, single, query };
}

function startNode(
  bin: string,
  root: string,
  i: number,
  nats: NatsCluster | undefined,
  stream: string,
) {
  return startServeProcess(bin, [], {
    cwd: root,
    env: {
      STEMEDB_DATA_DIR: join(root, `node${i}`),
      STEMEDB_PORT: "0",
      STEMEDB_LOG_LEVEL: "warn",
      STEMEDB_RATE_ASSERT_PER_AGENT: "0",
      ...(nats ? { STEMEDB_NATS_URL: nats.urls, STEMEDB_NATS_STREAM: stream } : {}),
    },
  });
}

const root = mkdtempSync(join(tmpdir(), "stemedb-cluster-bench-"));
const bin = (await buildBinary()).path;
const nats = await startNatsCluster(3);
const report: Record<string, unknown> = {
  assertions: N,
  seconds: SECONDS,
  loadavg: (await Bun.file("/proc/loadavg").text()).trim(),
};
try {
  for (const [name, count, clustered] of [
    ["single-node", 1, false],
    ["cluster-1", 1, true],
    ["cluster-3", 3, true],
  ] as const) {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    const nodes: ServeProcess[] = [];
    for (let i = 0; i < count; i++) {
      nodes.push(await startNode(bin, dir, i, clustered ? nats : undefined, name.replace("-", "")));
    }
    log(`${name}: measuring`);
    report[name] = await measure(nodes.map((n) => n.url));
    log(`${name}: ${JSON.stringify(report[name])}`);
    if (name !== "cluster-3") {
      for (const n of nodes) await n.stop();
      continue;
    }
    // Failover: SIGKILL the NATS server leading the stream under single-POST load.
    const nc = await connect({ servers: nats.nodes.map((n) => n.url) });
    const info = await (await jetstreamManager(nc)).streams.info("cluster3");
    await nc.close();
    const leader = nats.nodes.findIndex((n) => n.name === info.cluster?.leader);
    let lastAck = performance.now();
    let maxGap = 0;
    let stop = false;
    const load = Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        while (!stop) {
          const res = await fetch(`${nodes[w % 3]?.url}/v1/assert`, {
            method: "POST",
            headers: JSON_TYPE,
            body: JSON.stringify(assertion()),
          }).catch(() => undefined);
          if (res?.status === 201) {
            const now = performance.now();
            maxGap = Math.max(maxGap, now - lastAck);
            lastAck = now;
          }
          await res?.arrayBuffer();
        }
      }),
    );
    await Bun.sleep(1000); // steady load before the kill (a measurement window, not a wait for a condition)
    const killedAt = performance.now();
    await nats.kill(leader);
    while (lastAck < killedAt) await Bun.sleep(10);
    const firstAckAfterKillMs = Math.round(lastAck - killedAt);
    await Bun.sleep(2000);
    stop = true;
    await load;
    await nats.start(leader);
    report.failover = { firstAckAfterKillMs, maxGapBetweenAcksMs: Math.round(maxGap) };
    log(`failover: ${JSON.stringify(report.failover)}`);
    // Catch-up: stop node 2, write N, restart it, time until it has node 0's size.
    const stopped = nodes[2] as ServeProcess;
    await stopped.stop();
    const batches = Array.from({ length: Math.ceil(N / 1000) }, () =>
      JSON.stringify(Array.from({ length: 1000 }, assertion)),
    );
    for (const body of batches) {
      const res = await fetch(`${nodes[0]?.url}/v1/assert`, {
        method: "POST",
        headers: JSON_TYPE,
        body,
      });
      await res.arrayBuffer();
    }
    const target = (
      (await (await fetch(`${nodes[0]?.url}/v1/merkle/root`)).json()) as { tree_size: number }
    ).tree_size;
    const t0 = performance.now();
    const again = await startNode(bin, dir, 2, nats, "cluster3");
    for (;;) {
      const h = (await (await fetch(`${again.url}/v1/merkle/root`)).json()) as {
        tree_size: number;
      };
      if (h.tree_size >= target) break;
      await Bun.sleep(20);
    }
    const ms = performance.now() - t0;
    report.catchUp = {
      records: batches.length * 1000,
      ms: Math.round(ms),
      perSecond: Math.round((batches.length * 1000) / (ms / 1000)),
    };
    log(`catch-up: ${JSON.stringify(report.catchUp)}`);
    await again.stop();
    for (const n of nodes.slice(0, 2)) await n.stop();
  }
  console.log(JSON.stringify(report, null, 2));
} finally {
  await nats.stop();
  rmSync(root, { recursive: true, force: true });
}
