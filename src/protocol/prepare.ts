/**
 * The server's one path from a parsed client document to a verified assertion
 * (SPEC §2.1, §2.2), shared by single, batch and NDJSON ingest and by anything
 * that re-verifies stored assertions. Checks run cheapest first and in a fixed
 * order, so a document with several faults always gets the same error: I-JSON
 * (RFC 7493) → schema → value size → clock skew → retraction value → id →
 * signature. The id is recomputed from the canonical bytes, never taken from
 * the client, and the signature is verified here, before any duplicate
 * detection downstream, so a known id with a bad `sig` fails as
 * `bad_signature` and is never reported as a duplicate (SPEC §2.2).
 * Semantic retraction checks that need the store (`unknown_target`,
 * `not_owner`, `target_mismatch`) are not made here.
 */
import { StemeError } from "../errors.ts";
import { fromHex, toHex } from "../hex.ts";
import type { PreparedAssertion } from "./assertion.ts";
import { assertionCanonicalString } from "./assertion-canonical.ts";
import { assertionId } from "./assertion-id.ts";
import { parseAssertion } from "./assertion-schema.ts";
import { canonicalString, utf8Length } from "./canonical.ts";
import { assertIJson } from "./json-input.ts";
import { nativeVerify } from "./native-ed25519.ts";
import { assertionMessage } from "./signed-bytes.ts";

/** Server-side limits that SPEC §2.1 leaves to configuration. */
export interface PrepareLimits {
  /** The server's clock, ms since the Unix epoch (injected so tests control it). */
  nowMs: number;
  /** How far `ts` may run ahead of `nowMs` (default 5 min). */
  maxSkewMs: number;
  /** Largest canonical encoding of `value`, in UTF-8 bytes (default 16 KiB). */
  maxValueBytes: number;
}

const encoder = new TextEncoder();

function valueTooLarge(valueCanonical: string, maxValueBytes: number): number | undefined {
  // A UTF-16 unit encodes to ≤ 3 UTF-8 bytes: most values need no exact count.
  if (valueCanonical.length * 3 <= maxValueBytes) return undefined;
  const bytes = utf8Length(valueCanonical);
  return bytes > maxValueBytes ? bytes : undefined;
}

/**
 * Validates, canonicalizes, hashes and verifies one client document. Throws
 * `StemeError` with the first failing rule's code and `context.field`:
 * `bad_unicode`, `missing_field`, `unknown_field`, `invalid_field`,
 * `value_too_large`, `clock_skew` or `bad_signature`.
 */
export function prepareAssertion(input: unknown, limits: PrepareLimits): PreparedAssertion {
  assertIJson(input);
  const assertion = parseAssertion(input);

  const valueCanonical = canonicalString(assertion.value);
  const valueBytes = valueTooLarge(valueCanonical, limits.maxValueBytes);
  if (valueBytes !== undefined) {
    throw new StemeError(
      "value_too_large",
      `value is ${valueBytes} bytes in canonical form; the limit is ${limits.maxValueBytes}`,
      { field: "value", bytes: valueBytes, limit: limits.maxValueBytes },
    );
  }

  if (assertion.ts > limits.nowMs + limits.maxSkewMs) {
    throw new StemeError(
      "clock_skew",
      `ts is ${assertion.ts - limits.nowMs} ms ahead of the server clock; at most ${limits.maxSkewMs} ms allowed (check the agent's clock)`,
      { field: "ts" },
    );
  }

  if (assertion.retracts !== undefined && assertion.value !== null) {
    throw new StemeError("invalid_field", "a retraction (with retracts) must have value null", {
      field: "value",
    });
  }

  const canonical = encoder.encode(assertionCanonicalString(assertion, valueCanonical));
  const id = assertionId(canonical);
  const sig = fromHex(assertion.sig, 64);
  const agent = fromHex(assertion.agent, 32);
  if (!nativeVerify(agent, assertionMessage(id), sig)) {
    throw new StemeError(
      "bad_signature",
      "sig is not a valid Ed25519 signature by agent over this assertion (SPEC §2.2)",
      { field: "sig" },
    );
  }

  return { assertion, canonical, id, idHex: toHex(id), sig, valueCanonical };
}
