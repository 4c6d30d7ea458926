/**
 * The fast path of GET /v1/query (src/http/query-fast-path.ts, issue 17 4c)
 * answers exactly as the middleware chain does: two apps over one engine, one
 * with the fast path and one without (`queryFastPath: false`), asked the same
 * requests in the same order with the same clock, give the same status, the
 * same headers (every one, request id included when the client sends it) and
 * the same body bytes — for answers computed and answers from the cache, for
 * errors, refusals and what the fast path leaves to the chain — and count the
 * same requests in their metrics. A cached answer is byte-identical to the
 * computed one, and a write is seen by the next query.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "../../../src/clock.ts";
import { type Config, parseConfig } from "../../../src/config.ts";
import { Engine } from "../../../src/engine/engine.ts";
import { createApp } from "../../../src/http/app.ts";
import { Metrics } from "../../../src/http/metrics.ts";
import { SERVER_VERSION } from "../../../src/http/server-version.ts";
import { silentLogger } from "../../../src/logger.ts";
import { ChangeSlots } from "../../../src/store/change-slots.ts";
import {
  ADMIN_TOKEN,
  json,
  type Seen,
  seen,
  testAgent,
  withoutRequestId,
} from "./http-test-helpers.ts";

type App = ReturnType<typeof createApp>;

interface Pair {
  fast: App;
  chain: App;
  fastMetrics: Metrics;
  chainMetrics: Metrics;
}

let dir: string;
let engine: Engine;
const changes = ChangeSlots.allocate();
const clock: Clock & { ms: number } = { ms: 1_800_000_000_000, now: () => clock.ms };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "stemedb-fast-path-"));
  engine = await Engine.open({ dataDir: dir, logger: silentLogger, changes });
  const agent = testAgent();
  const app = pairOf({}).fast;
  for (const [concept, value] of [
    ["acme/web/checkout", "degraded"],
    ["acme/web/search", "ok"],
    ["acme/api/checkout", "down"],
  ]) {
    const res = await app.request("/v1/assert", json(agent.sign({ concept, value })));
    expect(res.status).toBe(201);
  }
});
afterAll(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Two apps over the shared engine and its published changes: with and without the fast path. */
function pairOf(overrides: Record<string, unknown>): Pair {
  const config: Config = parseConfig({ dataDir: dir, port: 0, ...overrides });
  const make = (queryFastPath: boolean, metrics: Metrics) =>
    createApp({
      engine,
      config,
      logger: silentLogger,
      adminToken: ADMIN_TOKEN,
      metrics,
      clock,
      queryFastPath,
      changes,
    });
  const fastMetrics = new Metrics(SERVER_VERSION);
  const chainMetrics = new Metrics(SERVER_VERSION);
  return {
    fast: make(true, fastMetrics),
    chain: make(false, chainMetrics),
    fastMetrics,
    chainMetrics,
  };
}

/** Asks both apps `path` (with `init`), the fast one first; expects the same answer and returns it. */
async function same(pair: Pair, path: string, init: RequestInit = {}): Promise<Seen> {
  const fast = await seen(pair.fast.request(path, init));
  const chain = await seen(pair.chain.request(path, init));
  expect({ path, ...fast }).toEqual({ path, ...chain });
  return fast;
}

const withId = (id: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { "x-request-id": id },
});

