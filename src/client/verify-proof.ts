/**
 * Client-side checks of the server's Merkle proofs against signed tree heads
 * (SPEC §2.3, §3), on top of the RFC 9162 §2.1.3.2 / §2.1.4.2 verifiers in
 * `src/merkle/verify-proofs.ts` (pure: BLAKE3 only). They tie each proof to a
 * tree head: an inclusion proof must be for the STH's size and lead to its
 * root; a consistency proof must span exactly the two STHs' sizes. Check the
 * STH signatures themselves with `verifyTreeHead`.
 */
import { fromHex, isLowerHex } from "../hex.ts";
import { leafHash } from "../merkle/hash.ts";
import type { SignedTreeHead } from "../merkle/tree-head.ts";
import { verifyConsistency, verifyInclusion } from "../merkle/verify-proofs.ts";
import type { ConsistencyProof, InclusionProof } from "./client-types.ts";

/** Why the inclusion proof does not show `idHex` in `sth`, or undefined when it does. */
export function inclusionProblem(
  idHex: string,
  proof: InclusionProof,
  sth: SignedTreeHead,
): string | undefined {
  if (!isLowerHex(String(idHex), 32)) return "id is not 64 lowercase hex chars";
  if (typeof proof !== "object" || proof === null) return "proof is not an object";
  if (proof.tree_size !== sth.tree_size) {
    return `proof is for tree size ${proof.tree_size}, the tree head for ${sth.tree_size}`;
  }
  if (proof.root !== undefined && proof.root !== sth.root) {
    return "proof names a different root than the tree head";
  }
  const path = hashes(proof.audit_path);
  if (path === undefined) return "audit_path is not an array of 64-hex-char hashes";
  if (!isLowerHex(String(sth.root), 32)) return "tree head root is not 64 lowercase hex chars";
  const ok = verifyInclusion(
    leafHash(fromHex(idHex)),
    proof.leaf_index,
    proof.tree_size,
    path,
    fromHex(sth.root),
  );
  return ok
    ? undefined
    : `audit path does not lead from leaf ${proof.leaf_index} to the tree head's root`;
}

/**
 * Why the inclusion proof does not show `idHex` as leaf `seq − 1` of `sth`, or
 * undefined when it does: the seq a server names becomes the tree's. SPEC §12's
 * "later in the tree" compares two seqs; each must be proven this way.
 */
export function leafSeqProblem(
  idHex: string,
  seq: number,
  proof: InclusionProof,
  sth: SignedTreeHead,
): string | undefined {
  const problem = inclusionProblem(idHex, proof, sth);
  if (problem !== undefined) return problem;
  if (proof.leaf_index !== seq - 1) {
    return `the server says ${idHex} is seq ${seq}, its inclusion proof puts it at seq ${proof.leaf_index + 1}`;
  }
  return undefined;
}

/** RFC 9162 §2.1.3.2: is assertion `idHex` leaf `proof.leaf_index` of the tree `sth` signs? */
export function verifyInclusionProof(
  idHex: string,
  proof: InclusionProof,
  sth: SignedTreeHead,
): boolean {
  return inclusionProblem(idHex, proof, sth) === undefined;
}

/** Why `proof` does not show `oldSth`'s tree to be a prefix of `newSth`'s, or undefined. */
export function consistencyProblem(
  oldSth: SignedTreeHead,
  newSth: SignedTreeHead,
  proof: ConsistencyProof,
): string | undefined {
  if (typeof proof !== "object" || proof === null) return "proof is not an object";
  if (proof.from !== oldSth.tree_size || proof.to !== newSth.tree_size) {
    return `proof spans ${proof.from}→${proof.to}, the tree heads ${oldSth.tree_size}→${newSth.tree_size}`;
  }
  const path = hashes(proof.proof);
  if (path === undefined) return "proof is not an array of 64-hex-char hashes";
  if (!isLowerHex(String(oldSth.root), 32) || !isLowerHex(String(newSth.root), 32)) {
    return "a tree head root is not 64 lowercase hex chars";
  }
  const ok = verifyConsistency(
    oldSth.tree_size,
    newSth.tree_size,
    fromHex(oldSth.root),
    fromHex(newSth.root),
    path,
  );
  return ok
    ? undefined
    : `the tree of size ${oldSth.tree_size} is not a prefix of the tree of size ${newSth.tree_size} (the log was rewritten, or the proof is wrong)`;
}

/** RFC 9162 §2.1.4.2: is the tree `oldSth` signs a prefix of the one `newSth` signs? */
export function verifyConsistencyProof(
  oldSth: SignedTreeHead,
  newSth: SignedTreeHead,
  proof: ConsistencyProof,
): boolean {
  return consistencyProblem(oldSth, newSth, proof) === undefined;
}

function hashes(list: unknown): Uint8Array[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const out: Uint8Array[] = [];
  for (const h of list) {
    if (typeof h !== "string" || !isLowerHex(h, 32)) return undefined;
    out.push(fromHex(h));
  }
  return out;
}
