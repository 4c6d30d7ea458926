/**
 * `SharedTokenBuckets` (one per-IP budget across the threads serving HTTP,
 * SPEC §6, §11): the same decisions as `TokenBuckets` for the same requests
 * and times; bounded table with idle and least recently used slots reused; one
 * budget when two threads take from the same key at once.
 */
import { describe, expect, test } from "bun:test";
import { SharedTokenBuckets } from "../../../src/defense/shared-token-buckets.ts";
import { TokenBuckets } from "../../../src/defense/token-bucket.ts";
import { prng } from "../../helpers/prng.ts";

function manualClock(start = 5_000_000) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

describe("SharedTokenBuckets", () => {
  test("decides exactly as TokenBuckets over a random stream of keys and times", () => {
    const clock = manualClock();
    const options = { ratePerSecond: 7, burstSeconds: 1.5, clock };
    const plain = new TokenBuckets(options);
    const shared = new SharedTokenBuckets({
      ...options,
      buffer: SharedTokenBuckets.allocate(1024),
    });
    const random = prng(9);
    for (let i = 0; i < 20_000; i++) {
      clock.t += Math.floor(random.next() * 40);
      const key = `10.0.${Math.floor(random.next() * 8)}.${Math.floor(random.next() * 8)}`;
      expect(shared.take(key)).toEqual(plain.take(key));
    }
  });

  test("a full table reuses idle slots, then the least recently used, and keeps deciding", () => {
    const clock = manualClock();
    const b = new SharedTokenBuckets({
      ratePerSecond: 1,
      burstSeconds: 2,
      clock,
      buffer: SharedTokenBuckets.allocate(16),
    });
    for (let i = 0; i < 100; i++) {
      clock.t += 1;
      expect(b.take(`key-${i}`)).toMatchObject({ allowed: true, remaining: 1 });
    }
    // A key still in the table keeps its bucket: spent twice, refused.
    b.take("hot");
    clock.t += 1;
    b.take("hot");
    expect(b.take("hot").allowed).toBe(false);
  });

  test("allocate refuses a table size that is not a power of two", () => {
    expect(() => SharedTokenBuckets.allocate(1000)).toThrow(RangeError);
  });

  test("two threads taking from one key at once share one budget", async () => {
    const buffer = SharedTokenBuckets.allocate(1024);
    // No refill (the clock stands still): exactly the capacity is allowed in all.
    const job = { buffer, key: "203.0.113.9", times: 3000, rate: 1000, burst: 2 };
    const workers = [0, 1].map(
      () => new Worker(new URL("./shared-bucket-worker.ts", import.meta.url)),
    );
    try {
      const counts = await Promise.all(
        workers.map(
          (w) =>
            new Promise<number>((resolve) => {
              w.onmessage = (e: MessageEvent<number>) => resolve(e.data);
              w.postMessage(job);
            }),
        ),
      );
      expect((counts[0] ?? 0) + (counts[1] ?? 0)).toBe(2000);
    } finally {
      for (const w of workers) w.terminate();
    }
  });
});
