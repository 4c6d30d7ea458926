/**
 * `key_heads` (migration 0005, src/store/key-heads.ts) against its definition:
 * after random claims, ties, retractions, quarantine and reviews, the heads the
 * writer kept are exactly each agent's latest visible assertion per key as the
 * exact path computes it from the assertion rows, for every match kind; and
 * the migration's backfill SQL rebuilds the very same table.
 */
import { describe, expect, test } from "bun:test";
import { agentsLatest } from "../../../src/lens/groups.ts";
import keyHeadsSql from "../../../src/store/migrations/0005-key-heads.ts";
import type { LensFilter, MatchKind } from "../../../src/store/query-store.ts";
import { prng } from "../../helpers/prng.ts";
import {
  A,
  ACCEPTED,
  B,
  C,
  D,
  idOf,
  LensFixture,
  QUARANTINED,
  REJECTED,
  RELEASED,
} from "../lens/lens-fixture.ts";

const CONCEPTS = ["acme/web", "acme/web/auth", "acme/db", "beta/web"];
const PREDICATES = ["status", "owner"];
const AGENTS = [A, B, C, D];

interface Added {
  seq: number;
  concept: string;
  predicate: string;
  agent: string;
  retraction: boolean;
  status: number;
}

/** Random history: claims (ties in ts on purpose), retractions, quarantine and reviews. */
function randomHistory(fx: LensFixture, seed: number, steps: number): void {
  const rng = prng(seed);
  const random = () => rng.next();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const added: Added[] = [];
  for (let i = 0; i < steps; i++) {
    const r = random();
    const status = random() < 0.2 ? QUARANTINED : ACCEPTED;
    if (r < 0.15 && added.length > 0) {
      const target = pick(added);
      if (target.retraction) continue;
      const seq = fx.add({ ...target, retracts: target.seq, status });
      added.push({ ...target, seq, retraction: true, status });
    } else if (r < 0.25) {
      const pending = added.filter((a) => a.status === QUARANTINED);
      if (pending.length === 0) continue;
      const row = pick(pending);
      row.status = random() < 0.6 ? RELEASED : REJECTED;
      fx.state.assertions.setStatus(idOf(row.seq), row.status);
    } else {
      const row = {
        concept: pick(CONCEPTS),
        predicate: pick(PREDICATES),
        agent: pick(AGENTS),
        value: pick(["ok", "degraded", { n: 1 }, "x".repeat(300)]),
        ts: 1_700_000_000_000 + Math.floor(random() * 20),
        ...(random() < 0.5 ? { confidence: Math.floor(random() * 10) / 10 } : {}),
        status,
      };
      const seq = fx.add(row);
      added.push({ ...row, seq, retraction: false });
    }
  }
}

/** Every key's rows as `byKey` returns them, by key, sorted by seq. */
function rowsByKey(fx: LensFixture, filter: LensFilter): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const k of fx.state.query.byKey(filter)) {
    const rows = filter.current ? k.rows : agentsLatest(k.rows);
    const value = rows.map(
      (r) => `${r.seq}:${r.agent.slice(0, 1)}:${r.value}:${r.confidence}:${r.status}`,
    );
    out.set(`${k.key.concept} ${k.key.predicate}`, value.sort());
  }
  return out;
}

describe("key_heads", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    test(`holds each agent's latest visible assertion per key (seed ${seed})`, () => {
      using fx = new LensFixture();
      randomHistory(fx, seed, 300);
      const queries: [string, MatchKind][] = [
        ["acme/web", "exact"],
        ["acme", "prefix"],
        ["web", "tail"],
        ["acme/db", "exact"],
      ];
      for (const [concept, match] of queries) {
        const filter = { concept, match, asOf: fx.tree.size, minConfidence: 0 };
        const heads = rowsByKey(fx, { ...filter, current: true });
        expect(heads).toEqual(rowsByKey(fx, filter));
        expect(heads.size).toBeGreaterThan(0);
      }
    });
  }

  test("the migration's backfill builds the same table the writer kept", () => {
    using fx = new LensFixture();
    randomHistory(fx, 7, 400);
    const all = () =>
      fx.state.db
        .query("SELECT * FROM key_heads ORDER BY concept, predicate, agent")
        .all() as Record<string, unknown>[];
    const kept = all();
    expect(kept.length).toBeGreaterThan(10);
    expect(kept.some((r) => r.value === null)).toBe(true); // the 300-character value
    fx.state.db.run("DROP TABLE key_heads");
    fx.state.db.run(keyHeadsSql);
    expect(all()).toEqual(kept);
  });

  test("every match kind reads heads by index searches: no scan, no sort", () => {
    using fx = new LensFixture();
    fx.add({});
    for (const match of ["exact", "prefix", "tail"] as const) {
      for (const predicate of [{}, { predicate: "status" }]) {
        const filter = {
          concept: "acme/checkout",
          match,
          asOf: 1,
          minConfidence: 0,
          current: true,
        };
        const plan = fx.state.query.plan({ ...filter, ...predicate }, "byKey");
        expect(plan).toContainEqual(
          expect.stringMatching(/^SEARCH a USING PRIMARY KEY \(concept=\?/),
        );
        expect(plan.filter((d) => /SCAN|TEMP B-TREE/.test(d))).toEqual([]);
      }
    }
  });
});
