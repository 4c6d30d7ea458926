/**
 * Circuit breakers (SPEC §6) with an injected clock — nothing here sleeps:
 * the generic state machine, the per-agent breaker as an ingest guard, and the
 * storage breaker with a scripted probe and a manual scheduler.
 */
import { describe, expect, test } from "bun:test";
import { AgentBreaker } from "../../../src/defense/agent-breaker.ts";
import { type BreakerState, CircuitBreaker } from "../../../src/defense/circuit-breaker.ts";
import { StorageBreaker } from "../../../src/defense/storage-breaker.ts";
import { StemeError } from "../../../src/errors.ts";
import type { SubmissionStatus } from "../../../src/ingest/ingest-guard.ts";
import { memoryLogger } from "../../../src/logger.ts";
import type { PreparedAssertion } from "../../../src/protocol/assertion.ts";

function manualClock(start = 1_000_000) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

/** Guards only read `assertion.agent`. */
const itemOf = (agent: string) => ({ assertion: { agent } }) as unknown as PreparedAssertion;
const A = "a".repeat(64);
const B = "b".repeat(64);

describe("CircuitBreaker", () => {
  test("closed → open → half-open (one trial at a time) → closed, with every transition reported", () => {
    const clock = manualClock();
    const seen: [BreakerState, BreakerState][] = [];
    const b = new CircuitBreaker({
      openMs: 10_000,
      clock,
      onTransition: (to, from) => seen.push([from, to]),
    });
    expect(b.state).toBe("closed");
    expect(b.acquire()).toEqual({ allowed: true, trial: false });

    b.trip();
    expect(b.state).toBe("open");
    clock.t += 4_000;
    expect(b.acquire()).toEqual({ allowed: false, retryAfterMs: 6_000 });
    expect(b.msUntilHalfOpen()).toBe(6_000);

    clock.t += 6_000;
    expect(b.state).toBe("half-open");
    expect(b.acquire()).toEqual({ allowed: true, trial: true });
    expect(b.acquire()).toEqual({ allowed: false, retryAfterMs: 10_000 }); // the trial is out
    b.succeed();
    expect(b.state).toBe("closed");
    expect(seen).toEqual([
      ["closed", "open"],
      ["open", "half-open"],
      ["half-open", "closed"],
    ]);
  });

  test("a failed trial re-opens for a full interval; a lost trial expires", () => {
    const clock = manualClock();
    const b = new CircuitBreaker({ openMs: 1_000, clock });
    b.trip();
    clock.t += 1_000;
    expect(b.acquire()).toMatchObject({ allowed: true, trial: true });
    b.trip();
    expect(b.state).toBe("open");
    expect(b.msUntilHalfOpen()).toBe(1_000);
    clock.t += 1_000;
    expect(b.acquire()).toMatchObject({ allowed: true, trial: true });
    // Its outcome never arrives: after another interval a new trial goes.
    clock.t += 999;
    expect(b.acquire()).toMatchObject({ allowed: false });
    clock.t += 1;
    expect(b.acquire()).toMatchObject({ allowed: true, trial: true });
  });

  test("succeed() does nothing while closed or still open; bad openMs is a RangeError", () => {
    const clock = manualClock();
    const b = new CircuitBreaker({ openMs: 1_000, clock });
    b.succeed();
    expect(b.state).toBe("closed");
    b.trip();
    b.succeed();
    expect(b.state).toBe("open");
    expect(() => new CircuitBreaker({ openMs: 0, clock })).toThrow(RangeError);
  });
});

function agentBreaker(clock = manualClock(), extra: { maxAgents?: number } = {}) {
  const transitions: [string, BreakerState][] = [];
  const breaker = new AgentBreaker({
    window: 10,
    minSubmissions: 5,
    threshold: 0.8,
    openSeconds: 30,
    clock,
    onTransition: (agent, to) => transitions.push([agent, to]),
    ...extra,
  });
  const submit = (agent: string, status: SubmissionStatus, code?: string) => {
    const refusal = breaker.admit(itemOf(agent));
    if (refusal) {
      breaker.observe(agent, "rejected", refusal);
      return refusal;
    }
    breaker.observe(
      agent,
      status,
      code === undefined ? undefined : new StemeError(code as "invalid_field", "x"),
    );
    return undefined;
  };
  return { breaker, clock, transitions, submit };
}

