/**
 * Property tests (fast-check) of the lens rules (SPEC §4) over generated keys:
 * the answer does not depend on the order rows arrive in; `latest` takes the
 * value of the greatest (ts, seq); `consensus` takes the heaviest group of the
 * agents' latest assertions; agreement is a share in [0, 1]; support and
 * agents name exactly the winning group; an agent counts once. And cursors:
 * what encodeCursor issues decodes to the same position, and any other text
 * is refused with bad_cursor, never another error.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { StemeError } from "../../src/errors.ts";
import { toHex } from "../../src/hex.ts";
import { resolveConsensus, trustResolver } from "../../src/lens/consensus.ts";
import { type CursorScope, decodeCursor, encodeCursor } from "../../src/lens/cursor.ts";
import { agentsLatest } from "../../src/lens/groups.ts";
import { resolveLatest } from "../../src/lens/latest.ts";
import type { KeyResult } from "../../src/lens/query-response.ts";
import type { KeyAssertions, VisibleAssertion } from "../../src/store/query-store.ts";

const RUNS = Number(process.env.STEMEDB_PROPERTY_RUNS ?? 300);
const key = { concept: "acme/svc", predicate: "status" };

/** 1-12 visible assertions of one key: few agents and values, so groups and ties happen. */
const rows = fc
  .array(
    fc.record({
      agent: fc.constantFrom("a1", "a2", "a3", "a4"),
      value: fc.constantFrom('"up"', '"down"', "1", "null", '{"x":1}'),
      confidence: fc.constantFrom(0, 0.25, 0.5, 0.9, 1),
      ts: fc.integer({ min: 1, max: 6 }),
    }),
    { minLength: 1, maxLength: 12 },
  )
  .map((rs) =>
    rs.map(
      (r, i): VisibleAssertion => ({
        ...r,
        ...key,
        seq: i + 1,
        id: Uint8Array.from({ length: 32 }, (_, j) => (j === 0 ? i + 1 : 0)),
        status: 1,
      }),
    ),
  );

const keyOf = (rs: VisibleAssertion[]): KeyAssertions => ({ key, rows: rs, last: true });
const permuted = (rs: VisibleAssertion[], seed: number) =>
  [...rs].sort((a, b) => ((a.seq * 7919 + seed) % 13) - ((b.seq * 7919 + seed) % 13));

function wellFormed(r: KeyResult, rs: VisibleAssertion[]) {
  expect(r.agreement).toBeGreaterThanOrEqual(0);
  expect(r.agreement).toBeLessThanOrEqual(1 + 1e-12);
  expect(r.conflict).toBe(r.alternatives.length > 0);
  const latest = agentsLatest(rs);
  const winners = latest.filter(
    (a) => JSON.stringify(JSON.parse(a.value)) === JSON.stringify(r.value),
  );
  expect([...r.support].sort()).toEqual(winners.map((a) => toHex(a.id)).sort());
  expect(new Set(r.agents).size).toBe(r.agents.length); // an agent counts once
  const named = [r.agents, ...r.alternatives.map((a) => a.agents)].flat();
  expect(named.sort()).toEqual(latest.map((a) => a.agent).sort());
}

test("latest: the value of the greatest (ts, seq), whatever the row order", () => {
  fc.assert(
    fc.property(rows, fc.nat(), (rs, seed) => {
      const r = resolveLatest(keyOf(rs));
      const newest = [...rs].sort((a, b) => b.ts - a.ts || b.seq - a.seq)[0] as VisibleAssertion;
      expect(r.value).toEqual(JSON.parse(newest.value));
      expect(r.confidence).toBe(newest.confidence);
      expect(resolveLatest(keyOf(permuted(rs, seed)))).toEqual(r);
      wellFormed(r, rs);
    }),
    { numRuns: RUNS },
  );
});

test("consensus: the heaviest group of the agents' latest, whatever the row order", () => {
  fc.assert(
    fc.property(rows, fc.nat(), (rs, seed) => {
      const r = resolveConsensus(keyOf(rs)) as KeyResult;
      const weights = new Map<string, number>();
      for (const a of agentsLatest(rs))
        weights.set(a.value, (weights.get(a.value) ?? 0) + a.confidence);
      const best = Math.max(...weights.values());
      expect(weights.get(canonicalOf(r.value))).toBeCloseTo(best, 9);
      expect(resolveConsensus(keyOf(permuted(rs, seed)))).toEqual(r);
      wellFormed(r, rs);
    }),
    { numRuns: RUNS },
  );
});

test("trust: agents of trust 0 are ignored; with equal trust it agrees with consensus", () => {
  fc.assert(
    fc.property(rows, (rs) => {
      const equal = trustResolver(() => 0.5)(keyOf(rs));
      expect(equal?.value).toEqual(resolveConsensus(keyOf(rs))?.value);
      const onlyA1 = trustResolver((a) => (a === "a1" ? 1 : 0))(keyOf(rs));
      if (!rs.some((a) => a.agent === "a1")) expect(onlyA1).toBeUndefined();
      else expect(onlyA1?.agents).toEqual(["a1"]);
    }),
    { numRuns: RUNS },
  );
});

function canonicalOf(v: unknown): string {
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? `{${Object.keys(v as object)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${canonicalOf((v as Record<string, unknown>)[k])}`)
        .join(",")}}`
    : JSON.stringify(v);
}

const scope: CursorScope = { lens: "latest", match: "prefix", concept: "acme" };

test("a cursor decodes to what was encoded; anything else is bad_cursor", () => {
  fc.assert(
    fc.property(
      fc.nat({ max: 1000 }),
      fc.string({ maxLength: 20 }),
      fc.string({ maxLength: 20 }),
      fc.string({ maxLength: 60 }),
      (asOf, concept, predicate, junk) => {
        const cursor = { asOf, position: { key: { concept, predicate } } };
        const text = encodeCursor(scope, cursor);
        expect(decodeCursor(text, scope, 1000)).toEqual(cursor);
        for (const bad of [
          junk,
          text.slice(1),
          `${text}A`,
          text.replace(/.$/, (c) => (c === "A" ? "B" : "A")),
        ]) {
          if (bad === text) continue;
          try {
            decodeCursor(bad, scope, 1000);
          } catch (e) {
            expect(e).toBeInstanceOf(StemeError);
            expect((e as StemeError).code).toBe("bad_cursor");
          }
        }
        expect(() => decodeCursor(text, { ...scope, lens: "consensus" }, 1000)).toThrow(StemeError);
      },
    ),
    { numRuns: RUNS },
  );
});
