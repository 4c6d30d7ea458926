/**
 * The per-key lenses (SPEC §4) on designed conflicts, every expected answer
 * computed by hand in the comments.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { KeyResult } from "../../../src/lens/query-response.ts";
import { A, B, C, D, E, idHex, LensFixture } from "./lens-fixture.ts";

let fx: LensFixture;
beforeEach(() => {
  fx = new LensFixture();
});
afterEach(() => fx.close());

const T = 1_700_000_000_000;

function one(input: Record<string, unknown>): KeyResult {
  const res = fx.query({ concept: "acme/checkout", predicate: "status", ...input });
  expect(res.results).toHaveLength(1);
  return res.results[0] as KeyResult;
}

/**
 * Five agents on acme/checkout status:
 *   seq1 A "degraded" 0.9  ts+1000
 *   seq2 B "ok"       0.6  ts+1001
 *   seq3 C "ok"       0.5  ts+1002
 *   seq4 D "degraded" 0.1  ts+1003   ← newest
 *   seq5 E "down"     (1)  ts+999
 * Groups by Σ confidence: ok 1.1 (B, C), degraded 1.0 (A, D; newest ts+1003),
 * down 1.0 (E; newest ts+999). Total 3.1.
 */
function fiveAgents(): void {
  fx.add({ agent: A, value: "degraded", confidence: 0.9, ts: T + 1000 });
  fx.add({ agent: B, value: "ok", confidence: 0.6, ts: T + 1001 });
  fx.add({ agent: C, value: "ok", confidence: 0.5, ts: T + 1002 });
  fx.add({ agent: D, value: "degraded", confidence: 0.1, ts: T + 1003 });
  fx.add({ agent: E, value: "down", ts: T + 999 });
}

