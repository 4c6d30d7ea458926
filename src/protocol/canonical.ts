/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), the encoding every StemeDB hash
 * and signature is computed over (SPEC §2.2). Delegates to the `canonicalize`
 * package, which follows the RFC exactly: numbers serialized as ECMAScript
 * `Number.prototype.toString` (RFC 8785 §3.2.2.3: `-0` → `0`, `1e21` → `1e+21`,
 * `1e-7` → `1e-7`), strings escaped as `JSON.stringify` does (§3.2.2.2: only
 * `"`, `\`, and U+0000–U+001F, with the short forms `\b \t \n \f \r`; everything
 * else, U+2028 and emoji included, stays literal), object members sorted by
 * their names' UTF-16 code units (§3.2.3), no whitespace. Callers must hand it
 * JSON data (see `json-input.ts`): it rejects NaN, Infinity and lone surrogates
 * (RFC 7493 §2.1, §2.2), and silently drops `undefined` members as JSON does.
 */
import canonicalize from "canonicalize";
import { StemeError } from "../errors.ts";

/**
 * RFC 8785 canonical form of a JSON value, as a string.
 * Throws `StemeError` `invalid_field` for data JSON cannot carry (NaN, Infinity,
 * lone surrogates, a value that is `undefined` at the top).
 */
export function canonicalString(value: unknown): string {
  let s: string | undefined;
  try {
    s = canonicalize(value);
  } catch (cause) {
    throw new StemeError(
      "invalid_field",
      `value cannot be canonicalized as JSON (RFC 8785): ${(cause as Error).message}`,
      {},
      cause,
    );
  }
  if (s === undefined) {
    throw new StemeError("invalid_field", "value is not JSON data (undefined at the top level)");
  }
  return s;
}

const encoder = new TextEncoder();

/** RFC 8785 canonical form as UTF-8 bytes (RFC 8785 §3.2.4): what ids are hashed from. */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalString(value));
}

/** UTF-8 byte length of a string (what RFC 8785 §3.2.4 output measures), without encoding it. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, "utf8");
}
