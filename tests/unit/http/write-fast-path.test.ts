/**
 * The write fast path (src/http/write-fast-path.ts, issue 17) answers exactly
 * as the middleware chain does. Two servers in-process, each an HTTP thread's
 * side (`createReaderApp` + `forwardToWriter`, as src/http/reader-worker.ts
 * wires them) over a writer's side (`createWriterApp`), messages crossing as
 * structured clones with their buffers transferred, as between threads: one
 * with the fast path, one that forwards every write whole through the writer's
 * chain (the path before it). Their engines share a node key and a clock, so
 * the same requests in the same order get the same status, the same headers
 * (every one; request ids sent by the client) and the same body bytes —
 * receipts, duplicates, batches, NDJSON, refusals of every kind — and count
 * the same requests. A last test writes through real sockets (startServer).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "../../../src/clock.ts";
import { parseConfig } from "../../../src/config.ts";
import { buildDefense } from "../../../src/defense/build-defense.ts";
import { Engine } from "../../../src/engine/engine.ts";
import { createApp, createReaderApp, createWriterApp } from "../../../src/http/app.ts";
import { forwardToWriter, type ToWriter } from "../../../src/http/forward-to-writer.ts";
import { answerForwarded } from "../../../src/http/forwarding.ts";
import { Metrics } from "../../../src/http/metrics.ts";
import { allocateRateBuffers } from "../../../src/http/rate-limit.ts";
import { startServer } from "../../../src/http/server.ts";
import { SERVER_VERSION } from "../../../src/http/server-version.ts";
import type { PreparedWrite } from "../../../src/http/write-fast-path.ts";
import { silentLogger } from "../../../src/logger.ts";
import { loadOrCreateNodeKey, NODE_KEY_FILE } from "../../../src/merkle/node-key.ts";
import {
  ADMIN_TOKEN,
  json,
  type Seen,
  seen,
  type TestAgent,
  testAgent,
  withoutRequestId,
} from "./http-test-helpers.ts";

const clock: Clock & { ms: number } = { ms: Date.now() + 1000, now: () => clock.ms };
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Side {
  /** A request as the HTTP thread's `Bun.serve` receives it from `peer`. */
  send(path: string, init: RequestInit, peer?: string): Promise<Response>;
  /** The writer's app (admin requests). */
  admin(path: string, init: RequestInit): Promise<Response>;
  httpMetrics: Metrics;
  writerMetrics: Metrics;
}

/** One side: an HTTP thread's part and a writer's part over a fresh engine with the node key of `keyDir`. */
async function openSide(keyDir: string, fast: boolean, overrides: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), "stemedb-write-fast-"));
  copyFileSync(join(keyDir, NODE_KEY_FILE), join(dir, NODE_KEY_FILE));
  const config = parseConfig({ dataDir: dir, port: 0, rateAdminPerIp: 0, ...overrides });
  const writerMetrics = new Metrics(SERVER_VERSION);
  const defense = buildDefense(config, clock, writerMetrics, { agent: (k) => engine.agent(k) });
  const engine = await Engine.open({
    dataDir: dir,
    logger: silentLogger,
    clock,
    policy: defense.policy,
  });
  cleanups.push(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const rateBuffers = allocateRateBuffers();
  const writer = createWriterApp({
    engine,
    config,
    logger: silentLogger,
    adminToken: ADMIN_TOKEN,
    metrics: writerMetrics,
    clock,
    guards: defense.guards,
    agentBreakers: defense.agentBreakers,
    rateBuffers,
  });
  const httpMetrics = new Metrics(SERVER_VERSION);
  // Across threads: a structured clone, the buffers transferred.
  const sendWrite = (w: PreparedWrite) =>
    writer.answerWrite(structuredClone(w, { transfer: [w.items] }));
  const reader = createReaderApp({
    reads: engine,
    config,
    logger: silentLogger,
    metrics: httpMetrics,
    clock,
    rateBuffers,
    ...(fast ? { sendWrite } : {}),
  });
  expect(reader.fastWrite !== undefined).toBe(fast);
  const toWriter: ToWriter = forwardToWriter({
    config,
    metrics: httpMetrics,
    forward: (f, transfer) =>
      answerForwarded(writer.app.fetch, structuredClone(f, { transfer }), silentLogger),
    ...(reader.fastWrite ? { fastWrite: reader.fastWrite } : {}),
    now: clock.now,
  });
  const side: Side = {
    send: (path, init, peer = "127.0.0.1") => {
      const request = new Request(`http://localhost${path}`, init);
      const server = { requestIP: () => ({ address: peer }) };
      return toWriter(request, server, new URL(request.url).pathname);
    },
    admin: async (path, init) => writer.app.request(path, init),
    httpMetrics,
    writerMetrics,
  };
  return side;
}

