/**
 * The per-agent breaker through the HTTP API (SPEC §6), wired as
 * `startServer` wires it, on a manual clock: an agent whose verified
 * submissions keep failing is paused with 503 + Retry-After, others are not;
 * health and metrics show it; after the open time one trial decides.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type BatchResponse, body, json, problem, testAgent } from "../http/http-test-helpers.ts";
import { type DefenseApp, openDefenseApp } from "../http/rate-limit-test-app.ts";

let t: DefenseApp;
beforeAll(async () => {
  t = await openDefenseApp({
    agentBreakerWindow: 10,
    agentBreakerMinSubmissions: 5,
    agentBreakerThreshold: 0.8,
    agentBreakerOpenSeconds: 30,
  });
});
afterAll(async () => {
  await t.close();
});

interface Health {
  breakers: { storage: string; agents_open: number };
  rate_limits: Record<string, number>;
}

/** A signed retraction of an id nobody recorded: verified, then rejected (unknown_target). */
const bogusRetraction = (agent: ReturnType<typeof testAgent>, n: number) =>
  agent.sign({ value: null, retracts: n.toString(16).padStart(64, "0") });

describe("agent breaker over HTTP", () => {
  test("opens on a failing agent, refuses it with 503 + Retry-After, spares others, and closes after a good trial", async () => {
    const mallory = testAgent();
    const alice = testAgent();
    const res = await t.app.request(
      "/v1/assert",
      json(Array.from({ length: 5 }, (_, i) => bogusRetraction(mallory, i + 1))),
    );
    const batch = await body<BatchResponse>(res);
    expect(batch.rejected).toBe(5);
    expect(batch.results.map((r) => r.error?.code)).toEqual(Array(5).fill("unknown_target"));

    t.clock.t += 10_000;
    const refused = await t.app.request("/v1/assert", json(mallory.sign({ value: "fine" })));
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("20");
    expect(await problem(refused)).toMatchObject({ code: "agent_breaker_open" });
    expect((await t.app.request("/v1/assert", json(alice.sign({})))).status).toBe(201);

    const health = await body<Health>(await t.app.request("/v1/health"));
    expect(health.breakers).toEqual({ storage: "closed", agents_open: 1 });
    expect(health.rate_limits).toMatchObject({ assert_per_agent: 5000, admin_per_ip: 50 });
    const scrape = await t.scrape();
    expect(scrape).toContain("stemedb_agent_breakers_open 1");
    expect(scrape).toContain('stemedb_breaker_transitions_total{breaker="agent",to="open"} 1');
    expect(scrape).toContain('stemedb_breaker_state{breaker="storage"} 0');
    // Readiness is about the server, not one agent.
    expect((await t.app.request("/v1/health/ready")).status).toBe(200);

    // Half-open: one trial in a batch; the rest of the batch waits.
    t.clock.t += 20_000;
    const trial = await body<BatchResponse>(
      await t.app.request(
        "/v1/assert",
        json([mallory.sign({ value: "good" }), mallory.sign({ value: "also good" })]),
      ),
    );
    expect(trial.results.map((r) => r.error?.code ?? r.status)).toEqual([
      "accepted",
      "agent_breaker_open",
    ]);
    expect((await t.app.request("/v1/assert", json(mallory.sign({ value: "again" })))).status).toBe(
      201,
    );
    const after = await body<Health>(await t.app.request("/v1/health"));
    expect(after.breakers.agents_open).toBe(0);
    expect(await t.scrape()).toContain(
      'stemedb_breaker_transitions_total{breaker="agent",to="closed"} 1',
    );
  });

  test("bad signatures never reach the breaker: forging a victim's key cannot pause it", async () => {
    const victim = testAgent();
    const forged = Array.from({ length: 20 }, (_, i) => ({
      ...victim.sign({ value: i }),
      value: "tampered",
    }));
    const batch = await body<BatchResponse>(await t.app.request("/v1/assert", json(forged)));
    expect(batch.results.every((r) => r.error?.code === "bad_signature")).toBe(true);
    expect((await t.app.request("/v1/assert", json(victim.sign({})))).status).toBe(201);
  });

  test("under the probation policy an unregistered agent's quarantined assertions never pause it", async () => {
    const p = await openDefenseApp({
      agentPolicy: "probation",
      agentBreakerWindow: 10,
      agentBreakerMinSubmissions: 5,
    });
    try {
      const newcomer = testAgent();
      for (let i = 0; i < 12; i++) {
        const res = await p.app.request("/v1/assert", json(newcomer.sign({ value: i })));
        expect(res.status).toBe(201);
        expect((await body<{ status: string }>(res)).status).toBe("quarantined");
      }
      const health = await body<Health>(await p.app.request("/v1/health"));
      expect(health.breakers.agents_open).toBe(0);
    } finally {
      await p.close();
    }
  });
});
