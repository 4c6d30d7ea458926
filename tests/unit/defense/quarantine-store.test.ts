/**
 * The store side of quarantine: migration 0002 upgrades a database made by
 * 0001 alone, the review listings and counts read the partial indexes (never
 * the whole table), and the flood rule's read walks the agent index newest
 * first without sorting.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { migrate } from "../../../src/store/migrate.ts";
import { MIGRATIONS } from "../../../src/store/migrations/index.ts";
import { State } from "../../../src/store/state.ts";

describe("quarantine store", () => {
  test("0002 applies on top of a database made by 0001", () => {
    const db = new Database(":memory:");
    expect(migrate(db, MIGRATIONS.slice(0, 1))).toBe(1);
    expect(migrate(db)).toBe(MIGRATIONS.length - 1);
    const indexes = db
      .query<{ name: string }, []>(
        "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name",
      )
      .all()
      .map((r) => r.name);
    expect(indexes).toContain("assertions_quarantined");
    expect(indexes).toContain("assertions_flagged");
  });

  test("listings read the partial indexes; the flood read needs no sort", () => {
    const db = new Database(":memory:");
    migrate(db);
    const state = new State(db);
    const quarantine = state.quarantine;
    // The row search; the keys' text comes from rowid look-ups (schema v2), never a SCAN.
    const q = {
      plan: (f: Parameters<typeof quarantine.plan>[0]) => {
        const plan = quarantine.plan(f);
        expect(plan.filter((d) => /\bSCAN\b/.test(d))).toEqual([]);
        return plan.filter((d) => d.startsWith("SEARCH a "));
      },
      receivedTimesPlan: () => quarantine.receivedTimesPlan(),
      pendingCount: () => quarantine.pendingCount(),
      flaggedAfter: (n: number) => quarantine.flaggedAfter(n),
    };
    expect(q.plan({ status: 2 })).toEqual(["SEARCH a USING INDEX assertions_quarantined (seq>?)"]);
    expect(q.plan({ status: 2, agent: "a", concept: "c", reason: "flood" })).toEqual([
      "SEARCH a USING INDEX assertions_quarantined (seq>?)",
    ]);
    for (const f of [{}, { status: 3 as const }, { status: 4 as const, reason: "probation" }]) {
      expect(q.plan(f)).toEqual(["SEARCH a USING INDEX assertions_flagged (seq>?)"]);
    }
    expect(q.receivedTimesPlan()).toEqual([
      "SEARCH assertions USING INDEX assertions_by_agent (agent=? AND concept=? AND predicate=?)",
    ]);
    expect(q.pendingCount()).toBe(0);
    expect(q.flaggedAfter(0)).toEqual({ lastSeq: 0, byReason: new Map() });
  });
});
