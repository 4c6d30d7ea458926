/**
 * The one depth every apply goes through (STYLE.md §9): ingest's groups after
 * their append, recovery and catch-up on the log's unapplied tail, and the
 * records a replicated log delivers. It owns the in-memory Merkle tree that
 * apply extends, and keeps it true to the state: a transaction that rolled
 * back may have left leaves in the tree, so the tree is reopened from the
 * state then. A transaction refused with SQLITE_BUSY runs again
 * (`retryWhileBusy`), from a reopened tree.
 */
import type { LogRecord } from "../log/record-frame.ts";
import type { Logger } from "../logger.ts";
import { MerkleTree } from "../merkle/merkle-tree.ts";
import type { ChangeSlots } from "../store/change-slots.ts";
import type { State } from "../store/state.ts";
import { type ApplyTarget, applyRecords, type LoggedRecord } from "./apply.ts";
import { retryWhileBusy } from "./busy-retry.ts";
import { decodeRecord } from "./log-records.ts";

export class LogApplier {
  readonly #state: State;
  readonly #logger: Logger;
  /** Where each applied group's touched concepts are published (answer caches). */
  readonly #changes: ChangeSlots | undefined;
  #tree: MerkleTree;

  constructor(state: State, logger: Logger, changes?: ChangeSlots) {
    this.#state = state;
    this.#logger = logger;
    this.#changes = changes;
    this.#tree = MerkleTree.open(state.nodes, state.meta.get("tree_size"));
  }

  #target(): ApplyTarget {
    return this.#changes === undefined
      ? { state: this.#state, tree: this.#tree }
      : { state: this.#state, tree: this.#tree, changes: this.#changes };
  }

  /** The Merkle tree of the applied state. */
  get tree(): MerkleTree {
    return this.#tree;
  }

  /** Applies records in one transaction (THE apply function); throws if it rolled back. */
  apply(records: readonly LoggedRecord[]): void {
    try {
      retryWhileBusy(() => applyRecords(this.#target(), records), {
        onRetry: (attempt, error) => {
          this.#logger.warn("apply met a busy database; running it again", {
            attempt,
            error: String(error),
          });
          this.reopenTree(); // the rolled-back transaction's leaves are void
        },
      });
    } catch (e) {
      this.reopenTree();
      throw e;
    }
  }

  /** Records as the log holds them (type and payload): decoded, then applied. */
  applyLog(records: readonly LogRecord[]): void {
    this.apply(records.map((r) => ({ lsn: r.lsn, record: decodeRecord(r.type, r.payload) })));
  }

  /** Reopens the tree at the size the state last committed. */
  reopenTree(): void {
    try {
      this.#tree = MerkleTree.open(this.#state.nodes, this.#state.meta.get("tree_size"));
    } catch (e) {
      this.#logger.error("could not reopen the Merkle tree from the state", { error: String(e) });
    }
  }
}
