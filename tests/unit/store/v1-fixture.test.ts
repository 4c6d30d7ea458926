/**
 * State written by schema v1 still opens (issue 9): a copy of the on-disk v1
 * fixture (tests/unit/store/fixtures/v1, written by v1 code) is opened with
 * the current code, which migrates it to schema v2 in SQL — the log is not
 * replayed — and every recorded read (queries under each lens and match kind,
 * history, assertions by id, inclusion and consistency proofs, quarantine
 * listings, the agent registry) gets v1's answer. Schema v2 orders keys by
 * interned id within a concept, and by concept id without a concept filter:
 * per-key results are compared as sets of keys; `all` keeps its (ts, seq) order.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jsonLogger } from "../../../src/logger.ts";
import { migrate } from "../../../src/store/migrate.ts";
import { MIGRATIONS } from "../../../src/store/migrations/index.ts";
import { verifyDataDir } from "../../../src/verify/verify-data-dir.ts";
import { type Exchange, type FixtureApp, openFixtureApp, send } from "./fixtures/v1/fixture-app.ts";

const FIXTURE = join(import.meta.dir, "fixtures", "v1");
const recorded = JSON.parse(readFileSync(join(FIXTURE, "expected.json"), "utf8")) as {
  tree_size: number;
  expected: Exchange[];
};

let dir: string;
let fx: FixtureApp;
let openMs: number;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "stemedb-v1-fixture-"));
  cpSync(join(FIXTURE, "data"), dir, { recursive: true });
  chmodSync(join(dir, "node.key"), 0o600); // git keeps no file modes but the executable bit
  const started = performance.now();
  fx = await openFixtureApp(dir);
  openMs = performance.now() - started;
});
afterAll(async () => {
  await fx.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Per-key lens results in key order (schema v2 may list keys in another order than v1). */
function normalized(e: { path: string; json: unknown }): unknown {
  // Registry entries gained `role` (migration 0004, SPEC §12): a v1 entry reads as role "agent".
  if (e.path.startsWith("/v1/agents")) {
    return JSON.parse(JSON.stringify(e.json), (k, v) =>
      k === "role" && v === "agent" ? undefined : v,
    );
  }
  const json = e.json as { results?: { concept: string; predicate: string }[] };
  if (!e.path.startsWith("/v1/query") || e.path.includes("lens=all") || !json.results) return json;
  const key = (r: { concept: string; predicate: string }) => `${r.concept}\n${r.predicate}`;
  return { ...json, results: [...json.results].sort((a, b) => (key(a) < key(b) ? -1 : 1)) };
}

describe("a v1 data dir opened by schema v2 code", () => {
  test("migrates in SQL: schema v2 in place, nothing replayed from the log", () => {
    expect(fx.engine.recovery.replayedRecords).toBe(0);
    expect(fx.engine.treeHead().tree_size).toBe(recorded.tree_size);
    const db = new Database(join(dir, "db", "state.sqlite"), { readonly: true });
    const names = db.query("SELECT name FROM schema_migrations ORDER BY name").all();
    expect(names.map((r) => (r as { name: string }).name)).toEqual(MIGRATIONS.map((m) => m.name));
    const columns = db.query("SELECT name FROM pragma_table_info('assertions')").all();
    expect(columns.map((r) => (r as { name: string }).name)).not.toContain("concept_rev");
    // Interned in first-seen order, as the apply path interns them.
    const byId = db.query("SELECT path FROM concepts ORDER BY id").all();
    const firstSeen = db
      .query(`SELECT c.path FROM assertions AS a JOIN concepts AS c ON c.id = a.concept
              GROUP BY a.concept ORDER BY min(a.seq)`)
      .all();
    expect(byId).toHaveLength(10);
    expect(byId).toEqual(firstSeen);
    db.close();
    console.log(`v1 fixture: opened and migrated in ${openMs.toFixed(1)} ms`);
  });

  test("every recorded read gets v1's answer", async () => {
    for (const e of recorded.expected) {
      const got = await send(fx, e.method, e.path, undefined, e.auth);
      expect({ path: e.path, status: got.status }).toEqual({ path: e.path, status: e.status });
      expect(normalized({ path: e.path, json: got.json })).toEqual(normalized(e));
    }
  });

  test("the migrated data dir verifies (ids, signatures, columns, Merkle nodes, log)", async () => {
    await fx.close();
    const report = await verifyDataDir(dir);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    fx = await openFixtureApp(dir); // reopened: already at v2, nothing to migrate
  });
});

test("verify on a v1 data dir that was never opened says how to migrate it", async () => {
  const copy = mkdtempSync(join(tmpdir(), "stemedb-v1-verify-"));
  try {
    cpSync(join(FIXTURE, "data"), copy, { recursive: true });
    const report = await verifyDataDir(copy);
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => !c.ok).map((c) => c.detail)).toEqual([
      expect.stringContaining(
        "lacks migration(s) 0003-interned-keys, 0004-redaction, 0005-key-heads, 0006-free-space-zeroed: open it read-write once",
      ),
    ]);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test("a large migration logs its progress between row ranges", () => {
  const copy = mkdtempSync(join(tmpdir(), "stemedb-v1-progress-"));
  try {
    cpSync(join(FIXTURE, "data", "db"), copy, { recursive: true });
    const db = new Database(join(copy, "state.sqlite"), { strict: true });
    const lines: string[] = [];
    // The same migrations (same SQL, same hashes), copying 4 rows per range.
    const small = MIGRATIONS.map((m) => (m.copy ? { ...m, copy: { ...m.copy, rows: 4 } } : m));
    expect(
      migrate(
        db,
        small,
        jsonLogger("info", (l) => lines.push(l)),
      ),
    ).toBe(4); // 0003 (copied in ranges), 0004, 0005 and 0006
    const msgs = lines.map((l) => JSON.parse(l) as { msg: string; rows: number; of?: number });
    expect(msgs.map((m) => [m.msg, m.rows])).toEqual([
      ["migrating the state", 15],
      ["migration progress", 4],
      ["migration progress", 8],
      ["migration progress", 12],
      ["migrated the state", 15],
    ]);
    expect(migrate(db)).toBe(0); // recorded with the shipped hash
    expect(db.query("SELECT count(*) AS n FROM assertions").get()).toEqual({ n: 15 });
    db.close();
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
