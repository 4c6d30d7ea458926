/**
 * Ed25519 public keys no one may sign as (SPEC §2.2). A key of small order
 * (one of the 8 torsion points) verifies forged signatures without any secret:
 * with A = the identity, `sig` = R ‖ S = identity ‖ 0 satisfies the RFC 8032
 * §5.1.7 equation [S]B = R + [k]A for every message, and the runtime's native
 * verifier (cofactorless, BoringSSL) accepts it. A non-canonical encoding
 * (y ≥ p, RFC 8032 §5.1.3 step 1) aliases another key. Both are refused, as
 * libsodium and @noble/ed25519's strict mode (`zip215: false`, the SDK's
 * verifier) refuse them. No key made from a seed is ever either: honest agents
 * are unaffected. O(1): byte comparisons only, on the key-cache miss path.
 */

/** The y coordinates (little-endian, sign bit of x cleared) of the points of order 1, 2, 4 and 8. */
const SMALL_ORDER_Y: readonly Uint8Array[] = [
  "0000000000000000000000000000000000000000000000000000000000000000", // y = 0: order 4
  "0100000000000000000000000000000000000000000000000000000000000000", // y = 1: identity
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p − 1: order 2
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
].map((hex) => new Uint8Array(Buffer.from(hex, "hex")));

/** y ≥ p = 2^255 − 19 once the sign bit is cleared: bytes ed..ff, then 30 × ff, then 7f. */
function isNonCanonical(key: Uint8Array): boolean {
  if (((key[31] as number) & 0x7f) !== 0x7f || (key[0] as number) < 0xed) return false;
  for (let i = 1; i < 31; i++) if (key[i] !== 0xff) return false;
  return true;
}

function sameY(key: Uint8Array, y: Uint8Array): boolean {
  for (let i = 0; i < 31; i++) if (key[i] !== y[i]) return false;
  return ((key[31] as number) & 0x7f) === y[31];
}

/** True for a 32-byte Ed25519 public key of small order or with a non-canonical encoding. */
export function isWeakPublicKey(key: Uint8Array): boolean {
  if (key.length !== 32) return true;
  if (isNonCanonical(key)) return true;
  for (const y of SMALL_ORDER_Y) if (sameY(key, y)) return true;
  return false;
}
