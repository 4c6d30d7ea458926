/**
 * Assertion ids (SPEC §2.2): `id` = BLAKE3-256 of `C`, the RFC 8785 bytes of the
 * assertion without `sig`, written as 64 lowercase hex chars (BLAKE3 through
 * ./blake3.ts; tests cross-check against @noble/hashes). The server always
 * computes the id itself from what it received; a client-supplied id is never
 * trusted.
 */
import { blake3 } from "./blake3.ts";

/** Length of an assertion id in bytes (BLAKE3 default output, 256 bits). */
export const ASSERTION_ID_BYTES = 32;

/** BLAKE3-256 of the canonical bytes `C` (SPEC §2.2). */
export function assertionId(canonical: Uint8Array): Uint8Array {
  return blake3(canonical);
}
