/**
 * How long to wait before replacing an HTTP thread that died (./reader-threads.ts):
 * `firstMs`, doubling on each death up to `maxMs`, so a thread that dies at
 * once on every start costs a start every `maxMs`, not a spinning core; back
 * to `firstMs` once a thread stayed up `resetAfterMs`.
 */
export interface BackoffPolicy {
  firstMs: number;
  maxMs: number;
  resetAfterMs: number;
}

export const RESPAWN_BACKOFF: Readonly<BackoffPolicy> = Object.freeze({
  firstMs: 100,
  maxMs: 5_000,
  resetAfterMs: 60_000,
});

export class RespawnBackoff {
  readonly #policy: Readonly<BackoffPolicy>;
  #last: number | undefined;

  constructor(policy: Readonly<BackoffPolicy> = RESPAWN_BACKOFF) {
    if (!(policy.firstMs > 0 && policy.maxMs >= policy.firstMs)) {
      throw new RangeError("backoff: firstMs must be > 0 and maxMs >= firstMs");
    }
    this.#policy = policy;
  }

  /** The wait before the next start, after a thread that listened `upMs` (undefined: it never listened). */
  next(upMs: number | undefined): number {
    const { firstMs, maxMs, resetAfterMs } = this.#policy;
    if (upMs !== undefined && upMs >= resetAfterMs) this.#last = undefined;
    this.#last = this.#last === undefined ? firstMs : Math.min(this.#last * 2, maxMs);
    return this.#last;
  }
}
