/**
 * Cursors (src/lens/cursor.ts): opaque, pinned to a tree size, and refused
 * with `bad_cursor` (field `cursor`) when malformed, altered or foreign.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { isStemeError } from "../../../src/errors.ts";
import { decodeCursor, encodeCursor } from "../../../src/lens/cursor.ts";
import { A, B, LensFixture } from "./lens-fixture.ts";

let fx: LensFixture;
beforeEach(() => {
  fx = new LensFixture();
  for (const concept of ["k/a", "k/b", "k/c"]) {
    fx.add({ concept, agent: A });
    fx.add({ concept, agent: B });
  }
});
afterEach(() => fx.close());

function refusal(input: Record<string, unknown>): { code: string; field: string | undefined } {
  try {
    fx.query(input);
  } catch (e) {
    if (isStemeError(e)) return { code: e.code, field: e.field };
    throw e;
  }
  throw new Error("expected the query to be refused");
}

const BAD = { code: "bad_cursor", field: "cursor" };
const PREFIX = { concept: "k", match: "prefix", limit: 1 };

function cursorOf(input: Record<string, unknown>): string {
  const c = fx.query(input).next_cursor;
  if (c === null) throw new Error("expected a next_cursor");
  return c;
}

describe("cursor", () => {
  test("is URL-safe and round-trips", () => {
    const scope = { lens: "latest", match: "prefix", concept: "k" };
    const c = encodeCursor(scope, {
      asOf: 7,
      position: { key: { concept: "k/a", predicate: "status" } },
    });
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c, scope, 7)).toEqual({
      asOf: 7,
      position: { key: { concept: "k/a", predicate: "status" } },
    });
  });

  test("garbage, truncated or altered cursors are refused", () => {
    const c = cursorOf(PREFIX);
    expect(refusal({ ...PREFIX, cursor: "not a cursor!" })).toEqual(BAD);
    expect(refusal({ ...PREFIX, cursor: c.slice(0, -3) })).toEqual(BAD);
    expect(refusal({ ...PREFIX, cursor: Buffer.from("[1,2,3]").toString("base64url") })).toEqual(
      BAD,
    );
    // Change the key inside while keeping the JSON valid: the tag no longer matches.
    const body = JSON.parse(Buffer.from(c, "base64url").toString()) as unknown[];
    body[3] = "k/b";
    expect(
      refusal({ ...PREFIX, cursor: Buffer.from(JSON.stringify(body)).toString("base64url") }),
    ).toEqual(BAD);
    for (let i = 0; i < c.length; i += 7) {
      const flipped = c.slice(0, i) + (c[i] === "A" ? "B" : "A") + c.slice(i + 1);
      expect(refusal({ ...PREFIX, cursor: flipped })).toEqual(BAD);
    }
  });

  test("a cursor from another query or lens is refused", () => {
    const c = cursorOf(PREFIX);
    expect(refusal({ ...PREFIX, concept: "k/a", cursor: c })).toEqual(BAD);
    expect(refusal({ ...PREFIX, lens: "consensus", cursor: c })).toEqual(BAD);
    expect(refusal({ ...PREFIX, lens: "all", cursor: c })).toEqual(BAD);
    expect(refusal({ ...PREFIX, min_confidence: 0.5, cursor: c })).toEqual(BAD);
    expect(refusal({ ...PREFIX, agent: A, cursor: c })).toEqual(BAD);
    // limit is not part of the query's identity
    expect(fx.query({ ...PREFIX, limit: 5, cursor: c }).results).toHaveLength(2);
  });

  test("an as_of that disagrees with the cursor's is refused; the same one is fine", () => {
    const c = cursorOf({ ...PREFIX, as_of: 4 });
    expect(refusal({ ...PREFIX, as_of: 5, cursor: c })).toEqual(BAD);
    expect(fx.query({ ...PREFIX, as_of: 4, cursor: c }).tree_size).toBe(4);
    expect(fx.query({ ...PREFIX, cursor: c }).tree_size).toBe(4);
  });

  test("a cursor beyond the current tree size is refused", () => {
    const scope = { lens: "latest", match: "prefix", concept: "k" };
    const c = encodeCursor(scope, {
      asOf: 99,
      position: { key: { concept: "k/a", predicate: "status" } },
    });
    expect(refusal({ ...PREFIX, cursor: c })).toEqual(BAD);
  });
});
