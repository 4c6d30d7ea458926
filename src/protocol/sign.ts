/**
 * Client-side signing for agents, the CLI and the SDK (SPEC §2.2), on
 * @noble/ed25519 (RFC 8032 pure Ed25519), which runs anywhere JS does. It is
 * deliberately independent of the server's path: `C` comes from the generic
 * RFC 8785 canonicalizer over the whole object (not the server's field-by-field
 * assembly) and `nobleVerifyAssertion` uses noble rather than the runtime's
 * native Ed25519, so tests that run both catch a divergence in either. Only the
 * signed-message layout (`signed-bytes.ts`) is shared, as it must be.
 */
import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import { fromHex, isLowerHex, toHex } from "../hex.ts";
import type { Assertion, UnsignedAssertion } from "./assertion.ts";
import { assertionId } from "./assertion-id.ts";
import { canonicalBytes } from "./canonical.ts";
import { assertionMessage } from "./signed-bytes.ts";

// @noble/ed25519 v3 needs a SHA-512 for its synchronous API.
ed.hashes.sha512 = sha512;

/** An agent's key pair: the 32-byte RFC 8032 seed and the 32-byte public key. */
export interface AgentKey {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

function checkSecret(secretKey: Uint8Array): void {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) {
    throw new TypeError("secretKey must be a 32-byte Uint8Array (an Ed25519 seed)");
  }
}

/** A fresh random agent key (CSPRNG seed). */
export function generateAgentKey(): AgentKey {
  const secretKey = ed.utils.randomSecretKey();
  return { secretKey, publicKey: ed.getPublicKey(secretKey) };
}

/** The public key (RFC 8032 §5.1.5) of a 32-byte seed. */
export function agentPublicKey(secretKey: Uint8Array): Uint8Array {
  checkSecret(secretKey);
  return ed.getPublicKey(secretKey);
}

/** `C` and `id` as a client computes them: RFC 8785 over every field but `sig`. */
function clientId(unsigned: UnsignedAssertion): Uint8Array {
  const { sig: _ignored, ...rest } = unsigned as UnsignedAssertion & { sig?: unknown };
  return assertionId(canonicalBytes(rest));
}

/**
 * Signs `unsigned` with `secretKey`: `sig` = Ed25519 over
 * "stemedb:assertion:v1:" ‖ BLAKE3-256(C). `unsigned.agent` must be the key's
 * public key. Does not validate the other fields: the server does.
 */
export function signAssertion(unsigned: UnsignedAssertion, secretKey: Uint8Array): Assertion {
  const agent = toHex(agentPublicKey(secretKey));
  if (unsigned.agent !== agent) {
    throw new TypeError(
      `unsigned.agent must be the public key of secretKey (${agent}), got ${String(unsigned.agent)}`,
    );
  }
  const sig = ed.sign(assertionMessage(clientId(unsigned)), secretKey);
  const { sig: _ignored, ...rest } = unsigned as UnsignedAssertion & { sig?: unknown };
  return { ...rest, sig: toHex(sig) };
}

/**
 * Independent check of an assertion's signature with @noble/ed25519 in strict
 * RFC 8032 mode (`zip215: false`, as the native verifier). False for malformed
 * hex, keys or signatures; the schema is not checked.
 */
export function nobleVerifyAssertion(assertion: Assertion): boolean {
  if (!isLowerHex(assertion.sig, 64) || !isLowerHex(assertion.agent, 32)) return false;
  try {
    const message = assertionMessage(clientId(assertion));
    return ed.verify(fromHex(assertion.sig), message, fromHex(assertion.agent), { zip215: false });
  } catch {
    return false;
  }
}
