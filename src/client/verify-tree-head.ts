/**
 * Client-side check of a signed tree head (SPEC §2.3) with @noble/ed25519, so
 * an auditor relies on nothing of the server's native verifier. The signed
 * bytes come from the one layout module (`src/protocol/signed-bytes.ts`):
 * "stemedb:sth:v1:" ‖ u64-BE tree_size ‖ u64-BE timestamp ‖ 32-byte root.
 *
 * Without `expectedServerKey` a valid signature proves only that the STH is
 * intact, not who made it: pin the server's key (its `server_key` from a trusted
 * first contact) to hold that server to its roots.
 */
import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import { fromHex, isLowerHex } from "../hex.ts";
import type { SignedTreeHead } from "../merkle/tree-head.ts";
import { treeHeadMessage } from "../protocol/signed-bytes.ts";

// @noble/ed25519 v3's synchronous API needs a SHA-512 (sign.ts sets the same one).
ed.hashes.sha512 = sha512;

/** Why `sth` does not verify, or undefined when it does. Never throws. */
export function treeHeadProblem(sth: unknown, expectedServerKey?: string): string | undefined {
  if (typeof sth !== "object" || sth === null) return "tree head is not an object";
  const { tree_size, root, timestamp, server_key, signature } = sth as Partial<SignedTreeHead>;
  if (!isCount(tree_size)) return "tree_size is not a non-negative integer";
  if (!isCount(timestamp)) return "timestamp is not a non-negative integer (ms since the epoch)";
  if (!isHex(root, 32)) return "root is not 64 lowercase hex chars";
  if (!isHex(server_key, 32)) return "server_key is not 64 lowercase hex chars";
  if (!isHex(signature, 64)) return "signature is not 128 lowercase hex chars";
  if (expectedServerKey !== undefined && expectedServerKey !== server_key) {
    return `signed by server key ${server_key}, not the pinned key ${expectedServerKey}`;
  }
  try {
    const message = treeHeadMessage(tree_size, timestamp, fromHex(root));
    const ok = ed.verify(fromHex(signature), message, fromHex(server_key), { zip215: false });
    return ok ? undefined : "signature does not verify under server_key";
  } catch {
    return "signature does not verify under server_key";
  }
}

/**
 * True only for a well-formed STH whose Ed25519 signature verifies under its
 * `server_key` and, when `expectedServerKey` is given, only if that is the key.
 */
export function verifyTreeHead(sth: SignedTreeHead, expectedServerKey?: string): boolean {
  return treeHeadProblem(sth, expectedServerKey) === undefined;
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function isHex(v: unknown, bytes: number): v is string {
  return typeof v === "string" && isLowerHex(v, bytes);
}
