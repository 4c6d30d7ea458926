/**
 * Concept matching (SPEC §4: exact, prefix, tail by whole segments, with the
 * `-`/`.`-sort-before-`/` trap of SPEC §11) and paging with cursors over keys
 * and over `all`: every result exactly once, in order, next_cursor null at the end.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type {
  AssertionResult,
  KeyResult,
  QueryResponse,
} from "../../../src/lens/query-response.ts";
import { A, B, C, LensFixture } from "./lens-fixture.ts";

let fx: LensFixture;
beforeEach(() => {
  fx = new LensFixture();
});
afterEach(() => fx.close());

const CONCEPTS = [
  "acme",
  "acme/x",
  "acme/x/y",
  "acme-corp/x", // sorts between "acme" and "acme/": the prefix trap
  "acme.io",
  "acme.io/x",
  "acmex",
  "acme/web/auth/login",
  "acme/web/oauth/login", // tail auth/login must not match (whole segments)
  "acme/web/auth/login-v2",
  "acme/web/auth-x/login", // reversed "login/auth-x/…" sorts inside [login/auth, login/auth0)
  "beta/auth/login",
  "auth/login",
  "login",
  "auth/login/extra",
];

function seedConcepts(): void {
  for (const concept of CONCEPTS) fx.add({ concept, predicate: "owner", agent: A, value: concept });
}

const concepts = (res: QueryResponse): string[] =>
  (res.results as KeyResult[]).map((r) => r.concept);

describe("match", () => {
  test("exact matches the concept only", () => {
    seedConcepts();
    expect(concepts(fx.query({ concept: "acme" }))).toEqual(["acme"]);
    expect(concepts(fx.query({ concept: "acme", match: "exact" }))).toEqual(["acme"]);
    expect(concepts(fx.query({ concept: "nope" }))).toEqual([]);
  });

  test("prefix acme: acme and acme/…, never acme-corp/x, acme.io or acmex", () => {
    seedConcepts();
    expect(concepts(fx.query({ concept: "acme", match: "prefix" }))).toEqual([
      "acme",
      "acme/web/auth-x/login",
      "acme/web/auth/login",
      "acme/web/auth/login-v2",
      "acme/web/oauth/login",
      "acme/x",
      "acme/x/y",
    ]);
    expect(concepts(fx.query({ concept: "acme.io", match: "prefix" }))).toEqual([
      "acme.io",
      "acme.io/x",
    ]);
    expect(concepts(fx.query({ concept: "acme/x", match: "prefix" }))).toEqual([
      "acme/x",
      "acme/x/y",
    ]);
  });

  test("tail auth/login: whole trailing segments (SPEC §4 example), in reversed-path order", () => {
    seedConcepts();
    // Reversed paths: login/auth < login/auth/beta < login/auth/web/acme.
    expect(concepts(fx.query({ concept: "auth/login", match: "tail" }))).toEqual([
      "auth/login",
      "beta/auth/login",
      "acme/web/auth/login",
    ]);
    expect(concepts(fx.query({ concept: "login", match: "tail" }))).toEqual([
      "login",
      "auth/login",
      "acme/web/auth-x/login", // login/auth-x/… : "-" sorts before "/"
      "beta/auth/login",
      "acme/web/auth/login",
      "acme/web/oauth/login",
    ]);
  });

  test("prefix and tail with a predicate, and with an agent", () => {
    for (const concept of ["acme", "acme/a", "acme/b", "acme-corp/a", "z/acme"]) {
      fx.add({ concept, predicate: "owner", agent: A, value: 1 });
      fx.add({ concept, predicate: "status", agent: B, value: 2 });
    }
    const keys = (res: QueryResponse) =>
      (res.results as KeyResult[]).map((r) => `${r.concept} ${r.predicate}`);
    expect(keys(fx.query({ concept: "acme", match: "prefix", predicate: "status" }))).toEqual([
      "acme status",
      "acme/a status",
      "acme/b status",
    ]);
    expect(keys(fx.query({ concept: "acme", match: "prefix", agent: A }))).toEqual([
      "acme owner",
      "acme/a owner",
      "acme/b owner",
    ]);
    expect(keys(fx.query({ concept: "acme", match: "tail", predicate: "owner" }))).toEqual([
      "acme owner",
      "z/acme owner",
    ]);
    expect(keys(fx.query({ concept: "acme", match: "tail", agent: B }))).toEqual([
      "acme status",
      "z/acme status",
    ]);
    // Without a concept filter, keys come in concept id order: first recorded first.
    expect(keys(fx.query({ predicate: "owner" }))).toEqual([
      "acme owner",
      "acme/a owner",
      "acme/b owner",
      "acme-corp/a owner",
      "z/acme owner",
    ]);
    expect(keys(fx.query({ agent: B, predicate: "status" }))).toHaveLength(5);
    expect(keys(fx.query({ agent: A }))).toEqual(keys(fx.query({ predicate: "owner" })));
  });
});

/** Walks every page of `input` at `limit`, returning each page's results. */
function walk(input: Record<string, unknown>, limit: number): unknown[][] {
  const pages: unknown[][] = [];
  let cursor: string | null = null;
  do {
    const res: QueryResponse = fx.query({
      ...input,
      limit,
      ...(cursor === null ? {} : { cursor }),
    });
    pages.push(res.results);
    cursor = res.next_cursor;
    expect(pages.length).toBeLessThan(1000);
  } while (cursor !== null);
  return pages;
}

