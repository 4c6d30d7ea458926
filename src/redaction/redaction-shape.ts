/**
 * What a redaction looks like on the wire (SPEC §12): an ordinary protocol v1
 * assertion, signed by an operator key, with
 * `concept: "_stemedb/redactions"`, `predicate: "redacts"` and
 * `value: {"target": "<64 hex id>", "reason": "<code>"}`. Concepts under
 * `_stemedb/` are reserved: this is the only shape defined there.
 *
 * Pure (no server modules): the server's plan, the SDK, the CLI and the
 * verifiers all read redactions through `redactionOf`.
 */
import { StemeError } from "../errors.ts";
import type { Assertion } from "../protocol/assertion.ts";

export const RESERVED_PREFIX = "_stemedb";
export const REDACTIONS_CONCEPT = "_stemedb/redactions";
export const REDACTS_PREDICATE = "redacts";
/** A reason is a short code, never free text: no personal data goes into a redaction. */
export const REASON_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;
const ID_PATTERN = /^[0-9a-f]{64}$/;

export interface RedactionValue {
  /** Id (64 lowercase hex) of the redacted assertion. */
  target: string;
  reason: string;
}

/** True for `_stemedb` and every concept below it (SPEC §12: operator keys only). */
export function isReservedConcept(concept: string): boolean {
  return concept === RESERVED_PREFIX || concept.startsWith(`${RESERVED_PREFIX}/`);
}

/** True when the assertion sits where redactions live (whether or not well formed). */
export function isRedactionAssertion(a: Pick<Assertion, "concept" | "predicate">): boolean {
  return a.concept === REDACTIONS_CONCEPT && a.predicate === REDACTS_PREDICATE;
}

/**
 * The redaction an assertion in `_stemedb/` makes, or the error that refuses it:
 * `reserved_concept` for anything but `_stemedb/redactions` / `redacts`,
 * `invalid_redaction` for a value that is not exactly `{target, reason}` or a
 * retraction. Assumes the assertion passed the v1 schema (SPEC §2.1).
 */
export function parseRedaction(a: Assertion): RedactionValue | StemeError {
  if (!isRedactionAssertion(a)) {
    return new StemeError(
      "reserved_concept",
      `concepts under ${RESERVED_PREFIX}/ are reserved; the only one defined is ${REDACTIONS_CONCEPT} with predicate ${REDACTS_PREDICATE} (SPEC §12)`,
      { field: a.concept === REDACTIONS_CONCEPT ? "predicate" : "concept" },
    );
  }
  if (a.retracts !== undefined) {
    return new StemeError("not_redactable", "a redaction cannot be retracted", {
      field: "retracts",
    });
  }
  const v = a.value;
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    return invalid("value", 'value must be an object {"target": "<id>", "reason": "<code>"}');
  }
  const extra = Object.keys(v).filter((k) => k !== "target" && k !== "reason");
  if (extra.length > 0) return invalid(`value.${extra[0]}`, "value holds only target and reason");
  if (typeof v.target !== "string" || !ID_PATTERN.test(v.target)) {
    return invalid("value.target", "target must be an assertion id: 64 lowercase hex chars");
  }
  if (typeof v.reason !== "string" || !REASON_PATTERN.test(v.reason)) {
    return invalid(
      "value.reason",
      "reason must be a code matching ^[a-z][a-z0-9_]{0,31}$ (no personal data in a redaction)",
    );
  }
  return { target: v.target, reason: v.reason };
}

/** The redaction a stored or received assertion makes, or undefined when it makes none. */
export function redactionOf(a: Assertion): RedactionValue | undefined {
  if (!isRedactionAssertion(a)) return undefined;
  const parsed = parseRedaction(a);
  return parsed instanceof StemeError ? undefined : parsed;
}

function invalid(field: string, detail: string): StemeError {
  return new StemeError("invalid_redaction", detail, { field });
}
