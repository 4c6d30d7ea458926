/**
 * Hardening (SPEC §3, §6): security headers and a request id on every
 * response — successes, errors, 404s, refusals, metrics; the CSP hook a
 * route (the future dashboard) uses to keep its own policy; the timestamp
 * skew limit and replay of a stored assertion, both at the HTTP level.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { API_CSP, securityHeaders } from "../../../src/http/security-headers.ts";
import {
  type BatchResponse,
  body,
  json,
  problem,
  type Receipt,
  testAgent,
} from "./http-test-helpers.ts";
import { type DefenseApp, openDefenseApp } from "./rate-limit-test-app.ts";

let t: DefenseApp;
beforeAll(async () => {
  t = await openDefenseApp({ rateAdminPerIp: 1, rateBurstSeconds: 1 });
});
afterAll(async () => {
  await t.close();
});

const EXPECTED: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "cache-control": "no-store",
};

function expectHardened(res: Response, what: string): void {
  for (const [name, value] of Object.entries(EXPECTED)) {
    expect(`${what}: ${name}=${res.headers.get(name)}`).toBe(`${what}: ${name}=${value}`);
  }
  expect(res.headers.get("x-request-id")).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
  expect(res.headers.get("x-powered-by")).toBeNull();
  expect(res.headers.get("strict-transport-security")).toBeNull(); // the TLS terminator's job
}

describe("security headers", () => {
  test("every kind of response carries them, with a request id", async () => {
    const agent = testAgent();
    const cases: [string, () => Response | Promise<Response>, number][] = [
      ["assert 201", () => t.app.request("/v1/assert", json(agent.sign({}))), 201],
      ["root 200", () => t.app.request("/v1/merkle/root"), 200],
      ["query 422", () => t.app.request("/v1/query"), 422],
      ["bad json 400", () => t.app.request("/v1/assert", json("{")), 400],
      ["unknown 404", () => t.app.request("/nope"), 404],
      ["admin 401", () => t.app.request("/v1/agents"), 401],
      ["admin 429", () => t.app.request("/v1/agents"), 429],
      ["health 200", () => t.app.request("/v1/health"), 200],
      ["live 200", () => t.app.request("/v1/health/live"), 200],
      ["metrics 200", () => t.app.request("/metrics"), 200],
    ];
    for (const [what, send, status] of cases) {
      const res = await send();
      expect(`${what} → ${res.status}`).toBe(`${what} → ${status}`);
      expectHardened(res, what);
    }
  });

  test("a route that sets its own CSP or Cache-Control keeps it (the dashboard hook)", async () => {
    const app = new Hono();
    app.use(securityHeaders());
    app.get("/dashboard", (c) => {
      c.header("Content-Security-Policy", "default-src 'self'");
      c.header("Cache-Control", "max-age=60");
      return c.html("<p>hi</p>");
    });
    app.get("/api", (c) => c.json({}));
    const dash = await app.request("/dashboard");
    expect(dash.headers.get("content-security-policy")).toBe("default-src 'self'");
    expect(dash.headers.get("cache-control")).toBe("max-age=60");
    expect(dash.headers.get("x-frame-options")).toBe("DENY");
    const api = await app.request("/api");
    expect(api.headers.get("content-security-policy")).toBe(API_CSP);
  });
});

describe("timestamps and replays", () => {
  test("ts beyond server time + maxSkewMs is 422 clock_skew on field ts; at the limit it is accepted", async () => {
    const agent = testAgent();
    const limit = t.clock.now() + t.config.maxSkewMs;
    const ahead = await t.app.request("/v1/assert", json(agent.sign({ ts: limit + 1 })));
    expect(ahead.status).toBe(422);
    expect(await problem(ahead)).toMatchObject({ code: "clock_skew", field: "ts" });
    const atLimit = await t.app.request("/v1/assert", json(agent.sign({ ts: limit })));
    expect(atLimit.status).toBe(201);
    // The server clock decides: once it has moved on, the same claim is fine.
    t.clock.t += 1;
    const later = await t.app.request("/v1/assert", json(agent.sign({ ts: limit + 1 })));
    expect(later.status).toBe(201);
  });

  test("replaying a stored assertion is an idempotent duplicate: 200, same id and seq, nothing recorded", async () => {
    const signed = testAgent().sign({ value: "replayed" });
    const first = await t.app.request("/v1/assert", json(signed));
    expect(first.status).toBe(201);
    const receipt = await body<Receipt>(first);
    const size = t.engine.tree.size;
    for (let i = 0; i < 3; i++) {
      const again = await t.app.request("/v1/assert", json(signed));
      expect(again.status).toBe(200);
      expect(await body<Receipt>(again)).toMatchObject({
        id: receipt.id,
        seq: receipt.seq,
        status: "duplicate",
      });
    }
    const batch = await body<BatchResponse>(
      await t.app.request("/v1/assert", json([signed, signed])),
    );
    expect(batch.results.map((r) => [r.status, r.seq])).toEqual([
      ["duplicate", receipt.seq],
      ["duplicate", receipt.seq],
    ]);
    expect(t.engine.tree.size).toBe(size);
  });
});
