/** Test worker: takes `times` tokens for `key` from a shared bucket table and posts how many were allowed. */
import { SharedTokenBuckets } from "../../../src/defense/shared-token-buckets.ts";

declare const self: Worker;

self.onmessage = (
  event: MessageEvent<{
    buffer: SharedArrayBuffer;
    key: string;
    times: number;
    rate: number;
    burst: number;
  }>,
) => {
  const { buffer, key, times, rate, burst } = event.data;
  const buckets = new SharedTokenBuckets({
    ratePerSecond: rate,
    burstSeconds: burst,
    clock: { now: () => 5_000_000 },
    buffer,
  });
  let allowed = 0;
  for (let i = 0; i < times; i++) if (buckets.take(key).allowed) allowed++;
  self.postMessage(allowed);
};
