/**
 * Token buckets and the per-agent rate limit (SPEC §6) with an injected
 * clock: capacity = rate × burst seconds, continuous refill, refusals with the
 * time until a token, bounded memory with idle buckets evicted first.
 */
import { describe, expect, test } from "bun:test";
import { AgentRateLimit } from "../../../src/defense/agent-rate-limit.ts";
import { TokenBuckets } from "../../../src/defense/token-bucket.ts";
import type { PreparedAssertion } from "../../../src/protocol/assertion.ts";

function manualClock(start = 5_000_000) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

const itemOf = (agent: string) => ({ assertion: { agent } }) as unknown as PreparedAssertion;

describe("TokenBuckets", () => {
  test("a full bucket of rate × burst tokens, then refusals with the time until the next token", () => {
    const clock = manualClock();
    const b = new TokenBuckets({ ratePerSecond: 10, burstSeconds: 2, clock });
    expect(b.capacity).toBe(20);
    for (let i = 0; i < 20; i++) {
      const r = b.take("ip");
      expect(r.allowed).toBe(true);
      expect(r.remaining).toBe(19 - i);
    }
    const refused = b.take("ip");
    expect(refused).toMatchObject({ allowed: false, remaining: 0 });
    expect(refused.retryAfterS).toBeCloseTo(0.1, 9);
    expect(refused.fullInS).toBeCloseTo(2, 9);
    // Other keys have their own bucket.
    expect(b.take("other").allowed).toBe(true);
  });

  test("refill is continuous and capped at the capacity", () => {
    const clock = manualClock();
    const b = new TokenBuckets({ ratePerSecond: 4, burstSeconds: 1, clock });
    for (let i = 0; i < 4; i++) b.take("k");
    expect(b.take("k").allowed).toBe(false);
    clock.t += 125; // half a token
    const half = b.take("k");
    expect(half.allowed).toBe(false);
    expect(half.retryAfterS).toBeCloseTo(0.125, 9);
    clock.t += 125;
    expect(b.take("k")).toMatchObject({ allowed: true, remaining: 0 });
    clock.t += 3_600_000; // idle for an hour: full, not more
    expect(b.take("k")).toMatchObject({ allowed: true, remaining: 3 });
  });

  test("a burst below one token still admits one request", () => {
    const b = new TokenBuckets({ ratePerSecond: 0.1, burstSeconds: 1, clock: manualClock() });
    expect(b.capacity).toBe(1);
    expect(b.take("k").allowed).toBe(true);
    const r = b.take("k");
    expect(r.allowed).toBe(false);
    expect(r.retryAfterS).toBeCloseTo(10, 9);
  });

  test("memory is bounded: idle (full) buckets go first, then the least recently used", () => {
    const clock = manualClock();
    const b = new TokenBuckets({ ratePerSecond: 1, burstSeconds: 10, clock, maxKeys: 100 });
    b.take("busy"); // not full: kept while idle ones exist
    for (let i = 0; i < 99; i++) b.take(`idle-${i}`);
    clock.t += 20_000; // every bucket refilled to full, "busy" too
    b.take("busy");
    clock.t += 1; // "busy" is one token short of full; the others are full
    b.take("new");
    expect(b.size).toBe(2);
    for (let i = 0; i < 1000; i++) b.take(`flood-${i}`); // nobody idle: LRU
    expect(b.size).toBeLessThanOrEqual(100);
  });

  test("bad options are RangeErrors naming the option", () => {
    const clock = manualClock();
    expect(() => new TokenBuckets({ ratePerSecond: 0, burstSeconds: 1, clock })).toThrow(
      /ratePerSecond/,
    );
    expect(() => new TokenBuckets({ ratePerSecond: 1, burstSeconds: 0, clock })).toThrow(
      /burstSeconds/,
    );
    expect(
      () => new TokenBuckets({ ratePerSecond: 1, burstSeconds: 1, clock, maxKeys: 0 }),
    ).toThrow(/maxKeys/);
  });
});

describe("AgentRateLimit", () => {
  test("each verified assertion takes a token from its agent's bucket; over the limit it is refused alone", () => {
    const clock = manualClock();
    let limited = 0;
    const guard = new AgentRateLimit({
      ratePerSecond: 5,
      burstSeconds: 2,
      clock,
      onLimited: () => limited++,
    });
    const a = "a".repeat(64);
    for (let i = 0; i < 10; i++) expect(guard.admit(itemOf(a))).toBeUndefined();
    const refusal = guard.admit(itemOf(a));
    expect(refusal?.code).toBe("rate_limited");
    expect(refusal?.field).toBe("agent");
    expect(refusal?.context.retryAfterS).toBeCloseTo(0.2, 9);
    expect(refusal?.message).toContain("STEMEDB_RATE_ASSERT_PER_AGENT");
    expect(limited).toBe(1);
    expect(guard.admit(itemOf("b".repeat(64)))).toBeUndefined();
    clock.t += 200;
    expect(guard.admit(itemOf(a))).toBeUndefined();
    expect(guard.trackedAgents).toBe(2);
  });
});