interface Pair {
  fast: Side;
  chain: Side;
}

async function pairOf(overrides: Record<string, unknown> = {}): Promise<Pair> {
  const keyDir = mkdtempSync(join(tmpdir(), "stemedb-write-fast-key-"));
  loadOrCreateNodeKey(keyDir);
  cleanups.push(async () => rmSync(keyDir, { recursive: true, force: true }));
  return {
    fast: await openSide(keyDir, true, overrides),
    chain: await openSide(keyDir, false, overrides),
  };
}

let ids = 0;
/** Posts `body` to both sides (fast first) with the same request id; expects the same answer. */
async function same(
  pair: Pair,
  body: unknown,
  options: { path?: string; contentType?: string } = {},
): Promise<Seen> {
  const path = options.path ?? "/v1/assert";
  const headers = {
    "content-type": options.contentType ?? "application/json",
    "x-request-id": `w-${ids++}`,
  };
  const init = () => json(typeof body === "string" ? body : JSON.stringify(body), headers);
  const fast = await seen(pair.fast.send(path, init()));
  const chain = await seen(pair.chain.send(path, init()));
  expect({ path, ...fast }).toEqual({ path, ...chain });
  return fast;
}

/** Every series counting HTTP requests, summed over a side's two registries. */
async function requestCounts(side: Side): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const metrics of [side.httpMetrics, side.writerMetrics]) {
    const text = await metrics.registry.metrics();
    for (const line of text.split("\n")) {
      const m =
        /^(stemedb_http_(?:requests_total|request_duration_seconds_count|thread_requests_total)\{.*\}) (\d+)$/.exec(
          line,
        );
      if (m) counts[m[1] as string] = (counts[m[1] as string] ?? 0) + Number(m[2]);
    }
  }
  return counts;
}

const status = (s: Seen) => s.status;