/** The metrics lines counting HTTP requests, sorted (durations' counts, not their times). */
async function requestCounts(metrics: Metrics): Promise<string[]> {
  const text = await metrics.registry.metrics();
  return text
    .split("\n")
    .filter((l) =>
      /^stemedb_http_(requests_total|request_duration_seconds_count|thread_requests_total)\{/.test(
        l,
      ),
    )
    .sort(); // series order is not meaningful (a fast-path 200 is added when read)
}

describe("GET /v1/query: fast path and middleware chain answer alike", () => {
  test("answers computed and cached, every lens and match, byte for byte", async () => {
    const pair = pairOf({});
    const paths = [
      "/v1/query?concept=acme/web/checkout",
      "/v1/query?concept=acme/web/checkout&lens=consensus",
      "/v1/query?concept=acme/web/checkout&lens=trust",
      "/v1/query?concept=acme/web&match=prefix",
      "/v1/query?concept=checkout&match=tail&limit=1",
      "/v1/query?concept=acme%2Fweb%2Fsearch&predicate=status",
      "/v1/query?predicate=status",
      "/v1/query?concept=acme/web/checkout&lens=all&limit=1",
      "/v1/query?concept=acme/web/checkout&as_of=1",
      "/v1/query?concept=acme/none",
      "/v1/query",
    ];
    let n = 0;
    for (let round = 0; round < 4; round++) {
      for (const path of paths) await same(pair, path, withId(`id-${n++}`));
    }
    // The cache answered some of them (stored on a key's second miss).
    const hits = (await pair.fastMetrics.registry.metrics()).match(
      /^stemedb_query_cache_hits_total (\d+)$/m,
    );
    expect(Number(hits?.[1])).toBeGreaterThan(0);
    const counts = await requestCounts(pair.fastMetrics);
    expect(counts).toEqual(await requestCounts(pair.chainMetrics));
    expect(counts).toContain(
      'stemedb_http_requests_total{method="GET",route="/v1/query",status="200"} 40',
    );
  });

  test("a cached answer is byte-identical to the computed one, headers included", async () => {
    const pair = pairOf({ rateQueryPerIp: 0 }); // RateLimit's remaining count moves per request
    const path = "/v1/query?concept=acme/api/checkout";
    const first = await same(pair, path, withId("same-id"));
    for (let i = 0; i < 3; i++) expect(await same(pair, path, withId("same-id"))).toEqual(first);
    expect(first.status).toBe(200);
    expect(first.headers.some(([name]) => name === "ratelimit")).toBe(false);
  });

  test("a write is seen by the next query, on both paths", async () => {
    const pair = pairOf({});
    const path = "/v1/query?concept=acme/web/search";
    for (let i = 0; i < 3; i++) await same(pair, path, withId(`w-${i}`));
    const agent = testAgent();
    const res = await pair.fast.request(
      "/v1/assert",
      json(agent.sign({ concept: "acme/web/search", value: "fresh" })),
    );
    const receipt = (await res.json()) as { tree_size: number };
    const after = await same(pair, path, withId("w-after"));
    const answer = JSON.parse(after.body) as { tree_size: number; results: { value: unknown }[] };
    expect(answer.tree_size).toBeGreaterThanOrEqual(receipt.tree_size);
    expect(answer.results.map((r) => r.value)).toContain("fresh");
  });

  test("errors, refusals and what goes to the chain", async () => {
    const pair = pairOf({ rateQueryPerIp: 5, rateBurstSeconds: 1 });
    const cases: [string, RequestInit][] = [
      ["/v1/query?concept=acme/web/checkout&limit=0", {}], // 422 from the parser
      ["/v1/query?concept=acme/web/checkout&colour=red", {}], // unknown_field
      ["/v1/query?concept=acme/web/checkout&min_tree_size=1", {}], // the chain waits
      ["/v1/query?concept=acme/web/checkout&cursor=bm90LWEtY3Vyc29y", {}], // fails after the take: 422
      ["/v1/query?concept=acme/web/checkout", { method: "HEAD" }],
      ["/v1/query/?concept=acme/web/checkout", {}],
      ["/v1/query?concept=acme/web/checkout", {}], // refused: 429 (no id sent: compare below)
    ];
    const statuses: number[] = [];
    for (const [path, init] of cases.slice(0, -1)) {
      statuses.push((await same(pair, path, withId(`e-${statuses.length}`, init))).status);
    }
    const [path] = cases.at(-1) as [string, RequestInit];
    const fast = await seen(pair.fast.request(path));
    const chain = await seen(pair.chain.request(path));
    expect(withoutRequestId(fast)).toEqual(withoutRequestId(chain));
    statuses.push(fast.status);
    expect(statuses).toEqual([422, 422, 200, 422, 200, 404, 429]);
    expect(await requestCounts(pair.fastMetrics)).toEqual(await requestCounts(pair.chainMetrics));
  });

  test("over a socket: the client's address keys the rate limit, Bun adds the same framing", async () => {
    const pair = pairOf({});
    using fastServer = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: pair.fast.fetch });
    using chainServer = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: pair.chain.fetch });
    for (let i = 0; i < 3; i++) {
      const get = async (s: typeof fastServer) => {
        const r = await fetch(`${s.url}v1/query?concept=acme/web/checkout`, withId(`s-${i}`));
        const headers = [...r.headers].filter(([n]) => n !== "date");
        return { status: r.status, headers, body: await r.text() };
      };
      expect(await get(fastServer)).toEqual(await get(chainServer));
    }
  });
});
