/**
 * The SDK's local checks of tree heads and proofs (SPEC §2.3) against a tree
 * built with the server's MerkleTree: every inclusion proof of every leaf and
 * every consistency proof between sizes verify; anything altered does not.
 */
import { describe, expect, test } from "bun:test";
import {
  consistencyProblem,
  inclusionProblem,
  treeHeadProblem,
  verifyConsistencyProof,
  verifyInclusionProof,
  verifyTreeHead,
} from "../../../src/client/index.ts";
import { fromHex, toHex } from "../../../src/hex.ts";
import { leafHash } from "../../../src/merkle/hash.ts";
import { MerkleTree } from "../../../src/merkle/merkle-tree.ts";
import { MemoryNodeStore } from "../../../src/merkle/node-store.ts";
import { type SignedTreeHead, signTreeHead } from "../../../src/merkle/tree-head.ts";
import { nativeSigner } from "../../../src/protocol/native-ed25519.ts";

const signer = nativeSigner(new Uint8Array(32).fill(7));
const otherSigner = nativeSigner(new Uint8Array(32).fill(8));
const N = 21;
const ids = Array.from({ length: N }, (_, i) => {
  const id = new Uint8Array(32);
  id[0] = i;
  id[31] = 255 - i;
  return toHex(id);
});
const tree = MerkleTree.open(new MemoryNodeStore(), 0);
tree.append(ids.map((id) => leafHash(fromHex(id))));
const sthAt = (size: number, s = signer): SignedTreeHead =>
  signTreeHead(size, tree.root(size), 1_700_000_000_000 + size, s);
const hex = (hashes: Uint8Array[]) => hashes.map(toHex);
const flip = (h: string) => (h[0] === "0" ? "1" : "0") + h.slice(1);

describe("verifyTreeHead (noble)", () => {
  const sth = sthAt(5);
  test("a signed tree head verifies, pinned or not", () => {
    expect(verifyTreeHead(sth)).toBe(true);
    expect(verifyTreeHead(sth, toHex(signer.publicKey))).toBe(true);
  });
  test("a pinned key that did not sign it fails, saying so", () => {
    expect(verifyTreeHead(sth, toHex(otherSigner.publicKey))).toBe(false);
    expect(treeHeadProblem(sth, toHex(otherSigner.publicKey))).toContain("pinned key");
  });
  test("any altered field fails", () => {
    expect(verifyTreeHead({ ...sth, tree_size: 6 })).toBe(false);
    expect(verifyTreeHead({ ...sth, timestamp: sth.timestamp + 1 })).toBe(false);
    expect(verifyTreeHead({ ...sth, root: flip(sth.root) })).toBe(false);
    expect(verifyTreeHead({ ...sth, signature: flip(sth.signature) })).toBe(false);
    expect(verifyTreeHead({ ...sth, server_key: toHex(otherSigner.publicKey) })).toBe(false);
  });
  test("malformed input is false, never a throw", () => {
    expect(verifyTreeHead({ ...sth, root: sth.root.toUpperCase() })).toBe(false);
    expect(verifyTreeHead({ ...sth, tree_size: -1 })).toBe(false);
    expect(verifyTreeHead(null as unknown as SignedTreeHead)).toBe(false);
  });
});

describe("verifyInclusionProof", () => {
  test("every leaf of every tree size up to 21", () => {
    for (let size = 1; size <= N; size++) {
      const sth = sthAt(size);
      for (let leaf = 0; leaf < size; leaf++) {
        const proof = {
          leaf_index: leaf,
          tree_size: size,
          audit_path: hex(tree.inclusionProof(leaf, size)),
          root: sth.root,
        };
        expect(inclusionProblem(ids[leaf] as string, proof, sth)).toBeUndefined();
      }
    }
  });
  test("a wrong id, index, path, root or size fails", () => {
    const sth = sthAt(13);
    const proof = {
      leaf_index: 6,
      tree_size: 13,
      audit_path: hex(tree.inclusionProof(6, 13)),
      root: sth.root,
    };
    expect(verifyInclusionProof(ids[6] as string, proof, sth)).toBe(true);
    expect(verifyInclusionProof(ids[7] as string, proof, sth)).toBe(false);
    expect(verifyInclusionProof(ids[6] as string, { ...proof, leaf_index: 7 }, sth)).toBe(false);
    const path = [...proof.audit_path];
    path[1] = flip(path[1] as string);
    expect(verifyInclusionProof(ids[6] as string, { ...proof, audit_path: path }, sth)).toBe(false);
    expect(verifyInclusionProof(ids[6] as string, proof, { ...sth, root: flip(sth.root) })).toBe(
      false,
    );
    expect(inclusionProblem(ids[6] as string, proof, sthAt(14))).toContain("tree size");
    expect(verifyInclusionProof(ids[6] as string, { ...proof, audit_path: ["zz"] }, sth)).toBe(
      false,
    );
  });
});

describe("verifyConsistencyProof", () => {
  test("every pair of sizes 0 ≤ m ≤ n ≤ 21", () => {
    for (let n = 0; n <= N; n++) {
      for (let m = 0; m <= n; m++) {
        const proof = { from: m, to: n, proof: hex(tree.consistencyProof(m, n)) };
        expect(consistencyProblem(sthAt(m), sthAt(n), proof)).toBeUndefined();
      }
    }
  });
  test("a rewritten history, a wrong span or an altered hash fails", () => {
    const proof = { from: 5, to: 13, proof: hex(tree.consistencyProof(5, 13)) };
    expect(verifyConsistencyProof(sthAt(5), sthAt(13), proof)).toBe(true);
    const forged = { ...sthAt(5), root: flip(sthAt(5).root) };
    expect(verifyConsistencyProof(forged, sthAt(13), proof)).toBe(false);
    expect(verifyConsistencyProof(sthAt(6), sthAt(13), proof)).toBe(false);
    const altered = [...proof.proof];
    altered[0] = flip(altered[0] as string);
    expect(verifyConsistencyProof(sthAt(5), sthAt(13), { ...proof, proof: altered })).toBe(false);
    expect(consistencyProblem(sthAt(5), sthAt(12), proof)).toContain("spans");
  });
});