describe("POST /v1/assert: fast path and middleware chain answer alike", () => {
  test("receipts: 201, ?proof=1, 200 duplicate, batches and NDJSON with bad items", async () => {
    const pair = await pairOf();
    const agent = testAgent();
    const one = agent.sign({ concept: "acme/web/checkout" });
    const two = agent.sign({ concept: "acme/web/search" });
    const forged = { ...agent.sign({ concept: "acme/web/cart" }), value: "tampered" };
    const results = [
      await same(pair, one),
      await same(pair, two, { path: "/v1/assert?proof=1" }),
      await same(pair, one), // duplicate
      await same(pair, [agent.sign({ concept: "acme/a" }), forged, two, { v: 1 }]),
      await same(pair, [agent.sign({ concept: "acme/b" })], { path: "/v1/assert?proof=true" }),
      await same(
        pair,
        `${JSON.stringify(agent.sign({ concept: "acme/c" }))}\n{not json\n${JSON.stringify(one)}\n`,
        { contentType: "application/x-ndjson" },
      ),
    ];
    expect(results.map(status)).toEqual([201, 201, 200, 200, 200, 200]);
    expect(JSON.parse(results[1]?.body as string).audit_path).toBeArray();
    expect(JSON.parse(results[2]?.body as string).status).toBe("duplicate");
    const counts = await requestCounts(pair.fast);
    expect(counts).toEqual(await requestCounts(pair.chain));
    expect(
      counts['stemedb_http_requests_total{method="POST",route="/v1/assert",status="201"}'],
    ).toBe(2);
    // Each side answered where it should: the fast one on the HTTP thread, the chain on the writer.
    const counted = async (m: Metrics) => (await m.registry.metrics()).includes("/v1/assert");
    expect(await counted(pair.fast.writerMetrics)).toBe(false);
    expect(await counted(pair.chain.httpMetrics)).toBe(false);
  });

  test("refusals: 422 (bad signature, bad field, bad proof flag, empty batch), 400, 413, 415", async () => {
    const pair = await pairOf({ maxBatch: 2, maxBodyBytes: 4096 });
    const agent = testAgent();
    const good = agent.sign({ concept: "acme/web/checkout" });
    const cases: [unknown, { path?: string; contentType?: string }, number][] = [
      [{ ...good, value: "tampered" }, {}, 422], // bad_signature, answered by the writer
      [{ ...good, confidence: 7 }, {}, 422], // invalid_field
      [good, { path: "/v1/assert?proof=maybe" }, 422], // the chain answers it
      [[], {}, 422], // empty batch
      ["{nope", {}, 400],
      [[good, good, good], {}, 413], // batch_too_large
      [{ ...good, value: "x".repeat(5000) }, {}, 413], // body_too_large
      [good, { contentType: "text/plain" }, 415],
      [good, {}, 201],
    ];
    const statuses: number[] = [];
    for (const [body, options] of cases) statuses.push((await same(pair, body, options)).status);
    expect(statuses).toEqual(cases.map(([, , s]) => s));
    expect(await requestCounts(pair.fast)).toEqual(await requestCounts(pair.chain));
  });

  test("429: the per-IP bucket (refused by the chain) and the per-agent limit (by the writer)", async () => {
    const pair = await pairOf({ rateAssertPerIp: 3, rateAssertPerAgent: 1, rateBurstSeconds: 1 });
    const agent = testAgent();
    const statuses = [
      (await same(pair, agent.sign({ concept: "acme/x/1" }))).status,
      (await same(pair, agent.sign({ concept: "acme/x/2" }))).status, // the agent's second: 429
      (await same(pair, testAgent().sign({ concept: "acme/x/3" }))).status,
    ];
    // The client's fourth: its address is out of tokens; no id sent (the chain makes one up).
    const doc = testAgent().sign({ concept: "acme/x/4" });
    const fast = await seen(pair.fast.send("/v1/assert", json(doc)));
    const chain = await seen(pair.chain.send("/v1/assert", json(doc)));
    expect(withoutRequestId(fast)).toEqual(withoutRequestId(chain));
    statuses.push(fast.status);
    expect(statuses).toEqual([201, 429, 201, 429]);
    expect(fast.headers).toContainEqual(["retry-after", "1"]);
    // Another client address has its own bucket.
    const other = testAgent().sign({ concept: "acme/x/5" });
    const fromElsewhere = await seen(pair.fast.send("/v1/assert", json(other), "10.0.0.9"));
    expect(fromElsewhere.status).toBe(201);
    expect(await requestCounts(pair.fast)).toEqual({
      ...(await requestCounts(pair.chain)),
      'stemedb_http_requests_total{method="POST",route="/v1/assert",status="201"}': 3,
      'stemedb_http_request_duration_seconds_count{method="POST",route="/v1/assert"}': 5,
      'stemedb_http_thread_requests_total{thread="main"}': 5,
    });
  });

  test("quarantined (probation, suspicious content), 403 not allowed, 503 open agent breaker", async () => {
    const pair = await pairOf({
      agentPolicy: "probation",
      agentBreakerWindow: 4,
      agentBreakerMinSubmissions: 2,
      agentBreakerThreshold: 0.5,
    });
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const registered = testAgent();
    const banned = testAgent();
    const put = (agent: TestAgent, entry: unknown) =>
      Promise.all(
        [pair.fast, pair.chain].map(async (side) => {
          const res = await side.admin(`/v1/agents/${agent.agent}`, {
            method: "PUT",
            headers: { "content-type": "application/json", ...auth },
            body: JSON.stringify(entry),
          });
          expect(res.status).toBe(200);
        }),
      );
    await put(registered, {});
    await put(banned, { allowed: false });
    const newcomer = testAgent();
    const answers = [
      await same(pair, newcomer.sign({ concept: "acme/q/1" })), // probation: quarantined
      await same(pair, registered.sign({ concept: "acme/q/2", value: "<script>x</script>" })),
      await same(pair, banned.sign({ concept: "acme/q/3" })), // 403
      await same(pair, registered.sign({ concept: "acme/q/4", value: "<script>y</script>" })),
      await same(pair, registered.sign({ concept: "acme/q/5" })), // its breaker is open: 503
    ];
    expect(answers.map(status)).toEqual([201, 201, 403, 201, 503]);
    expect(JSON.parse(answers[0]?.body as string)).toMatchObject({
      status: "quarantined",
      reasons: ["probation"],
    });
    expect(JSON.parse(answers[4]?.body as string).code).toBe("agent_breaker_open");
    expect(await requestCounts(pair.fast)).toEqual(await requestCounts(pair.chain));
  });

  test("a resubmitted redacted assertion: 200 redacted, single and in a batch", async () => {
    const pair = await pairOf();
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const operator = testAgent();
    const writer = testAgent();
    for (const side of [pair.fast, pair.chain]) {
      const res = await side.admin(`/v1/agents/${operator.agent}`, {
        method: "PUT",
        headers: { "content-type": "application/json", ...auth },
        body: JSON.stringify({ role: "operator" }),
      });
      expect(res.status).toBe(200);
    }
    const target = writer.sign({ concept: "acme/people/alice", predicate: "email", value: "a@x" });
    const recorded = JSON.parse((await same(pair, target)).body) as { id: string };
    const redaction = operator.sign({
      concept: "_stemedb/redactions",
      predicate: "redacts",
      value: { target: recorded.id, reason: "personal_data" },
    });
    const answers = [
      await same(pair, redaction),
      await same(pair, target),
      await same(pair, [target]),
    ];
    expect(answers.map(status)).toEqual([201, 200, 200]);
    expect(JSON.parse(answers[1]?.body as string).status).toBe("redacted");
    expect(await requestCounts(pair.fast)).toEqual(await requestCounts(pair.chain));
  });

  test("with the access log on, every write goes through the chain", async () => {
    const logger = { ...silentLogger, enabled: () => true };
    const reader = createReaderApp({
      reads: { waitForTreeSize: async () => {} } as never,
      config: parseConfig({ dataDir: "/nonexistent", port: 0 }),
      logger,
      metrics: new Metrics(SERVER_VERSION),
      sendWrite: () => Promise.reject(new Error("not sent")),
    });
    expect(reader.fastWrite).toBeUndefined();
  });
});

