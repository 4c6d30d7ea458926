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

/** A row for `AssertionTable.insert` with the given id and concept. */
function row(seq: number, id: Uint8Array, concept: string, retracts: Uint8Array | null = null) {
  const text = `{"agent":"${"00".repeat(32)}","concept":"${concept}","predicate":"p","ts":0,"v":1,"value":${seq}}`;
  return {
    seq,
    id,
    concept,
    predicate: "p",
    agent: "00".repeat(32),
    confidence: null,
    ts: 0,
    retracts,
    status: 1,
    reasons: [],
    received_at: 0,
    canonical: new TextEncoder().encode(text),
    sig: new Uint8Array(64),
  };
}

/** An id whose first 8 bytes are `prefix` and last byte `tail`. */
function idWith(prefix: number, tail: number): Uint8Array {
  const id = new Uint8Array(32).fill(prefix);
  id[31] = tail;
  return id;
}

describe("schema v2 store", () => {
  test("keys are interned in first-seen order, and a rolled-back key is forgotten", () => {
    const state = State.open(":memory:");
    expect(() =>
      state.transaction(() => {
        state.assertions.insert(row(1, idWith(1, 1), "gone/x"));
        throw new Error("roll back");
      }),
    ).toThrow("roll back");
    expect(state.keys.concepts.id("gone/x")).toBeUndefined();
    state.transaction(() => {
      state.assertions.insert(row(1, idWith(1, 1), "b/y"));
      state.assertions.insert(row(2, idWith(2, 2), "a/x"));
      state.assertions.insert(row(3, idWith(3, 3), "b/y"));
    });
    expect(state.db.query("SELECT id, path, concept_rev FROM concepts ORDER BY id").all()).toEqual([
      { id: 1, path: "b/y", concept_rev: "y/b" },
      { id: 2, path: "a/x", concept_rev: "x/a" },
    ]);
    expect(state.assertions.bySeq(3)).toMatchObject({ concept: "b/y", predicate: "p", value: "3" });
    state.close();
  });

  test("the id look-up compares the full id when 8-byte prefixes collide", () => {
    const state = State.open(":memory:");
    const [a, b, c] = [idWith(7, 1), idWith(7, 2), idWith(7, 3)];
    state.transaction(() => {
      state.assertions.insert(row(1, a, "k"));
      state.assertions.insert(row(2, b, "k", a));
    });
    expect(state.assertions.seqOf(a)).toEqual({ seq: 1, status: 1 });
    expect(state.assertions.seqOf(b)).toEqual({ seq: 2, status: 1 });
    expect(state.assertions.seqOf(c)).toBeUndefined();
    expect(state.assertions.byId(b)?.retracts).toEqual(a);
    state.assertions.setStatus(a, 2);
    expect(state.assertions.seqOf(a)).toEqual({ seq: 1, status: 2 });
    expect(state.assertions.seqOf(b)).toEqual({ seq: 2, status: 1 });
    state.close();
  });

  test("a read-only open reads the writer's rows, cannot write, and never migrates", () => {
    using dir = tempDir();
    const path = `${dir.path}/s.sqlite`;
    const writer = State.open(path);
    writer.transaction(() => writer.assertions.insert(row(1, idWith(1, 1), "acme/x")));
    const reader = State.open(path, { readonly: true });
    expect(reader.assertions.byId(idWith(1, 1))?.concept).toBe("acme/x");
    const plan = reader.query.plan(
      { concept: "acme", match: "prefix", asOf: 1, minConfidence: 0 },
      "byKey",
    );
    expect(plan.join("\n")).toMatch(/SEARCH c USING INDEX concepts_by_path/);
    expect(() =>
      reader.transaction(() => reader.assertions.insert(row(2, idWith(2, 2), "b"))),
    ).toThrow(/readonly/);
    reader.close();
    writer.close();

    // A state not at this binary's schema: refused read-only, left as it was.
    const old = new Database(`${dir.path}/old.sqlite`);
    migrate(old, MIGRATIONS.slice(0, 2));
    old.close();
    try {
      State.open(`${dir.path}/old.sqlite`, { readonly: true });
      throw new Error("unreachable");
    } catch (e) {
      expect(isStemeError(e, "bad_format_version")).toBe(true);
    }
    const after = new Database(`${dir.path}/old.sqlite`, { readonly: true });
    expect(after.query("SELECT count(*) AS n FROM schema_migrations").get()).toEqual({ n: 2 });
    after.close();
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
