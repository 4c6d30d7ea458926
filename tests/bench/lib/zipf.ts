/**
 * Seeded randomness for query mixes (SPEC §9: "a Zipf (s = 1.1) mix of keys,
 * as agents ask about hot concepts"): a mulberry32 PRNG, Zipf ranks drawn by
 * inverting the cumulative distribution over ranks 1..m, and a scatter that
 * turns ranks (or positions) into key numbers spread over the whole key space,
 * so hot keys are not the first-loaded ones.
 */

/** mulberry32: a small, fast 32-bit PRNG; the same seed gives the same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Draws ranks 0..m-1 with P(rank r) ∝ 1 / (r + 1)^s (rank 0 the hottest).
 */
export function zipfSampler(m: number, s: number, random: () => number): () => number {
  if (!Number.isInteger(m) || m < 1)
    throw new RangeError(`zipf: m must be a positive integer: ${m}`);
  const cdf = new Float64Array(m);
  let total = 0;
  for (let r = 0; r < m; r++) {
    total += 1 / (r + 1) ** s;
    cdf[r] = total;
  }
  return () => {
    const u = random() * total;
    let lo = 0;
    let hi = m - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** A bijection of 0..m-1 (i ↦ (i·p + 17) mod m, p coprime to m) spreading neighbours apart. */
export function scatter(m: number): (i: number) => number {
  let p = 104_729; // a prime
  while (gcd(p, m) !== 1) p += 2;
  const step = p % m;
  return (i) => ((((i % m) * step + 17) % m) + m) % m;
}
