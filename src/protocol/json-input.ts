/**
 * The I-JSON gate (RFC 7493) every client document passes before its schema is
 * checked (SPEC §2.2). `parseJsonText` turns text into a value or a `bad_json`
 * error; `assertIJson` then rejects what I-JSON forbids and JSON.parse lets
 * through: strings or member names holding a lone surrogate (RFC 7493 §2.1,
 * `bad_unicode`, which RFC 8785 §3.2.2.2 could not canonicalize anyway). For
 * values built in JS rather than parsed (the SDK), it also rejects what JSON
 * cannot carry: NaN and ±Infinity (RFC 7493 §2.2), `undefined` inside arrays,
 * functions, symbols, bigints and non-plain objects; an object member whose
 * value is `undefined` counts as absent, as in `JSON.stringify`.
 *
 * Duplicate member names (RFC 7493 §2.3 says MUST NOT): SPEC §2.2 allows either
 * rejecting them or letting the last one win; StemeDB lets the last one win, as
 * `JSON.parse` does. That is safe because the id and signature are computed over
 * the canonical form of the parsed object, so the signer must have signed the
 * last-wins view, and only that canonical view is stored and served.
 *
 * Nesting is capped at `MAX_JSON_DEPTH` levels so that no recursive step later
 * (canonicalization, storage) can exhaust the stack; the spec is silent here.
 */
import { StemeError } from "../errors.ts";

/** Deepest nesting accepted in one assertion, the assertion object itself being level 1. */
export const MAX_JSON_DEPTH = 100;

/** `JSON.parse`, with a syntax error turned into `StemeError` `bad_json` (HTTP 400). */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new StemeError(
      "bad_json",
      `body is not valid JSON: ${(cause as Error).message}`,
      {},
      cause,
    );
  }
}

type PathPart = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `value.a[3]["not an identifier"]`: a field path for error context, JSON-escaped where needed. */
export function formatFieldPath(path: readonly PathPart[]): string | undefined {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (out === "" && IDENTIFIER.test(part)) out = part;
    else if (IDENTIFIER.test(part)) out += `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out === "" ? undefined : out;
}

function fail(code: "bad_unicode" | "invalid_field", what: string, path: PathPart[]): never {
  const field = formatFieldPath(path);
  throw new StemeError(
    code,
    `${field ?? "document"} ${what}`,
    field === undefined ? {} : { field },
  );
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function check(value: unknown, path: PathPart[], depth: number): void {
  switch (typeof value) {
    case "string":
      if (!value.isWellFormed()) {
        fail("bad_unicode", "holds a lone surrogate, which I-JSON forbids (RFC 7493 §2.1)", path);
      }
      return;
    case "number":
      if (!Number.isFinite(value)) {
        fail("invalid_field", "is not a finite number (RFC 7493 §2.2)", path);
      }
      return;
    case "boolean":
      return;
    case "object":
      break;
    default:
      fail("invalid_field", `is not a JSON value (got ${typeof value})`, path);
  }
  if (value === null) return;
  if (depth >= MAX_JSON_DEPTH) {
    // Report the top-level field only: the full path would be as deep as the value.
    fail("invalid_field", `is nested deeper than ${MAX_JSON_DEPTH} levels`, path.slice(0, 1));
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      check(value[i], path, depth + 1);
      path.pop();
    }
    return;
  }
  if (!isPlainObject(value)) {
    fail("invalid_field", "is not a JSON value (not a plain object)", path);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const member = record[key];
    if (member === undefined) continue; // absent, as JSON.stringify and RFC 8785 treat it
    path.push(key);
    if (!key.isWellFormed()) {
      fail("bad_unicode", "is a member name with a lone surrogate (RFC 7493 §2.1)", path);
    }
    check(member, path, depth + 1);
    path.pop();
  }
}

/**
 * Throws `StemeError` unless `value` is I-JSON data (RFC 7493): `bad_unicode`
 * for a lone surrogate in a string or member name, `invalid_field` for
 * non-finite numbers, non-JSON types or nesting beyond `MAX_JSON_DEPTH`.
 * `context.field` is the path to the offending spot, e.g. `value.tags[2]`.
 */
export function assertIJson(value: unknown): void {
  check(value, [], 0);
}
