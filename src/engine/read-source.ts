/**
 * What the read routes (query, assertions, history, Merkle root and proofs)
 * need, and nothing more. The engine is one; a reader thread's `ReadSnapshot`
 * is the other (SPEC §11): the same route code answers on either thread.
 */
import type { LensSource } from "../lens/run-query.ts";
import type { SignedTreeHead } from "../merkle/tree-head.ts";
import type { RedactedEntry } from "../redaction/redacted-table.ts";
import type { StoredAssertion } from "../store/assertion-table.ts";

/** The tree as read: size, roots and RFC 6962 §2.1.1/§2.1.2 proofs for sizes up to `size`. */
export interface ReadTree {
  readonly size: number;
  root(size?: number): Uint8Array;
  inclusionProof(leafIndex: number, size: number): Uint8Array[];
  consistencyProof(from: number, to: number): Uint8Array[];
}

export interface ReadSource extends LensSource {
  readonly tree: ReadTree;
  /** A signed tree head for exactly `tree.size` (SPEC §2.3). */
  treeHead(): SignedTreeHead;
  getAssertion(id: Uint8Array): StoredAssertion | undefined;
  /** What is left of a redacted assertion (SPEC §12): its seq, and which redaction removed it. */
  getRedacted(id: Uint8Array): RedactedEntry | undefined;
  history(concept: string, predicate: string, afterSeq: number, limit: number): StoredAssertion[];
  /**
   * Resolves once the tree has at least `size` leaves (SPEC §10 `min_tree_size`),
   * or rejects with `not_ready` (503, Retry-After 1) after `timeoutMs`.
   */
  waitForTreeSize(size: number, timeoutMs: number): Promise<void>;
}
