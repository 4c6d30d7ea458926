/**
 * What lenses see (SPEC §4): accepted and released assertions, not retracted,
 * seq ≤ as_of (a retraction counting only from its own seq), confidence ≥
 * min_confidence; retractions themselves are never results.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { isStemeError } from "../../../src/errors.ts";
import { toHex } from "../../../src/hex.ts";
import type { AssertionResult, KeyResult } from "../../../src/lens/query-response.ts";
import {
  A,
  B,
  C,
  fakeRoot,
  idHex,
  LensFixture,
  QUARANTINED,
  REJECTED,
  RELEASED,
} from "./lens-fixture.ts";

let fx: LensFixture;
beforeEach(() => {
  fx = new LensFixture();
});
afterEach(() => fx.close());

const T = 1_700_000_000_000;
const KEY = { concept: "acme/checkout", predicate: "status" };

const keyResults = (input: Record<string, unknown>): KeyResult[] =>
  fx.query({ ...KEY, ...input }).results as KeyResult[];
const allSeqs = (input: Record<string, unknown> = {}): number[] =>
  (fx.query({ ...KEY, lens: "all", ...input }).results as AssertionResult[]).map((r) => r.seq);

describe("retractions", () => {
  test("hide the retracted assertion and are never a result themselves", () => {
    fx.add({ agent: A, value: "x", ts: T + 1 }); // seq1, retracted by seq3
    fx.add({ agent: B, value: "y", ts: T + 2 }); // seq2
    fx.add({ agent: A, retracts: 1, ts: T + 3 }); // seq3: value null, newest ts
    for (const lens of ["latest", "consensus", "trust"]) {
      const [r] = keyResults({ lens });
      expect(r?.value).toBe("y");
      expect(r?.support).toEqual([idHex(2)]);
      expect(r?.conflict).toBe(false);
    }
    expect(allSeqs()).toEqual([2]);
  });

  test("the agent's older claim becomes its latest again", () => {
    fx.add({ agent: A, value: "x", ts: T + 1 });
    fx.add({ agent: A, value: "z", ts: T + 2 });
    fx.add({ agent: A, retracts: 2, ts: T + 3 });
    const [r] = keyResults({ lens: "consensus" });
    expect(r?.value).toBe("x");
    expect(r?.support).toEqual([idHex(1)]);
  });

  test("a key whose only assertion was retracted has no result", () => {
    fx.add({ agent: A, value: "x" });
    fx.add({ agent: A, retracts: 1 });
    expect(keyResults({ lens: "latest" })).toEqual([]);
    expect(allSeqs()).toEqual([]);
  });

  test("a retraction after as_of does not count; before it, it does", () => {
    fx.add({ agent: A, value: "x", ts: T + 1 });
    fx.add({ agent: B, value: "y", ts: T + 2 });
    fx.add({ agent: A, retracts: 1, ts: T + 3 });
    expect(allSeqs({ as_of: 2 })).toEqual([2, 1]);
    const [r] = keyResults({ lens: "consensus", as_of: 2 });
    expect(r?.conflict).toBe(true);
    expect(allSeqs({ as_of: 3 })).toEqual([2]);
  });

  test("a quarantined or rejected retraction does not count; a released one does", () => {
    fx.add({ agent: A, value: "x", ts: T + 1 });
    fx.add({ agent: A, retracts: 1, status: QUARANTINED });
    fx.add({ agent: A, retracts: 1, status: REJECTED });
    expect(allSeqs()).toEqual([1]);
    fx.add({ agent: A, retracts: 1, status: RELEASED });
    expect(allSeqs()).toEqual([]);
  });

  test("min_confidence never drops a retraction (its confidence is ignored)", () => {
    fx.add({ agent: A, value: "x", confidence: 0.9 });
    fx.add({ agent: A, retracts: 1, confidence: 0.1 });
    expect(allSeqs({ min_confidence: 0.5 })).toEqual([]);
  });
});

describe("review status", () => {
  test("quarantined and rejected are invisible; released is visible and says so", () => {
    fx.add({ agent: A, value: "q", status: QUARANTINED, ts: T + 3 });
    fx.add({ agent: B, value: "r", status: REJECTED, ts: T + 4 });
    fx.add({ agent: C, value: "ok", status: RELEASED, ts: T + 1 });
    fx.add({ agent: A, value: "ok", ts: T + 2 });
    const all = fx.query({ ...KEY, lens: "all" }).results as AssertionResult[];
    expect(all).toEqual([
      {
        id: idHex(4),
        ...KEY,
        value: "ok",
        confidence: 1,
        agent: A,
        ts: T + 2,
        seq: 4,
        status: "accepted",
      },
      {
        id: idHex(3),
        ...KEY,
        value: "ok",
        confidence: 1,
        agent: C,
        ts: T + 1,
        seq: 3,
        status: "released",
      },
    ]);
    const [r] = keyResults({ lens: "latest" });
    expect(r?.value).toBe("ok");
    expect(r?.agents).toEqual([C, A]);
    expect(r?.conflict).toBe(false);
  });
});

describe("as_of", () => {
  test("answers as at that tree size, with its root", () => {
    fx.add({ agent: A, value: "x", ts: T + 1 });
    fx.add({ agent: B, value: "y", ts: T + 2 });
    fx.add({ agent: A, value: "z", ts: T + 3 });
    const then = fx.query({ ...KEY, as_of: 2 });
    expect(then.tree_size).toBe(2);
    expect(then.root).toBe(toHex(fakeRoot(2)));
    expect(then.as_of_scope).toBe("assertions");
    expect((then.results[0] as KeyResult).value).toBe("y");
    expect((then.results[0] as KeyResult).alternatives.map((a) => a.value)).toEqual(["x"]);
    const now = fx.query({ ...KEY });
    expect(now.tree_size).toBe(3);
    expect(now.root).toBe(toHex(fakeRoot(3)));
    expect((now.results[0] as KeyResult).value).toBe("z");
    expect(fx.query({ ...KEY, as_of: 0 })).toMatchObject({
      tree_size: 0,
      results: [],
      next_cursor: null,
    });
  });

  test("beyond the current size is bad_tree_size naming as_of", () => {
    fx.add({ agent: A, value: "x" });
    let caught: unknown;
    try {
      fx.query({ ...KEY, as_of: 2 });
    } catch (e) {
      caught = e;
    }
    expect(isStemeError(caught, "bad_tree_size")).toBe(true);
    expect((caught as { field: string }).field).toBe("as_of");
  });
});

describe("min_confidence", () => {
  test("drops assertions before the lens groups them", () => {
    fx.add({ agent: A, value: "x", confidence: 0.3, ts: T + 1 });
    fx.add({ agent: B, value: "y", confidence: 0.25, ts: T + 2 });
    fx.add({ agent: C, value: "y", confidence: 0.25, ts: T + 3 });
    expect(keyResults({ lens: "consensus" })[0]?.value).toBe("y"); // 0.5 > 0.3
    const [r] = keyResults({ lens: "consensus", min_confidence: 0.3 });
    expect(r?.value).toBe("x");
    expect(r?.conflict).toBe(false);
  });

  test("an agent's latest below it falls back to its previous claim", () => {
    fx.add({ agent: A, value: "x", confidence: 0.9, ts: T + 1 });
    fx.add({ agent: A, value: "y", confidence: 0.2, ts: T + 2 });
    expect(keyResults({ lens: "latest" })[0]?.value).toBe("y");
    expect(keyResults({ lens: "latest", min_confidence: 0.5 })[0]?.value).toBe("x");
  });

  test("a missing confidence counts as 1 (kept at min_confidence 1, shown as 1)", () => {
    fx.add({ agent: A, value: "x" });
    fx.add({ agent: B, value: "y", confidence: 0.99 });
    const all = fx.query({ ...KEY, lens: "all", min_confidence: 1 }).results as AssertionResult[];
    expect(all.map((a) => [a.seq, a.confidence])).toEqual([[1, 1]]);
  });
});
