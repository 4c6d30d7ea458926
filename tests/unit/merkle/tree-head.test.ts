/**
 * Signed tree heads (SPEC §2.3): round trip through the native signer, every
 * altered field rejected, malformed input answered with false, and the signature
 * checked independently with @noble/ed25519 over treeHeadMessage.
 */
import { describe, expect, test } from "bun:test";
import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import { fromHex, toHex } from "../../../src/hex.ts";
import { EMPTY_ROOT, leafHash } from "../../../src/merkle/hash.ts";
import {
  type SignedTreeHead,
  signTreeHead,
  verifyTreeHead,
} from "../../../src/merkle/tree-head.ts";
import { nativeSigner } from "../../../src/protocol/native-ed25519.ts";
import { treeHeadMessage } from "../../../src/protocol/signed-bytes.ts";

ed.hashes.sha512 = sha512;

const seed = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const signer = nativeSigner(seed);
const root = leafHash(Uint8Array.of(1, 2, 3));
const sth = signTreeHead(1234, root, 1_700_000_000_123, signer);

/** Flips one bit of a hex string's value, keeping it lowercase hex. */
function flipHex(hex: string, bit = 0): string {
  const b = fromHex(hex);
  b[bit >> 3] = (b[bit >> 3] as number) ^ (1 << (bit & 7));
  return toHex(b);
}

describe("signed tree heads", () => {
  test("shape: SPEC §2.3 fields, lowercase hex, ms timestamp", () => {
    expect(sth).toEqual({
      tree_size: 1234,
      root: toHex(root),
      timestamp: 1_700_000_000_123,
      server_key: toHex(signer.publicKey),
      signature: expect.stringMatching(/^[0-9a-f]{128}$/),
    });
    expect(Object.keys(sth).sort()).toEqual([
      "root",
      "server_key",
      "signature",
      "timestamp",
      "tree_size",
    ]);
  });

  test("round trip, also for the empty tree", () => {
    expect(verifyTreeHead(sth)).toBe(true);
    expect(verifyTreeHead(signTreeHead(0, EMPTY_ROOT, 0, signer))).toBe(true);
    expect(verifyTreeHead(JSON.parse(JSON.stringify(sth)))).toBe(true);
  });

  test("independent check: @noble/ed25519 verifies the signature over treeHeadMessage", () => {
    expect(toHex(ed.getPublicKey(seed))).toBe(sth.server_key);
    const message = treeHeadMessage(sth.tree_size, sth.timestamp, fromHex(sth.root));
    expect(ed.verify(fromHex(sth.signature), message, fromHex(sth.server_key))).toBe(true);
    const other = treeHeadMessage(sth.tree_size + 1, sth.timestamp, fromHex(sth.root));
    expect(ed.verify(fromHex(sth.signature), other, fromHex(sth.server_key))).toBe(false);
  });

  test("any altered field fails", () => {
    const altered: SignedTreeHead[] = [
      { ...sth, tree_size: sth.tree_size + 1 },
      { ...sth, tree_size: sth.tree_size - 1 },
      { ...sth, timestamp: sth.timestamp + 1 },
      { ...sth, root: flipHex(sth.root) },
      { ...sth, root: flipHex(sth.root, 255) },
      { ...sth, signature: flipHex(sth.signature) },
      { ...sth, signature: flipHex(sth.signature, 511) },
      { ...sth, server_key: flipHex(sth.server_key, 7) },
      { ...sth, server_key: toHex(nativeSigner(new Uint8Array(32)).publicKey) },
    ];
    for (const a of altered) expect(verifyTreeHead(a)).toBe(false);
  });

  test("a pinned key must match", () => {
    expect(verifyTreeHead(sth, sth.server_key)).toBe(true);
    const stranger = nativeSigner(new Uint8Array(32).fill(9));
    const forged = signTreeHead(sth.tree_size, root, sth.timestamp, stranger);
    expect(verifyTreeHead(forged)).toBe(true); // integrity only
    expect(verifyTreeHead(forged, sth.server_key)).toBe(false);
  });

  test("malformed input is false, never a throw", () => {
    const malformed: unknown[] = [
      null,
      undefined,
      "sth",
      {},
      { ...sth, root: sth.root.toUpperCase() },
      { ...sth, root: sth.root.slice(2) },
      { ...sth, root: `${sth.root}00` },
      { ...sth, root: `zz${sth.root.slice(2)}` },
      { ...sth, signature: sth.signature.slice(0, 126) },
      { ...sth, server_key: "" },
      { ...sth, server_key: 42 },
      { ...sth, tree_size: "1234" },
      { ...sth, tree_size: -1 },
      { ...sth, tree_size: 1.5 },
      { ...sth, tree_size: 2 ** 53 },
      { ...sth, timestamp: Number.NaN },
      { ...sth, timestamp: null },
      { ...sth, signature: undefined },
    ];
    for (const m of malformed) expect(verifyTreeHead(m as SignedTreeHead)).toBe(false);
  });

  test("signing refuses out-of-range inputs", () => {
    expect(() => signTreeHead(-1, root, 0, signer)).toThrow(RangeError);
    expect(() => signTreeHead(1, root, 1.5, signer)).toThrow(RangeError);
    expect(() => signTreeHead(1, root.subarray(1), 0, signer)).toThrow(RangeError);
  });
});
