/**
 * Opaque page cursors for `/v1/query` (SPEC §4 `cursor`, `next_cursor`).
 *
 * A cursor is base64url (RFC 4648 §5, no padding) of the JSON array
 * `[1, as_of, "k", concept, predicate, tag]` (per-key lenses: the last key
 * returned) or `[1, as_of, "t", ts, seq, tag]` (`all`: the last assertion
 * returned). `as_of` pins the whole walk to the tree size of its first page, so
 * rows that arrive meanwhile neither shift nor repeat results. `tag` is the
 * first 8 bytes (hex) of BLAKE3 over the query's scope (lens and filters, not
 * `limit`) and the rest of the array: a cursor that was altered, or that came
 * from another query, is refused with `bad_cursor`. The tag is an integrity
 * check, not a secret: a client that forges one only picks where the same
 * query resumes, and every value in it is validated.
 */
import { blake3 } from "@noble/hashes/blake3.js";
import { StemeError } from "../errors.ts";
import { toHex } from "../hex.ts";
import type { AssertionKey, TimePosition } from "../store/query-store.ts";

const VERSION = 1;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const encoder = new TextEncoder();

export type CursorPosition = { key: AssertionKey } | { time: TimePosition };

export interface Cursor {
  asOf: number;
  position: CursorPosition;
}

/** Everything a cursor must agree with: the lens and its filters, in a fixed order. */
export interface CursorScope {
  lens: string;
  match: string;
  concept?: string;
  predicate?: string;
  agent?: string;
  min_confidence?: number;
}

function scopeText(s: CursorScope): string {
  return JSON.stringify([
    s.lens,
    s.match,
    s.concept ?? null,
    s.predicate ?? null,
    s.agent ?? null,
    s.min_confidence ?? null,
  ]);
}

type Body = [number, number, "k", string, string] | [number, number, "t", number, number];

function tagOf(scope: CursorScope, body: Body): string {
  const digest = blake3(encoder.encode(`${scopeText(scope)}\n${JSON.stringify(body)}`));
  return toHex(digest.subarray(0, 8));
}

export function encodeCursor(scope: CursorScope, cursor: Cursor): string {
  const p = cursor.position;
  const body: Body =
    "key" in p
      ? [VERSION, cursor.asOf, "k", p.key.concept, p.key.predicate]
      : [VERSION, cursor.asOf, "t", p.time.ts, p.time.seq];
  return Buffer.from(JSON.stringify([...body, tagOf(scope, body)])).toString("base64url");
}

function refuse(why: string): StemeError {
  return new StemeError(
    "bad_cursor",
    `cursor ${why}; pass next_cursor exactly as returned, with the same lens and filters, or drop it to start over`,
    { field: "cursor" },
  );
}

const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

/**
 * Decodes a cursor issued for `scope`. Throws `bad_cursor` (field `cursor`)
 * when it is malformed, altered, from another query or beyond `treeSize`.
 */
export function decodeCursor(text: string, scope: CursorScope, treeSize: number): Cursor {
  if (!BASE64URL.test(text)) throw refuse("is not base64url");
  const bytes = Buffer.from(text, "base64url");
  if (bytes.toString("base64url") !== text) throw refuse("is not canonical base64url");
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw refuse("does not decode");
  }
  if (!Array.isArray(parsed) || parsed.length !== 6) throw refuse("does not decode");
  const [version, asOf, kind, a, b, tag] = parsed as unknown[];
  if (version !== VERSION) throw refuse(`has unknown version ${JSON.stringify(version)}`);
  if (!isCount(asOf)) throw refuse("does not decode");
  const expected = scope.lens === "all" ? "t" : "k";
  if (kind !== expected) throw refuse("belongs to a different lens");
  let body: Body;
  let position: CursorPosition;
  if (kind === "k" && typeof a === "string" && typeof b === "string") {
    body = [VERSION, asOf, kind, a, b];
    position = { key: { concept: a, predicate: b } };
  } else if (kind === "t" && isCount(a) && isCount(b)) {
    body = [VERSION, asOf, kind, a, b];
    position = { time: { ts: a, seq: b } };
  } else {
    throw refuse("does not decode");
  }
  if (tag !== tagOf(scope, body)) throw refuse("was altered or belongs to a different query");
  if (asOf > treeSize) throw refuse(`is beyond the current tree size ${treeSize}`);
  return { asOf, position };
}