describe("AgentBreaker", () => {
  test("opens at the threshold share once the window holds minSubmissions; refuses with 503 + Retry-After", () => {
    const { breaker, clock, submit, transitions } = agentBreaker();
    for (let i = 0; i < 4; i++) submit(A, "quarantined");
    expect(breaker.state(A)).toBe("closed"); // 4 < minSubmissions
    submit(A, "rejected", "not_owner");
    expect(breaker.state(A)).toBe("open");
    expect(breaker.openCount()).toBe(1);
    expect(transitions).toEqual([[A, "open"]]);

    clock.t += 12_300;
    const refusal = breaker.admit(itemOf(A));
    expect(refusal?.code).toBe("agent_breaker_open");
    expect(refusal?.context.retryAfterS).toBe(18); // ceil(17.7)
    expect(refusal?.field).toBe("agent");
    // Other agents are not affected.
    expect(breaker.admit(itemOf(B))).toBeUndefined();
  });

  test("the window slides: 7 of the last 10 failed stays closed, 8 of 10 opens", () => {
    const { breaker, submit } = agentBreaker();
    for (let i = 0; i < 3; i++) submit(A, "accepted");
    for (let i = 0; i < 7; i++) submit(A, "rejected", "target_mismatch");
    expect(breaker.state(A)).toBe("closed");
    // The window slides: one more failure pushes the oldest success out, 8 of 10 = 0.8.
    submit(A, "rejected", "target_mismatch");
    expect(breaker.state(A)).toBe("open");
  });

  test("honest traffic never trips it: duplicates, rate limits, storage faults and policy refusals are no verdict", () => {
    const { breaker, submit } = agentBreaker();
    for (let i = 0; i < 100; i++) submit(A, i % 2 === 0 ? "duplicate" : "accepted");
    for (let i = 0; i < 100; i++) submit(A, "rejected", "rate_limited");
    for (let i = 0; i < 100; i++) submit(A, "rejected", "storage_unavailable");
    for (let i = 0; i < 100; i++) submit(A, "rejected", "agent_not_registered");
    expect(breaker.state(A)).toBe("closed");
    expect(breaker.openCount()).toBe(0);
  });

  test("an agent on probation is not paused for the quarantines its probation causes", () => {
    const breaker = new AgentBreaker({
      window: 10,
      minSubmissions: 5,
      threshold: 0.8,
      openSeconds: 30,
      clock: manualClock(),
      onProbation: (agent) => agent === A,
    });
    for (let i = 0; i < 50; i++) breaker.observe(A, "quarantined", undefined);
    expect(breaker.state(A)).toBe("closed");
    for (let i = 0; i < 5; i++) breaker.observe(A, "rejected", new StemeError("not_owner", "x"));
    expect(breaker.state(A)).toBe("open"); // its other failures still count
    for (let i = 0; i < 5; i++) breaker.observe(B, "quarantined", undefined);
    expect(breaker.state(B)).toBe("open");
  });

  test("half-open: one trial; success closes with a clean window, failure re-opens", () => {
    const { breaker, clock, submit, transitions } = agentBreaker();
    for (let i = 0; i < 5; i++) submit(A, "quarantined");
    expect(breaker.state(A)).toBe("open");

    clock.t += 30_000;
    expect(breaker.state(A)).toBe("half-open");
    expect(breaker.admit(itemOf(A))).toBeUndefined(); // the trial
    expect(breaker.admit(itemOf(A))?.code).toBe("agent_breaker_open"); // only one
    breaker.observe(A, "rejected", new StemeError("agent_breaker_open", "x")); // its own refusal: ignored
    expect(breaker.state(A)).toBe("half-open");
    breaker.observe(A, "quarantined", undefined); // the trial failed
    expect(breaker.state(A)).toBe("open");
    expect(breaker.admit(itemOf(A))?.context.retryAfterS).toBe(30);

    clock.t += 30_000;
    expect(submit(A, "accepted")).toBeUndefined(); // trial succeeds
    expect(breaker.state(A)).toBe("closed");
    expect(breaker.openCount()).toBe(0);
    // Clean window: one more failure does not re-open it.
    submit(A, "quarantined");
    expect(breaker.state(A)).toBe("closed");
    expect(transitions.map(([, to]) => to)).toEqual([
      "open",
      "half-open",
      "open",
      "half-open",
      "closed",
    ]);
  });

  test("memory is bounded: least recently seen windows are evicted at maxAgents", () => {
    const { breaker, submit } = agentBreaker(manualClock(), { maxAgents: 100 });
    for (let i = 0; i < 1000; i++) submit(i.toString(16).padStart(64, "0"), "accepted");
    expect(breaker.trackedAgents).toBe(100);
    for (let i = 0; i < 1000; i++) {
      const agent = `f${i.toString(16).padStart(63, "0")}`;
      for (let j = 0; j < 5; j++) submit(agent, "quarantined");
    }
    expect(breaker.openCount()).toBe(100);
  });
});

