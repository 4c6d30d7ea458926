/**
 * Rate limits over HTTP (SPEC §6) through `app.request()` on a manual clock:
 * per-IP classes (assert, query, admin — the latter before the token check),
 * per-agent assertions, the draft-ietf-httpapi-ratelimit-headers fields, 429
 * problem+json with Retry-After, metrics, and the defaults against the
 * SPEC §9 benchmark load.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { parseConfig } from "../../../src/config.ts";
import { rateLimitItem, rateLimitPolicy } from "../../../src/http/rate-limit.ts";
import { fastSigner } from "../../helpers/fast-sign.ts";
import {
  ADMIN_TOKEN,
  type BatchResponse,
  body,
  json,
  problem,
  testAgent,
} from "./http-test-helpers.ts";
import { type DefenseApp, openDefenseApp } from "./rate-limit-test-app.ts";

let t: DefenseApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function open(overrides: Record<string, unknown>): Promise<DefenseApp> {
  t = await openDefenseApp(overrides);
  return t;
}

const from = (ip: string) => ({ headers: { "x-forwarded-for": ip } });

describe("header syntax (draft-ietf-httpapi-ratelimit-headers-11, RFC 9651 lists)", () => {
  test("policy: quota per whole-second window; limit: remaining and seconds, rounded safely", () => {
    expect(rateLimitPolicy("query", 100_000, 2)).toBe('"query";q=200000;w=2');
    expect(rateLimitPolicy("admin", 20, 0.5)).toBe('"admin";q=20;w=1');
    expect(rateLimitItem("query", 3.9, 0.01)).toBe('"query";r=3;t=1');
    expect(rateLimitItem("query", -1, 0)).toBe('"query";r=0;t=0');
  });
});

describe("per-IP limits", () => {
  test("reads share one bucket per IP: headers on every answer, then 429 with Retry-After", async () => {
    const a = await open({ rateQueryPerIp: 2, rateBurstSeconds: 2 });
    const reads = [
      "/v1/merkle/root",
      "/v1/query?concept=acme/web",
      "/v1/history?concept=acme/web&predicate=status",
      `/v1/assertions/${"0".repeat(64)}`,
    ];
    for (const [i, path] of reads.entries()) {
      const res = await a.app.request(path);
      expect(res.status).toBeLessThan(429);
      expect(res.headers.get("ratelimit-policy")).toBe('"query";q=4;w=2');
      expect(res.headers.get("ratelimit")).toBe(`"query";r=${3 - i};t=${Math.ceil((i + 1) / 2)}`);
    }
    const refused = await a.app.request("/v1/proof/consistency?from=0");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.headers.get("ratelimit")).toBe('"query";r=0;t=1');
    expect(refused.headers.get("ratelimit-policy")).toBe('"query";q=4;w=2');
    expect(refused.headers.get("x-content-type-options")).toBe("nosniff");
    const p = await problem(refused);
    expect(p.code).toBe("rate_limited");
    expect(p.detail).toContain("STEMEDB_RATE_QUERY_PER_IP");

    a.clock.t += 500; // one token back (2/s)
    expect((await a.app.request("/v1/merkle/root")).status).toBe(200);
    expect((await a.app.request("/v1/merkle/root")).status).toBe(429);

    // Health, readiness, liveness and /metrics are never limited and carry no RateLimit fields.
    for (const path of ["/v1/health", "/v1/health/live", "/v1/health/ready", "/metrics"]) {
      const res = await a.app.request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("ratelimit")).toBeNull();
    }
    expect(await a.scrape()).toContain(
      'stemedb_rate_limited_total{class="query",route="/v1/proof/consistency"} 1',
    );
    expect(await a.scrape()).toContain(
      'stemedb_rate_limited_total{class="query",route="/v1/merkle/root"} 1',
    );
  });

  test("each client IP has its own bucket (X-Forwarded-For with a trusted proxy hop)", async () => {
    const a = await open({ rateQueryPerIp: 1, rateBurstSeconds: 1, trustProxyHops: 1 });
    expect((await a.app.request("/v1/merkle/root", from("10.0.0.1"))).status).toBe(200);
    expect((await a.app.request("/v1/merkle/root", from("10.0.0.1"))).status).toBe(429);
    expect((await a.app.request("/v1/merkle/root", from("10.0.0.2"))).status).toBe(200);
    // A client-supplied entry left of the trusted hop does not buy a new bucket.
    expect((await a.app.request("/v1/merkle/root", from("6.6.6.6, 10.0.0.2"))).status).toBe(429);
  });

  test("assert requests per IP: a batch is one request", async () => {
    const a = await open({ rateAssertPerIp: 1, rateBurstSeconds: 2 });
    const agent = testAgent();
    const batch = await a.app.request("/v1/assert", json([agent.sign({}), agent.sign({})]));
    expect(batch.status).toBe(200);
    expect(batch.headers.get("ratelimit")).toBe('"assert";r=1;t=1');
    expect((await a.app.request("/v1/assert", json(agent.sign({})))).status).toBe(201);
    const refused = await a.app.request("/v1/assert", json(agent.sign({})));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(a.engine.tree.size).toBe(3);
  });

  test("admin: failed token attempts count, and the limit answers before the token check", async () => {
    const a = await open({ rateAdminPerIp: 1, rateBurstSeconds: 2 });
    const bad = { headers: { authorization: "Bearer wrong-token-wrong-token" } };
    const good = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };
    expect((await a.app.request("/v1/agents", bad)).status).toBe(401);
    expect((await a.app.request("/v1/agents", bad)).status).toBe(401);
    const third = await a.app.request("/v1/agents", bad);
    expect(third.status).toBe(429);
    expect(third.headers.get("www-authenticate")).toBeNull();
    // Even the right token waits: brute force gets no answer about the token.
    expect((await a.app.request("/v1/agents", good)).status).toBe(429);
    a.clock.t += 1000;
    expect((await a.app.request("/v1/agents", good)).status).toBe(200);
    expect(await a.scrape()).toContain(
      'stemedb_rate_limited_total{class="admin",route="/v1/agents"} 2',
    );
  });

  test("a rate of 0 turns a class off: no refusals, no RateLimit fields", async () => {
    const a = await open({ rateQueryPerIp: 0, rateBurstSeconds: 1 });
    for (let i = 0; i < 50; i++) {
      const res = await a.app.request("/v1/merkle/root");
      expect(res.status).toBe(200);
      expect(res.headers.get("ratelimit")).toBeNull();
    }
  });
});

describe("per-agent limit", () => {
  test("each assertion takes a token: in a batch the excess is rejected alone; a single one is a 429", async () => {
    const a = await open({ rateAssertPerAgent: 2, rateBurstSeconds: 1 });
    const alice = testAgent();
    const bob = testAgent();
    const res = await a.app.request(
      "/v1/assert",
      json([
        alice.sign({ value: 1 }),
        alice.sign({ value: 2 }),
        alice.sign({ value: 3 }),
        bob.sign({}),
      ]),
    );
    const batch = await body<BatchResponse>(res);
    expect(batch.results.map((r) => r.error?.code ?? r.status)).toEqual([
      "accepted",
      "accepted",
      "rate_limited",
      "accepted",
    ]);
    expect(batch.results[2]?.error?.field).toBe("agent");
    const single = await a.app.request("/v1/assert", json(alice.sign({ value: 4 })));
    expect(single.status).toBe(429);
    expect(single.headers.get("retry-after")).toBe("1");
    expect((await problem(single)).code).toBe("rate_limited");
    a.clock.t += 500;
    expect((await a.app.request("/v1/assert", json(alice.sign({ value: 4 })))).status).toBe(201);
    expect(await a.scrape()).toContain(
      'stemedb_rate_limited_total{class="agent",route="/v1/assert"} 2',
    );
  });
});

describe("defaults and the SPEC §9 benchmarks", () => {
  test("the default rates leave headroom over one loopback client at the benchmark rates", () => {
    const d = parseConfig({});
    // One client IP: ≥ 10,000 queries/s and ≥ 8,000 single POSTs/s (64 connections).
    expect(d.rateQueryPerIp).toBeGreaterThanOrEqual(2 * 10_000);
    expect(d.rateAssertPerIp).toBeGreaterThanOrEqual(2 * 8_000);
    // 30,000 assertions/s in batches, spread over many agents.
    expect(d.rateAssertPerAgent * 10).toBeGreaterThanOrEqual(30_000);
  });

  test("a benchmark-shaped burst at one instant trips nothing with the defaults", async () => {
    const a = await open({});
    const signers = Array.from({ length: 50 }, (_, i) =>
      fastSigner(new Uint8Array(32).fill(i + 1)),
    );
    const now = a.clock.t;
    for (let b = 0; b < 3; b++) {
      const items = Array.from({ length: 1000 }, (_, i) =>
        (signers[i % signers.length] as (typeof signers)[number]).sign({
          concept: `bench/k${i % 100}`,
          predicate: "status",
          value: b * 1000 + i,
          ts: now - 1000,
        }),
      );
      const res = await a.app.request("/v1/assert", json(items));
      expect((await body<BatchResponse>(res)).accepted).toBe(1000);
    }
    const reads = await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        a.app.request(`/v1/query?concept=bench/k${i % 100}&predicate=status`),
      ),
    );
    expect(reads.every((r) => r.status === 200)).toBe(true);
    expect(await a.scrape()).not.toContain("stemedb_rate_limited_total{");
  });
});
