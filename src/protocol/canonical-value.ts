/**
 * The RFC 8785 encoding of `value` as it stands inside C (SPEC §2.2). In
 * canonical form the top-level members sort as agent, concept, confidence,
 * evidence, predicate, retracts, ts, v, value: `value` is always last and
 * `"v":1` just before it, and no earlier member can hold the unescaped text
 * `,"v":1,"value":`. So the value's canonical bytes are a slice of C — no second
 * canonicalization, and no second copy on disk (the store derives it on read).
 */
import { StemeError } from "../errors.ts";

const VALUE_MARK = ',"v":1,"value":';
const decoder = new TextDecoder();

export function valueCanonicalFromC(c: string): string {
  const at = c.indexOf(VALUE_MARK);
  if (at < 0 || !c.endsWith("}")) {
    throw new StemeError("bad_format_version", "canonical assertion lacks its value member");
  }
  return c.slice(at + VALUE_MARK.length, -1);
}

/** The same, from the canonical bytes as stored. */
export function valueFromCanonical(canonical: Uint8Array): string {
  return valueCanonicalFromC(decoder.decode(canonical));
}