describe("three or more agents disagreeing", () => {
  test("consensus: heaviest group wins, alternatives heaviest first, weight ties by recency", () => {
    fiveAgents();
    const r = one({ lens: "consensus" });
    expect(r.value).toBe("ok");
    expect(r.support).toEqual([idHex(2), idHex(3)]);
    expect(r.agents).toEqual([B, C]);
    expect(r.confidence).toBeCloseTo(0.55, 12); // mean(0.6, 0.5)
    expect(r.conflict).toBe(true);
    expect(r.agreement).toBeCloseTo(1.1 / 3.1, 12);
    // degraded and down both weigh 1.0: degraded holds the newer assertion (ts+1003 > ts+999).
    expect(r.alternatives.map((a) => a.value)).toEqual(["degraded", "down"]);
    expect(r.alternatives[0]).toEqual({
      value: "degraded",
      weight: expect.closeTo(1.0, 12),
      support: [idHex(1), idHex(4)],
      agents: [A, D],
    });
    expect(r.alternatives[1]).toEqual({
      value: "down",
      weight: 1,
      support: [idHex(5)],
      agents: [E],
    });
  });

  test("latest: the newest assertion wins whatever the weights; its own confidence", () => {
    fiveAgents();
    const r = one({ lens: "latest" });
    expect(r.value).toBe("degraded"); // D at ts+1003
    expect(r.confidence).toBe(0.1);
    expect(r.support).toEqual([idHex(1), idHex(4)]);
    expect(r.agents).toEqual([A, D]);
    expect(r.agreement).toBeCloseTo(1.0 / 3.1, 12);
    expect(r.alternatives.map((a) => [a.value, a.weight])).toEqual([
      ["ok", expect.closeTo(1.1, 12)],
      ["down", 1],
    ]);
  });

  test("latest is the default lens", () => {
    fiveAgents();
    expect(fx.query({ concept: "acme/checkout" }).lens).toBe("latest");
    expect((fx.query({ concept: "acme/checkout" }).results[0] as KeyResult).value).toBe("degraded");
  });

  test("trust weights flip the consensus winner; trust-0 agents are ignored", () => {
    fiveAgents();
    fx.setTrust(A, 1);
    fx.setTrust(B, 0.2);
    fx.setTrust(C, 0.2);
    // D is not in the registry: default 0.5. E has trust 0: ignored entirely.
    fx.setTrust(E, 0);
    // degraded = 0.9×1 + 0.1×0.5 = 0.95; ok = 0.6×0.2 + 0.5×0.2 = 0.22; down dropped.
    const r = one({ lens: "trust" });
    expect(r.value).toBe("degraded");
    expect(r.support).toEqual([idHex(1), idHex(4)]);
    expect(r.confidence).toBeCloseTo(0.5, 12); // mean(0.9, 0.1), not trust-weighted
    expect(r.agreement).toBeCloseTo(0.95 / 1.17, 12);
    expect(r.alternatives).toEqual([
      {
        value: "ok",
        weight: expect.closeTo(0.22, 12),
        support: [idHex(2), idHex(3)],
        agents: [B, C],
      },
    ]);
  });

  test("trust: a registry entry without trust takes the default, and the default is configurable", () => {
    fx.add({ agent: A, value: "x", ts: T + 1 }); // weight 1 × trust(A)
    fx.add({ agent: B, value: "y", ts: T + 2 }); // weight 1 × 0.3
    fx.setTrust(A, null);
    fx.setTrust(B, 0.3);
    fx.defaultTrust = 0.5;
    expect(one({ lens: "trust" }).value).toBe("x"); // 0.5 > 0.3
    fx.defaultTrust = 0.2;
    expect(one({ lens: "trust" }).value).toBe("y"); // 0.2 < 0.3
  });

  test("trust: a key whose every agent has trust 0 has no result, and does not use up the limit", () => {
    fx.add({ concept: "k/1", agent: A, value: "x" });
    fx.add({ concept: "k/2", agent: B, value: "y" });
    fx.add({ concept: "k/3", agent: C, value: "z" });
    fx.setTrust(B, 0);
    const res = fx.query({ concept: "k", match: "prefix", lens: "trust", limit: 2 });
    expect((res.results as KeyResult[]).map((r) => r.concept)).toEqual(["k/1", "k/3"]);
    expect(res.next_cursor).toBeNull();
    // consensus still sees B
    expect(fx.query({ concept: "k/2", lens: "consensus" }).results).toHaveLength(1);
  });

  test("one group: no conflict, agreement 1, no alternatives", () => {
    fx.add({ agent: A, value: { state: "ok", n: 1 }, confidence: 0.4 });
    fx.add({ agent: B, value: { n: 1, state: "ok" }, confidence: 0.8 }); // same canonical value
    const r = one({ lens: "consensus" });
    expect(r.value).toEqual({ n: 1, state: "ok" });
    expect(r.conflict).toBe(false);
    expect(r.agreement).toBe(1);
    expect(r.alternatives).toEqual([]);
    expect(r.confidence).toBeCloseTo(0.6, 12);
  });
});

describe("an agent's latest assertion", () => {
  test("a newer claim supersedes the agent's older one in the groups", () => {
    fx.add({ agent: A, value: "x", ts: T + 1 }); // superseded by seq3
    fx.add({ agent: B, value: "x", ts: T + 2, confidence: 0.5 });
    fx.add({ agent: A, value: "y", ts: T + 3, confidence: 0.4 });
    // Groups: x = 0.5 (B only), y = 0.4 (A). Without superseding x would be 1.5.
    const r = one({ lens: "consensus" });
    expect(r.value).toBe("x");
    expect(r.support).toEqual([idHex(2)]);
    expect(r.alternatives).toEqual([{ value: "y", weight: 0.4, support: [idHex(3)], agents: [A] }]);
  });

  test("greatest ts wins over greater seq (a late-recorded older claim does not supersede)", () => {
    fx.add({ agent: A, value: "new", ts: T + 2000 });
    fx.add({ agent: A, value: "old", ts: T + 1000 });
    const r = one({ lens: "consensus" });
    expect(r.value).toBe("new");
    expect(r.support).toEqual([idHex(1)]);
    expect(r.conflict).toBe(false);
    expect(one({ lens: "latest" }).value).toBe("new");
  });

  test("equal ts: the greater seq is the agent's latest", () => {
    fx.add({ agent: A, value: "first", ts: T });
    fx.add({ agent: A, value: "second", ts: T });
    const r = one({ lens: "consensus" });
    expect(r.value).toBe("second");
    expect(r.support).toEqual([idHex(2)]);
    expect(r.alternatives).toEqual([]);
  });
});

