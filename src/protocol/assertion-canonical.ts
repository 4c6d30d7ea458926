/**
 * `C` for one assertion (SPEC §2.2): the RFC 8785 encoding of the assertion
 * without `sig`, assembled from the already canonical `value` so that the value
 * (the only unbounded part) is canonicalized exactly once per ingest (SPEC §11:
 * doing it twice costs real throughput). This equals `canonicalString` of the
 * object minus `sig` because the schema admits only the fields of SPEC §2.1,
 * whose names are written below in RFC 8785 §3.2.3 order (UTF-16 code units:
 * agent < concept < confidence < evidence < predicate < retracts < ts < v <
 * value), and because every other member is a string, a number or an array of
 * strings, whose canonical forms are `JSON.stringify`'s (RFC 8785 §3.2.2.2,
 * §3.2.2.3). tests/unit/protocol checks the equality on every vector. A new
 * field in a future protocol version must be added here in its sorted place.
 */
import type { UnsignedAssertion } from "./assertion.ts";

const j = JSON.stringify;

/** RFC 8785 text of `assertion` without `sig`, given `valueCanonical` = canonical `assertion.value`. */
export function assertionCanonicalString(
  assertion: UnsignedAssertion,
  valueCanonical: string,
): string {
  let c = `{"agent":${j(assertion.agent)},"concept":${j(assertion.concept)}`;
  if (assertion.confidence !== undefined) c += `,"confidence":${j(assertion.confidence)}`;
  if (assertion.evidence !== undefined) c += `,"evidence":${j(assertion.evidence)}`;
  c += `,"predicate":${j(assertion.predicate)}`;
  if (assertion.retracts !== undefined) c += `,"retracts":${j(assertion.retracts)}`;
  c += `,"ts":${j(assertion.ts)},"v":${j(assertion.v)},"value":${valueCanonical}}`;
  return c;
}
