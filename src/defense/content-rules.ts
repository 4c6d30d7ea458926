/**
 * Suspicious content (SPEC §6): what in an assertion's text could steer a
 * model that later reads it. Scanned: every string of `value`, member names
 * included, at any depth, and every `evidence` item — never the concept,
 * predicate or agent (their grammar admits none of this). Three findings, each
 * its own reason code so an operator sees what was found:
 *
 * - `prompt_injection`: a curated phrase (src/defense/injection-phrases.ts);
 * - `invisible_unicode`: a character that renders as nothing or reorders the
 *   text around it — U+200B–U+200F (zero-width, LRM/RLM), U+202A–U+202E
 *   (bidi embeddings and overrides), U+2060–U+2064 (word joiner, invisible
 *   operators), U+2066–U+2069 (bidi isolates), U+FEFF (BOM / zero-width
 *   no-break space), U+E0000–U+E007F (tag characters, "ASCII smuggling");
 * - `script_tag`: `<script` followed by a non-word character, any case.
 */
import type { PreparedAssertion } from "../protocol/assertion.ts";
import { injectionPattern } from "./injection-phrases.ts";
import type { QuarantineReason } from "./quarantine-reason.ts";

const INJECTION = injectionPattern();
const INVISIBLE =
  /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u{E0000}-\u{E007F}]/u;
const SCRIPT_TAG = /<script\b/i;
/** Joins scanned strings: matches no pattern, so no phrase spans two strings. */
const SEPARATOR = "\u0000";
const NONE: readonly QuarantineReason[] = [];

/** Every string of a JSON value, member names included, depth first. */
function collectStrings(value: unknown, into: string[]): void {
  if (typeof value === "string") {
    into.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectStrings(v, into);
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      into.push(k);
      collectStrings(v, into);
    }
  }
}

/** The scanned text of an assertion: its value's strings and its evidence, separated. */
export function scannedText(item: PreparedAssertion): string {
  const { value, evidence } = item.assertion;
  if (evidence === undefined && typeof value !== "object") {
    return typeof value === "string" ? value : ""; // the common case: no array to build
  }
  const strings: string[] = [];
  collectStrings(item.assertion.value, strings);
  if (item.assertion.evidence !== undefined) strings.push(...item.assertion.evidence);
  return strings.join(SEPARATOR);
}

/** The suspicious-content reasons that apply to `text`, in table order. */
export function contentFindings(text: string): readonly QuarantineReason[] {
  if (text === "") return NONE;
  const found: QuarantineReason[] = [];
  if (INJECTION.test(text)) found.push("prompt_injection");
  if (INVISIBLE.test(text)) found.push("invisible_unicode");
  if (SCRIPT_TAG.test(text)) found.push("script_tag");
  return found.length === 0 ? NONE : found;
}

/** The rule as the quarantine policy runs it. */
export function suspiciousContent(item: PreparedAssertion): readonly QuarantineReason[] {
  return contentFindings(scannedText(item));
}
