/**
 * The read side of a reader thread (SPEC §11): a `ReadSource` over its own
 * read-only SQLite connection, where everything one synchronous run of
 * JavaScript reads comes from ONE snapshot. The first read opens a read
 * transaction (and reads the tree size committed in it); a microtask commits
 * it once the current run — a whole route handler — is over. So a response
 * never mixes rows of two commits: its tree size, root, rows and proofs agree.
 * And since every request begins a new transaction, it sees every write the
 * engine acknowledged before it arrived (the engine answers after COMMIT).
 *
 * Signed tree heads: the reader signs its own, with the node key, for exactly
 * its snapshot's size (cached per size). Taking the engine's STHs by message
 * would let a reader answer with a head older than rows it just served, or
 * wait for one; signing costs ~50 µs per new size and only `/v1/merkle/root`
 * asks. Two threads may so sign the same (size, root) at different times: both
 * are true statements by the same key (RFC 6962 §3.5 allows any number).
 */
import type { Statement } from "bun:sqlite";
import { type Clock, systemClock } from "../clock.ts";
import { MerkleTree } from "../merkle/merkle-tree.ts";
import { type SignedTreeHead, signTreeHead } from "../merkle/tree-head.ts";
import type { NativeSigner } from "../protocol/native-ed25519.ts";
import type { RedactedEntry } from "../redaction/redacted-table.ts";
import type { StoredAssertion } from "../store/assertion-table.ts";
import type { ReadState } from "../store/read-state.ts";
import type { ReadSource } from "./read-source.ts";
import { notReady } from "./tree-size-waiters.ts";

/** How often a `min_tree_size` wait re-reads the committed tree size. */
const POLL_MS = 5;

export class ReadSnapshot implements ReadSource {
  readonly #state: ReadState;
  readonly #signer: NativeSigner;
  readonly #clock: Clock;
  readonly #begin: Statement;
  readonly #commit: Statement;
  #pinned = false;
  /** The tree at the pinned size; reused while the size stays (its nodes never change). */
  #tree: MerkleTree | undefined;
  #sth: SignedTreeHead | undefined;

  constructor(state: ReadState, signer: NativeSigner, clock: Clock = systemClock) {
    this.#state = state;
    this.#signer = signer;
    this.#clock = clock;
    this.#begin = state.db.query("BEGIN");
    this.#commit = state.db.query("COMMIT");
  }

  get state(): ReadState {
    this.#pin();
    return this.#state;
  }

  get tree(): MerkleTree {
    return this.#pin();
  }

  treeHead(): SignedTreeHead {
    const tree = this.#pin();
    if (this.#sth?.tree_size !== tree.size) {
      this.#sth = signTreeHead(tree.size, tree.root(), this.#clock.now(), this.#signer);
    }
    return this.#sth;
  }

  getAssertion(id: Uint8Array): StoredAssertion | undefined {
    this.#pin();
    return this.#state.assertions.byId(id);
  }

  getRedacted(id: Uint8Array): RedactedEntry | undefined {
    this.#pin();
    return this.#state.redacted.byId(id);
  }

  history(concept: string, predicate: string, afterSeq: number, limit: number): StoredAssertion[] {
    this.#pin();
    return this.#state.assertions.history(concept, predicate, afterSeq, limit);
  }

  /**
   * `min_tree_size` on a reader thread (SPEC §10, §11): the engine's applies
   * are in another thread, so the reader polls the committed `tree_size`
   * every POLL_MS, each poll in a fresh snapshot, until it is reached or
   * `timeoutMs` is up (then `not_ready`, as the engine's wait).
   */
  async waitForTreeSize(size: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const have = this.tree.size;
      if (have >= size) return;
      const left = deadline - performance.now();
      if (left <= 0) throw notReady(have, size, timeoutMs);
      await Bun.sleep(Math.min(POLL_MS, left));
    }
  }

  close(): void {
    this.#release();
    this.#state.close();
  }

  /** Begins the snapshot of this synchronous run (once) and returns the tree at its size. */
  #pin(): MerkleTree {
    if (!this.#pinned) {
      this.#begin.run();
      this.#pinned = true;
      queueMicrotask(() => this.#release());
      const size = this.#state.meta.get("tree_size");
      if (this.#tree?.size !== size) this.#tree = MerkleTree.open(this.#state.nodes, size);
    }
    return this.#tree as MerkleTree;
  }

  #release(): void {
    if (!this.#pinned) return;
    this.#pinned = false;
    this.#commit.run();
  }
}
