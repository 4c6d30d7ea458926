/**
 * A seeded pseudo-random generator (mulberry32) for generated test inputs, so
 * a failing case reproduces from its seed. Not for anything secret.
 */

export interface Prng {
  /** The seed it was made with (print it next to a failure). */
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** `n` distinct-position picks (with repetition of values allowed). */
  sample<T>(items: readonly T[], n: number): T[];
  /** `n` bytes. */
  bytes(n: number): Uint8Array;
  /** `n` chars drawn from `alphabet`. */
  string(n: number, alphabet: string): string;
}

export function prng(seed: number): Prng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new RangeError("pick: empty list");
    return items[int(0, items.length - 1)] as T;
  };
  return {
    seed,
    next,
    int,
    chance: (p) => next() < p,
    pick,
    sample: (items, n) => Array.from({ length: n }, () => pick(items)),
    bytes: (n) => Uint8Array.from({ length: n }, () => int(0, 255)),
    string: (n, alphabet) => {
      const chars = [...alphabet];
      return Array.from({ length: n }, () => pick(chars)).join("");
    },
  };
}