describe("POST /v1/assert through real sockets (one HTTP thread, the writer's thread serves no HTTP)", () => {
  test("single and batch writes take the fast path and answer as the chain does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stemedb-write-fast-socket-"));
    const config = parseConfig({ dataDir: dir, port: 0, host: "127.0.0.1", httpThreads: 1 });
    const server = await startServer(config, silentLogger);
    cleanups.push(async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    expect(server.httpThreads.status().writer_serves_http).toBe(false);
    const agent = testAgent();
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${server.url}${path}`, json(body, { "x-request-id": "sock-1" }));
      return { status: res.status, headers: [...res.headers], body: await res.text() };
    };
    const first = agent.sign({ concept: "acme/s/1" });
    const single = await post("/v1/assert?proof=1", first);
    const batch = await post("/v1/assert", [agent.sign({ concept: "acme/s/2" }), { v: 1 }]);
    const duplicate = await post("/v1/assert", first);
    expect([single.status, batch.status, duplicate.status]).toEqual([201, 200, 200]);
    expect(JSON.parse(single.body)).toMatchObject({ seq: 1, status: "accepted", tree_size: 1 });
    expect(JSON.parse(single.body).audit_path).toEqual([]);
    expect(JSON.parse(batch.body)).toMatchObject({ accepted: 1, rejected: 1, tree_size: 2 });

    // The headers the chain gives the same kind of answer, from an in-process app of the same config.
    const chainDir = mkdtempSync(join(tmpdir(), "stemedb-write-fast-chain-"));
    const engine = await Engine.open({ dataDir: chainDir, logger: silentLogger });
    cleanups.push(async () => {
      await engine.close();
      rmSync(chainDir, { recursive: true, force: true });
    });
    const app = createApp({
      engine,
      config: { ...config, dataDir: chainDir },
      logger: silentLogger,
      adminToken: ADMIN_TOKEN,
    });
    const chainSingle = await app.request(
      "/v1/assert?proof=1",
      json(testAgent().sign({ concept: "acme/s/1" }), { "x-request-id": "sock-1" }),
    );
    const names = (headers: [string, string][]) =>
      headers
        .filter(([n]) => !["date", "content-length", "ratelimit"].includes(n))
        .sort(([a], [b]) => a.localeCompare(b));
    expect(names(single.headers)).toEqual(names([...chainSingle.headers]));

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('stemedb_http_prepared_writes_total{thread="reader-1"} 3');
    expect(metrics).toContain(
      'stemedb_http_requests_total{method="POST",route="/v1/assert",status="201"} 1',
    );
    expect(metrics).toContain(
      'stemedb_http_requests_total{method="POST",route="/v1/assert",status="200"} 2',
    );
  });
});