function storageBreaker(script: { fail: boolean }) {
  const clock = manualClock();
  const log = memoryLogger();
  const pending: { fn: () => void; ms: number }[] = [];
  const transitions: BreakerState[] = [];
  let probes = 0;
  const breaker = new StorageBreaker({
    probe: async () => {
      probes++;
      if (script.fail) throw new Error("ENOSPC: no space left on device");
    },
    probeSeconds: 5,
    clock,
    logger: log,
    onTransition: (to) => transitions.push(to),
    schedule: (fn, ms) => {
      const entry = { fn, ms };
      pending.push(entry);
      return () => pending.splice(pending.indexOf(entry), 1);
    },
  });
  /** Fires the next scheduled probe, as the timer would once its time has come. */
  const fire = async () => {
    const next = pending.shift();
    if (next === undefined) throw new Error("no probe scheduled");
    clock.t += next.ms;
    next.fn();
    // Let the probe's promise chain settle.
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  return { breaker, clock, log, pending, transitions, fire, probes: () => probes };
}

describe("StorageBreaker", () => {
  test("a failure opens it: refusals carry the seconds to the next probe; it closes by itself when a probe succeeds", async () => {
    const script = { fail: true };
    const s = storageBreaker(script);
    expect(s.breaker.refusal()).toBeUndefined();
    s.breaker.recordFailure(new Error("ENOSPC on write"));
    expect(s.breaker.state).toBe("open");
    expect(s.pending.map((p) => p.ms)).toEqual([5_000]);
    s.clock.t += 1_500;
    const refusal = s.breaker.refusal();
    expect(refusal?.code).toBe("storage_unavailable");
    expect(refusal?.context.retryAfterS).toBe(4); // ceil(3.5)
    expect(refusal?.message).not.toContain("ENOSPC"); // no internals to clients
    expect(s.log.lines.filter((l) => l.level === "warn").map((l) => l.msg)).toEqual([
      "storage breaker open: writes are refused until a probe succeeds",
    ]);
    s.clock.t -= 1_500;

    await s.fire(); // probe fails: open again, next probe scheduled
    expect(s.probes()).toBe(1);
    expect(s.breaker.state).toBe("open");
    expect(s.pending.length).toBe(1);
    expect(s.breaker.refusal()?.context.retryAfterS).toBe(5);

    script.fail = false;
    await s.fire();
    expect(s.probes()).toBe(2);
    expect(s.breaker.state).toBe("closed");
    expect(s.breaker.refusal()).toBeUndefined();
    expect(s.pending.length).toBe(0);
    expect(s.transitions).toEqual(["open", "half-open", "open", "half-open", "closed"]);
  });

  test("half-open still refuses writes (only the probe is a trial); stop() cancels the probe", async () => {
    const s = storageBreaker({ fail: false });
    s.breaker.recordFailure(new Error("EIO"));
    s.clock.t += 5_000;
    expect(s.breaker.state).toBe("half-open");
    expect(s.breaker.refusal()?.context.retryAfterS).toBe(1);
    s.breaker.stop();
    expect(s.pending.length).toBe(0);
  });

  test("a timer that fires early reschedules instead of probing", async () => {
    const s = storageBreaker({ fail: false });
    s.breaker.recordFailure(new Error("EIO"));
    const first = s.pending.shift();
    first?.fn(); // clock not advanced: too early
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(s.probes()).toBe(0);
    expect(s.pending.map((p) => p.ms)).toEqual([5_000]);
    await s.fire();
    expect(s.breaker.state).toBe("closed");
  });
});
