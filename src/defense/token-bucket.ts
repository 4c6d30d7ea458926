/**
 * Token buckets keyed by client (IP or agent key), for the rate limits of
 * SPEC §6. Each bucket holds up to `capacity = rate × burstSeconds` tokens
 * (at least 1), refills continuously at `rate` tokens per second, and starts
 * full; a request takes one token or is refused with the time until it could
 * have one. Time comes from the injected clock.
 *
 * Memory is bounded: at `maxKeys` buckets, those that have refilled to full
 * (idle ones — indistinguishable from a fresh bucket, so dropping them changes
 * no decision) are evicted first, then the least recently used, down to 90% of
 * the cap so the sweep is amortized.
 */
import type { Clock } from "../clock.ts";

export interface TokenBucketOptions {
  /** Tokens per second (> 0; a disabled limit has no buckets at all). */
  ratePerSecond: number;
  /** Bucket size in seconds of the rate (the burst allowance). */
  burstSeconds: number;
  clock: Clock;
  /** Most buckets kept at once (default 100,000). */
  maxKeys?: number;
}

/** One decision; `remaining` is whole tokens left, times are seconds. */
export interface TakeResult {
  allowed: boolean;
  remaining: number;
  /** Seconds until the bucket is full again. */
  fullInS: number;
  /** When refused: seconds until a token is there (> 0). */
  retryAfterS: number;
}

/** One bucket's state: tokens held at time `atMs`. */
export interface Bucket {
  tokens: number;
  atMs: number;
}

/** What a rate limit needs: one decision per key (`TokenBuckets`, `SharedTokenBuckets`). */
export interface TokenTaker {
  take(key: string): TakeResult;
}

/**
 * Refills `bucket` to `now` (continuously, at `rate` per second, up to
 * `capacity`) and takes one token if there is one. Mutates `bucket`.
 */
export function takeToken(bucket: Bucket, now: number, rate: number, capacity: number): TakeResult {
  const elapsedS = Math.max(0, now - bucket.atMs) / 1000;
  bucket.tokens = Math.min(capacity, bucket.tokens + elapsedS * rate);
  bucket.atMs = now;
  const allowed = bucket.tokens >= 1;
  if (allowed) bucket.tokens -= 1;
  return {
    allowed,
    remaining: Math.floor(bucket.tokens),
    fullInS: (capacity - bucket.tokens) / rate,
    retryAfterS: allowed ? 0 : (1 - bucket.tokens) / rate,
  };
}

/** Rate and capacity (rate × burst, at least 1) from checked options. */
export function bucketShape(options: Pick<TokenBucketOptions, "ratePerSecond" | "burstSeconds">): {
  rate: number;
  capacity: number;
} {
  if (!(options.ratePerSecond > 0)) {
    throw new RangeError(`ratePerSecond must be > 0, got ${options.ratePerSecond}`);
  }
  if (!(options.burstSeconds > 0)) {
    throw new RangeError(`burstSeconds must be > 0, got ${options.burstSeconds}`);
  }
  return {
    rate: options.ratePerSecond,
    capacity: Math.max(1, options.ratePerSecond * options.burstSeconds),
  };
}

/** True when `bucket` has refilled to full by `now`: indistinguishable from a fresh one. */
export function isIdle(bucket: Bucket, now: number, rate: number, capacity: number): boolean {
  return bucket.tokens + (Math.max(0, now - bucket.atMs) / 1000) * rate >= capacity;
}

export const DEFAULT_MAX_KEYS = 100_000;

export class TokenBuckets implements TokenTaker {
  readonly rate: number;
  readonly capacity: number;
  readonly #clock: Clock;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: TokenBucketOptions) {
    ({ rate: this.rate, capacity: this.capacity } = bucketShape(options));
    const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
      throw new RangeError(`maxKeys must be an integer ≥ 1, got ${maxKeys}`);
    }
    this.#clock = options.clock;
    this.#maxKeys = maxKeys;
  }

  /** Buckets currently kept. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token from `key`'s bucket, or says how long to wait for one. */
  take(key: string): TakeResult {
    const now = this.#clock.now();
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#maxKeys) this.#evict(now);
      bucket = { tokens: this.capacity, atMs: now };
    } else {
      this.#buckets.delete(key); // re-inserted below: Map order is recency order
    }
    this.#buckets.set(key, bucket);
    return takeToken(bucket, now, this.rate, this.capacity);
  }

  #evict(now: number): void {
    const target = Math.floor(this.#maxKeys * 0.9);
    for (const [key, bucket] of this.#buckets) {
      if (isIdle(bucket, now, this.rate, this.capacity)) this.#buckets.delete(key);
    }
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size <= target) break;
      this.#buckets.delete(key);
    }
  }
}
