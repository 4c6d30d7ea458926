/**
 * SPEC §3 "never a 500 for anything a client sent", under a seeded fuzz of
 * 5,000 requests (the CI length of `npm run powerloss -- --fuzz N`): no 5xx,
 * nothing stored that was not acknowledged, `stemedb verify` passes.
 * STEMEDB_FUZZ_SEED reproduces a run; the seed is printed.
 */
import { expect, test } from "bun:test";
import { runHttpFuzz } from "./http-fuzz.ts";

const REQUESTS = 5_000;

test(`${REQUESTS} fuzzed HTTP requests: no 5xx, nothing stored unacknowledged, verify passes`, async () => {
  const seed = Number(process.env.STEMEDB_FUZZ_SEED ?? Date.now() % 1_000_000);
  const r = await runHttpFuzz({ requests: REQUESTS, seed });
  console.log(`http fuzz (seed ${seed}): ${r.acknowledged} acknowledged, statuses ${r.byStatus}`);
  expect(r.failures).toEqual([]);
  expect(r.verified).toBe(true);
  expect(r.acknowledged).toBeGreaterThan(100);
}, 180_000);
