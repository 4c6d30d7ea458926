/**
 * Reads that wait for the tree to reach a size (SPEC §10 `min_tree_size`):
 * each waiter resolves when an applied group brings the tree to its size, or
 * rejects with `not_ready` (503, Retry-After 1) when its time is up.
 */
import { StemeError } from "../errors.ts";

/** The error of a `min_tree_size` wait that timed out (also a reader thread's, SPEC §11). */
export function notReady(have: number, size: number, timeoutMs: number): StemeError {
  return new StemeError(
    "not_ready",
    `this node has ${have} of the ${size} leaves asked for by min_tree_size after ${timeoutMs} ms; retry, or ask another node`,
    { field: "min_tree_size", retryAfterS: 1 },
  );
}

interface Waiter {
  size: number;
  done(): void;
}

export class TreeSizeWaiters {
  readonly #size: () => number;
  #waiters: Waiter[] = [];

  constructor(size: () => number) {
    this.#size = size;
  }

  wait(size: number, timeoutMs: number): Promise<void> {
    if (this.#size() >= size) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        size,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(notReady(this.#size(), size, timeoutMs));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** The tree now has `size` leaves: wake whoever waited for that much. */
  reached(size: number): void {
    if (this.#waiters.length === 0) return;
    const due = this.#waiters.filter((w) => w.size <= size);
    this.#waiters = this.#waiters.filter((w) => w.size > size);
    for (const w of due) w.done();
  }
}
