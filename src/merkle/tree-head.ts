/**
 * Signed tree heads (SPEC §2.3; the role of RFC 6962 §3.5 / RFC 9162 §4.10): the
 * server's Ed25519 signature over one tree size, root and time, so a client can
 * hold the server to a root and later demand consistency proofs from it. The
 * signed bytes are built only by `treeHeadMessage` in src/protocol/signed-bytes.ts
 * ("stemedb:sth:v1:" ‖ u64-BE tree_size ‖ u64-BE timestamp ‖ root).
 */
import { fromHex, isLowerHex, toHex } from "../hex.ts";
import { type NativeSigner, nativeVerify } from "../protocol/native-ed25519.ts";
import { treeHeadMessage } from "../protocol/signed-bytes.ts";
import { HASH_LENGTH } from "./hash.ts";

/** SPEC §2.3. Times are integer ms since the Unix epoch; hashes and keys lowercase hex. */
export type SignedTreeHead = {
  tree_size: number;
  root: string;
  timestamp: number;
  server_key: string;
  signature: string;
};

/** Signs (treeSize, root, timestamp); throws RangeError on a negative or fractional size or time. */
export function signTreeHead(
  treeSize: number,
  root: Uint8Array,
  timestamp: number,
  signer: NativeSigner,
): SignedTreeHead {
  const signature = signer.sign(treeHeadMessage(treeSize, timestamp, root));
  return {
    tree_size: treeSize,
    root: toHex(root),
    timestamp,
    server_key: toHex(signer.publicKey),
    signature: toHex(signature),
  };
}

/**
 * True only for a well-formed STH whose signature verifies under its own
 * `server_key` (and, when `trustedKey` is given, only if that is the key). Never
 * throws: a malformed field (wrong type, uppercase or short hex) is just false.
 * Without `trustedKey` this proves integrity, not who signed: pin the key.
 */
export function verifyTreeHead(sth: SignedTreeHead, trustedKey?: string): boolean {
  if (typeof sth !== "object" || sth === null) return false;
  const { tree_size, root, timestamp, server_key, signature } = sth;
  if (!isCount(tree_size) || !isCount(timestamp)) return false;
  if (typeof root !== "string" || !isLowerHex(root, HASH_LENGTH)) return false;
  if (typeof server_key !== "string" || !isLowerHex(server_key, 32)) return false;
  if (typeof signature !== "string" || !isLowerHex(signature, 64)) return false;
  if (trustedKey !== undefined && trustedKey !== server_key) return false;
  return nativeVerify(
    fromHex(server_key),
    treeHeadMessage(tree_size, timestamp, fromHex(root)),
    fromHex(signature),
  );
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}
