import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { isStemeError } from "../../../src/errors.ts";
import { leafHash } from "../../../src/merkle/hash.ts";
import { descendantRange, reverseConcept } from "../../../src/store/concept-path.ts";
import { migrate } from "../../../src/store/migrate.ts";
import { MIGRATIONS } from "../../../src/store/migrations/index.ts";
import { State } from "../../../src/store/state.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

describe("migrations", () => {
  test("apply once, record their hash, and refuse edited or unknown ones", () => {
    const db = new Database(":memory:");
    expect(migrate(db)).toBe(MIGRATIONS.length);
    expect(migrate(db)).toBe(0);
    const edited = MIGRATIONS.map((m) => ({ ...m, sql: `${m.sql}\n-- edited` }));
    expect(() => migrate(db, edited)).toThrow(/different SQL/);
    db.run("INSERT INTO schema_migrations VALUES ('9999-future', 'x', 0)");
    try {
      migrate(db);
      throw new Error("unreachable");
    } catch (e) {
      expect(isStemeError(e, "bad_format_version")).toBe(true);
    }
  });

  test("the state database runs in WAL mode", () => {
    using dir = tempDir();
    const state = State.open(`${dir.path}/s.sqlite`);
    expect(
      state.db.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()?.journal_mode,
    ).toBe("wal");
    state.close();
  });
});

describe("concept paths", () => {
  test("reverse whole segments", () => {
    expect(reverseConcept("acme/web/auth/login")).toBe("login/auth/web/acme");
    expect(reverseConcept("solo")).toBe("solo");
  });

  test("descendant range excludes siblings that sort between '-' '.' and '/'", () => {
    const { low, high } = descendantRange("acme");
    const inRange = (c: string) => c >= low && c < high;
    expect(inRange("acme/x")).toBe(true);
    expect(inRange("acme/x/y")).toBe(true);
    expect(inRange("acme")).toBe(false); // equality is matched separately
    expect(inRange("acme-corp/x")).toBe(false);
    expect(inRange("acme.io/x")).toBe(false);
    expect(inRange("acme0")).toBe(false);
    expect(inRange("acmez")).toBe(false);
  });
});

describe("SqliteNodeStore", () => {
  test("derives leaf hashes from assertion ids and stores inner nodes", () => {
    const db = new Database(":memory:");
    migrate(db);
    const state = new State(db);
    const id = new Uint8Array(32).fill(9);
    state.assertions.insert({
      seq: 1,
      id,
      concept: "a",
      predicate: "p",
      agent: "00".repeat(32),
      confidence: null,
      ts: 0,
      retracts: null,
      status: 1,
      reasons: [],
      received_at: 0,
      canonical: new Uint8Array([1]),
      sig: new Uint8Array(64),
    });
    expect(state.nodes.get(0, 0)).toEqual(leafHash(id));
    expect(state.nodes.get(0, 1)).toBeUndefined();
    state.nodes.put(0, 5, new Uint8Array(32)); // ignored: derived
    expect(state.nodes.get(0, 5)).toBeUndefined();
    const h = new Uint8Array(32).fill(3);
    state.nodes.put(3, 7, h);
    expect(state.nodes.get(3, 7)).toEqual(h);
    expect(state.nodes.get(3, 8)).toBeUndefined();
  });
});
