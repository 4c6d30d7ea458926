/**
 * An assertion's id as the client computes it (SPEC §2.2): BLAKE3-256 of the
 * RFC 8785 encoding of every field but `sig`, as 64 lowercase hex chars. Lets
 * an agent know the id before sending (to cite it as evidence, or to retract).
 */
import { toHex } from "../hex.ts";
import type { Assertion, UnsignedAssertion } from "../protocol/assertion.ts";
import { assertionId } from "../protocol/assertion-id.ts";
import { canonicalBytes } from "../protocol/canonical.ts";

export function computeAssertionId(assertion: UnsignedAssertion | Assertion): string {
  const { sig: _ignored, ...unsigned } = assertion as Assertion;
  return toHex(assertionId(canonicalBytes(unsigned)));
}