describe("tie-breaks", () => {
  test("latest: equal ts between agents, the greater seq wins", () => {
    fx.add({ agent: A, value: "x", ts: T });
    fx.add({ agent: B, value: "y", ts: T });
    expect(one({ lens: "latest" }).value).toBe("y");
  });

  test("consensus: equal weights, the group holding the most recent ts wins", () => {
    fx.add({ agent: A, value: "x", ts: T + 5 });
    fx.add({ agent: B, value: "y", ts: T + 1 });
    fx.add({ agent: C, value: "y", ts: T + 2, confidence: 0 }); // y = 1 + 0 = x
    const r = one({ lens: "consensus" });
    expect(r.value).toBe("x");
    expect(r.agreement).toBe(0.5);
    expect(r.alternatives.map((a) => a.value)).toEqual(["y"]);
  });

  test("consensus: equal weights and equal newest ts, the greater seq wins (either insertion order)", () => {
    fx.add({ agent: A, value: "x", ts: T });
    fx.add({ agent: B, value: "y", ts: T });
    expect(one({ lens: "consensus" }).value).toBe("y");
    fx.close();
    fx = new LensFixture();
    fx.add({ agent: B, value: "y", ts: T });
    fx.add({ agent: A, value: "x", ts: T });
    expect(one({ lens: "consensus" }).value).toBe("x");
  });

  test("weights equal in exact arithmetic tie despite float noise (0.1 + 0.2 vs 0.3)", () => {
    fx.add({ agent: A, value: "x", confidence: 0.1, ts: T + 1 });
    fx.add({ agent: B, value: "x", confidence: 0.2, ts: T + 2 });
    fx.add({ agent: C, value: "y", confidence: 0.3, ts: T + 3 });
    // 0.1 + 0.2 = 0.30000000000000004 in doubles; a tie, so recency decides: y (ts+3).
    expect(one({ lens: "consensus" }).value).toBe("y");
    fx.add({ agent: D, value: "x", confidence: 0, ts: T + 4 }); // x now holds the newest
    expect(one({ lens: "consensus" }).value).toBe("x");
  });

  test("trust: equal trust-weighted weights fall back to recency", () => {
    fx.add({ agent: A, value: "x", confidence: 1, ts: T + 2 });
    fx.add({ agent: B, value: "y", confidence: 0.5, ts: T + 1 });
    fx.setTrust(A, 0.25); // 0.25
    fx.setTrust(B, 0.5); // 0.25
    expect(one({ lens: "trust" }).value).toBe("x");
  });

  test("all weights 0: agreement is the winner's share of the agents", () => {
    fx.add({ agent: A, value: "x", confidence: 0, ts: T + 1 });
    fx.add({ agent: B, value: "x", confidence: 0, ts: T + 2 });
    fx.add({ agent: C, value: "y", confidence: 0, ts: T + 3 });
    const r = one({ lens: "consensus" });
    expect(r.value).toBe("y"); // 0 vs 0: y holds the newest
    expect(r.agreement).toBeCloseTo(1 / 3, 12);
    expect(r.confidence).toBe(0);
    expect(r.alternatives).toEqual([
      { value: "x", weight: 0, support: [idHex(1), idHex(2)], agents: [A, B] },
    ]);
    const l = one({ lens: "latest" });
    expect(l.value).toBe("y");
    expect(l.agreement).toBeCloseTo(1 / 3, 12);
  });

  test("a single group of weight 0 has agreement 1", () => {
    fx.add({ agent: A, value: "x", confidence: 0 });
    expect(one({ lens: "consensus" }).agreement).toBe(1);
  });
});

describe("the agent filter", () => {
  test("narrows the groups to that agent's assertions", () => {
    fiveAgents();
    const r = one({ lens: "consensus", agent: B });
    expect(r.value).toBe("ok");
    expect(r.support).toEqual([idHex(2)]);
    expect(r.conflict).toBe(false);
  });
});
