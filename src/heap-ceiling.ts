/**
 * A ceiling on the writer thread's JavaScript heap (SPEC §9: RSS ≤ 300 MB at
 * 1M, every heap included). JavaScriptCore lets a heap grow to about twice
 * what survived its last full collection before it collects again; under a
 * batch load the survivors include every batch in flight, so the main
 * thread's heap was measured at 75–115 MB of capacity right after a load with
 * ~27 MB live once settled (tests/bench/rss-breakdown.ts). Every `intervalMs`
 * this reads bun:jsc `heapSize()` — what the last collection kept: the
 * frequent eden collections promote what a batch still holds, and that
 * garbage then waits in the old generation for a full collection — and, past
 * the ceiling, runs one synchronous full collection (`fullGC`: ~0.5–1 ms per
 * MB live on this machine). When what survives is itself near the ceiling,
 * the next collection waits until the heap is 1.5x the survivors, so a large
 * live set is never collected in a loop. `STEMEDB_HEAP_CEILING_MIB`; 0 (the
 * default) leaves JavaScriptCore's sizing alone: measured, 48 MiB shrank the
 * heap (115 → 68 MB after a load) but not the process's RSS, and cost ~6% of
 * batch CPU (README Performance).
 */
import { fullGC, heapSize } from "bun:jsc";

export class HeapCeiling {
  readonly #ceiling: number;
  readonly #timer: ReturnType<typeof setInterval>;
  #limit: number;
  /** Collections this ceiling forced. */
  collections = 0;

  constructor(ceilingBytes: number, intervalMs = 250) {
    this.#ceiling = ceilingBytes;
    this.#limit = ceilingBytes;
    this.#timer = setInterval(() => this.check(), intervalMs);
    this.#timer.unref();
  }

  /** Collects when the heap is past its limit; true when it did. */
  check(): boolean {
    if (heapSize() <= this.#limit) return false;
    fullGC();
    this.collections++;
    this.#limit = Math.max(this.#ceiling, heapSize() * 1.5);
    return true;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