describe("pages over keys", () => {
  // 4 concepts under acme × 3 predicates, agents alternating, plus decoys outside.
  function seedKeys(): void {
    let i = 0;
    for (const concept of [
      "acme",
      "acme/a",
      "acme/a/b",
      "acme/c",
      "acme-corp",
      "x/acme",
      "x/y/acme",
    ]) {
      for (const predicate of ["owner", "size", "status"]) {
        fx.add({ concept, predicate, agent: [A, B, C][i % 3], value: i });
        fx.add({ concept, predicate, agent: [A, B, C][(i + 1) % 3], value: i + 1 });
        i++;
      }
    }
  }

  const cases: [string, Record<string, unknown>, number][] = [
    ["exact", { concept: "acme" }, 3],
    ["prefix", { concept: "acme", match: "prefix" }, 12],
    ["tail", { concept: "acme", match: "tail" }, 9],
    ["prefix + predicate", { concept: "acme", match: "prefix", predicate: "size" }, 4],
    ["tail + predicate", { concept: "acme", match: "tail", predicate: "size" }, 3],
    ["predicate only", { predicate: "status" }, 7],
    ["agent only", { agent: A }, 14],
    ["agent + predicate", { agent: B, predicate: "owner" }, 7],
  ];
  for (const [name, input, total] of cases) {
    test(`${name}: every key exactly once at every page size`, () => {
      seedKeys();
      const whole = fx.query({ ...input, limit: 1000 });
      expect(whole.next_cursor).toBeNull();
      expect(whole.results).toHaveLength(total);
      for (const limit of [1, 2, 3, 5, total, total + 1]) {
        const pages = walk(input, limit);
        expect(pages.flat()).toEqual(whole.results);
        for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
        // A page ends early only at the end; a walk never ends on an empty page.
        expect(pages[pages.length - 1]?.length).toBeGreaterThan(0);
      }
    });
  }

  test("a walk is pinned to the tree size of its first page", () => {
    seedKeys();
    const first = fx.query({ concept: "acme", match: "prefix", limit: 2 });
    fx.add({ concept: "acme/a", predicate: "a-new", agent: A, value: "late" }); // sorts inside the walk
    fx.add({
      concept: "acme/a",
      predicate: "owner",
      agent: A,
      value: "changed",
      ts: 2_000_000_000_000,
    });
    const second = fx.query({
      concept: "acme",
      match: "prefix",
      limit: 100,
      cursor: first.next_cursor,
    });
    expect(second.tree_size).toBe(first.tree_size);
    expect([...first.results, ...second.results]).toEqual(
      fx.query({ concept: "acme", match: "prefix", as_of: first.tree_size }).results,
    );
  });
});

describe("pages over all", () => {
  test("every visible assertion exactly once, newest first, ts ties by seq", () => {
    const ts = [5, 3, 5, 1, 3, 3, 9, 5, 2, 5, 5, 7];
    for (const [i, t] of ts.entries()) {
      fx.add({
        concept: i % 2 === 0 ? "acme/a" : "acme/b",
        agent: [A, B, C][i % 3],
        value: i,
        ts: t,
      });
    }
    fx.add({ concept: "acme/a", agent: A, retracts: 1 }); // hides seq1, itself never a result
    fx.add({ concept: "acme-corp", agent: A, value: "decoy", ts: 4 });
    const input = { concept: "acme", match: "prefix", lens: "all" };
    const whole = fx.query({ ...input, limit: 1000 }).results as AssertionResult[];
    // seq: ts → 2:3 3:5 4:1 5:3 6:3 7:9 8:5 9:2 10:5 11:5 12:7 (seq1 retracted)
    expect(whole.map((r) => r.seq)).toEqual([7, 12, 11, 10, 8, 3, 6, 5, 2, 9, 4]);
    for (const limit of [1, 2, 3, 4, 11, 12]) {
      expect(walk(input, limit).flat()).toEqual(whole);
    }
  });

  test("exact, tail, predicate-only and agent-only work under all", () => {
    fx.add({ concept: "a/b", predicate: "p", agent: A, ts: 1 });
    fx.add({ concept: "b", predicate: "q", agent: B, ts: 2 });
    fx.add({ concept: "c/b", predicate: "p", agent: B, ts: 3 });
    const seqs = (input: Record<string, unknown>) =>
      (fx.query({ ...input, lens: "all" }).results as AssertionResult[]).map((r) => r.seq);
    expect(seqs({ concept: "b" })).toEqual([2]);
    expect(seqs({ concept: "b", match: "tail" })).toEqual([3, 2, 1]);
    expect(seqs({ concept: "b", match: "tail", predicate: "p" })).toEqual([3, 1]);
    expect(seqs({ predicate: "p" })).toEqual([3, 1]);
    expect(seqs({ agent: B })).toEqual([3, 2]);
    expect(seqs({ agent: B, concept: "c", match: "prefix" })).toEqual([3]);
  });
});
