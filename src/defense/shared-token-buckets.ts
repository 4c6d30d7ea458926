/**
 * Token buckets in shared memory (a `SharedArrayBuffer`), so that every
 * thread serving HTTP (SPEC §11: the main thread and the reader threads)
 * draws on ONE budget per client, as SPEC §6 means it: a client whose
 * connections the kernel spreads over the threads gets the same rate as one
 * whose connections all land on one thread. Same decisions as `TokenBuckets`
 * (./token-bucket.ts: `takeToken`), different storage:
 *
 * A fixed table of `slots` buckets (a power of two), open addressing on a
 * 32-bit FNV-1a fingerprint of the key, up to `PROBES` slots from its home.
 * Each slot has a spin lock (Atomics) held only for the few arithmetic steps
 * of one decision. A key with no slot takes an empty or idle one (refilled
 * to full: indistinguishable from a fresh bucket, so reusing it changes no
 * decision), else the least recently used of its probes. Memory is bounded
 * (24 bytes a slot). Two keys with the same fingerprint share a bucket (about
 * one pair in 4 billion); two threads adding the same new key at the same
 * instant may each start a bucket for it, which only errs on the lenient side.
 */
import type { Clock } from "../clock.ts";
import {
  type Bucket,
  bucketShape,
  isIdle,
  type TakeResult,
  type TokenBucketOptions,
  type TokenTaker,
  takeToken,
} from "./token-bucket.ts";

const PROBES = 16;
const BYTES_PER_SLOT = 24;
export const DEFAULT_SLOTS = 1 << 17;

export interface SharedTokenBucketsOptions extends Omit<TokenBucketOptions, "maxKeys"> {
  /** The table made by `SharedTokenBuckets.allocate`, shared by every thread. */
  buffer: SharedArrayBuffer;
}

/** 32-bit FNV-1a over UTF-16 code units; never 0 (0 marks an empty slot). */
function fingerprint(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h === 0 ? 1 : h;
}

export class SharedTokenBuckets implements TokenTaker {
  readonly rate: number;
  readonly capacity: number;
  readonly #clock: Clock;
  readonly #mask: number;
  readonly #tokens: Float64Array;
  readonly #atMs: Float64Array;
  readonly #locks: Int32Array;
  readonly #keys: Int32Array;

  /** A zeroed table of `slots` buckets (a power of two), to pass to every thread. */
  static allocate(slots = DEFAULT_SLOTS): SharedArrayBuffer {
    if (!Number.isSafeInteger(slots) || slots < PROBES || (slots & (slots - 1)) !== 0) {
      throw new RangeError(`slots must be a power of two ≥ ${PROBES}, got ${slots}`);
    }
    return new SharedArrayBuffer(slots * BYTES_PER_SLOT);
  }

  constructor(options: SharedTokenBucketsOptions) {
    ({ rate: this.rate, capacity: this.capacity } = bucketShape(options));
    this.#clock = options.clock;
    const slots = options.buffer.byteLength / BYTES_PER_SLOT;
    this.#mask = slots - 1;
    this.#tokens = new Float64Array(options.buffer, 0, slots);
    this.#atMs = new Float64Array(options.buffer, slots * 8, slots);
    this.#locks = new Int32Array(options.buffer, slots * 16, slots);
    this.#keys = new Int32Array(options.buffer, slots * 20, slots);
  }

  take(key: string): TakeResult {
    const now = this.#clock.now();
    const fp = fingerprint(key) | 0;
    const home = fp & this.#mask;
    // The key's own bucket first, wherever it is among its probes.
    for (let p = 0; p < PROBES; p++) {
      const i = (home + p) & this.#mask;
      if (Atomics.load(this.#keys, i) === fp) {
        this.#lock(i);
        if (this.#keys[i] === fp) return this.#take(i, now);
        this.#unlock(i); // replaced meanwhile: look on
      }
    }
    // A new bucket: an empty or idle slot, else the least recently used probe.
    let victim = home;
    let victimAt = Number.POSITIVE_INFINITY;
    for (let p = 0; p < PROBES; p++) {
      const i = (home + p) & this.#mask;
      this.#lock(i);
      // Another thread made this key's bucket since the look above: use it (a
      // second bucket for one key would be a second budget).
      if (this.#keys[i] === fp) return this.#take(i, now);
      const slot: Bucket = { tokens: this.#tokens[i] as number, atMs: this.#atMs[i] as number };
      if (this.#keys[i] === 0 || isIdle(slot, now, this.rate, this.capacity)) {
        return this.#fresh(i, fp, now);
      }
      if (slot.atMs < victimAt) {
        victim = i;
        victimAt = slot.atMs;
      }
      this.#unlock(i);
    }
    this.#lock(victim);
    return this.#fresh(victim, fp, now);
  }

  /** Starts a full bucket for `fp` in locked slot `i` and takes from it. */
  #fresh(i: number, fp: number, now: number): TakeResult {
    this.#keys[i] = fp;
    this.#tokens[i] = this.capacity;
    this.#atMs[i] = now;
    return this.#take(i, now);
  }

  /** One decision on locked slot `i`; unlocks it. */
  #take(i: number, now: number): TakeResult {
    const bucket: Bucket = { tokens: this.#tokens[i] as number, atMs: this.#atMs[i] as number };
    const result = takeToken(bucket, now, this.rate, this.capacity);
    this.#tokens[i] = bucket.tokens;
    this.#atMs[i] = bucket.atMs;
    this.#unlock(i);
    return result;
  }

  #lock(i: number): void {
    while (Atomics.compareExchange(this.#locks, i, 0, 1) !== 0) {
      // Another thread is inside the same slot for a few instructions.
    }
  }

  #unlock(i: number): void {
    Atomics.store(this.#locks, i, 0);
  }
}
