/**
 * An approximate count of recent events per key that never under-counts: a
 * hashed counter table per 10 s time slice, seven slices deep (so a count
 * covers at least the last 60 s and at most 70 s). Keys that share a hash
 * slot add up, which can only raise a count. The flood rule uses it as a
 * pre-filter: a count below the limit proves no flood without touching the
 * state; only a count at or above it is checked exactly.
 *
 * Memory is fixed (7 × 65,536 × 2 bytes ≈ 0.9 MB) whatever the traffic. At
 * 30,000 events/s the average slot holds ~32 events per 70 s, far below any
 * sensible limit, so honest traffic almost never reaches the exact check.
 */

const SLICE_MS = 10_000;
const SLICES = 7;
const SLOTS = 1 << 16;
const MAX = 0xffff;

/**
 * FNV-1a (32-bit) over the UTF-16 code units of `parts`, each followed by a
 * separator: fast, allocation-free, and spreads similar keys well enough here.
 */
export function hashKey(...parts: string[]): number {
  let h = 0x811c9dc5;
  for (const s of parts) {
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h = Math.imul(h ^ 0x0a, 0x01000193);
  }
  return h >>> 0;
}

export class RecentCounter {
  readonly #counts = Array.from({ length: SLICES }, () => new Uint16Array(SLOTS));
  /** Which 10 s slice (ms / SLICE_MS) each table holds; -1 = none yet. */
  readonly #slices = new Array<number>(SLICES).fill(-1);

  /** Counts one event for `key` (a `hashKey`) at `nowMs`. */
  add(key: number, nowMs: number): void {
    const slice = Math.floor(nowMs / SLICE_MS);
    const at = ((slice % SLICES) + SLICES) % SLICES;
    const counts = this.#counts[at] as Uint16Array;
    // A table still holding a later slice (the clock stepped back) keeps counting into it.
    if ((this.#slices[at] as number) < slice) {
      counts.fill(0);
      this.#slices[at] = slice;
    }
    const slot = key & (SLOTS - 1);
    if ((counts[slot] as number) < MAX) counts[slot] = (counts[slot] as number) + 1;
  }

  /** Events for `key` in the last 60 s at least (up to 70 s), plus any from colliding keys. */
  count(key: number, nowMs: number): number {
    const slice = Math.floor(nowMs / SLICE_MS);
    const slot = key & (SLOTS - 1);
    let n = 0;
    for (let at = 0; at < SLICES; at++) {
      const s = this.#slices[at] as number;
      // Later slices (the clock stepped back) count too: more, never less.
      if (s > slice - SLICES) n += (this.#counts[at] as Uint16Array)[slot] as number;
    }
    return n;
  }
}
