/**
 * The CPU ceiling of ingest, on one core of this machine (SPEC §1, §11): the
 * native Ed25519 verify rate, and the rate of the server's whole per-item path
 * `prepareAssertion` (I-JSON check, zod schema, RFC 8785 canonicalization,
 * BLAKE3 id, native verify) over already-parsed documents. Single-threaded,
 * so both are per core; best of three rounds.
 */
import { fromHex } from "../../../src/hex.ts";
import { nativeVerify } from "../../../src/protocol/native-ed25519.ts";
import { prepareAssertion } from "../../../src/protocol/prepare.ts";
import { assertionMessage } from "../../../src/protocol/signed-bytes.ts";
import type { Batch } from "../lib/dataset.ts";
import { progress } from "../lib/progress.ts";

export interface VerifyBaseline {
  verifyPerCore: number;
  preparePerCore: number;
}

const SAMPLE = 20_000;

/**
 * Runs `step(i)` in three rounds of `seconds / 3`; returns the best round's
 * calls per second — a ceiling, so the round least disturbed by other load wins.
 */
function rateOf(seconds: number, step: (i: number) => void): number {
  for (let i = 0; i < 2000; i++) step(i); // warm-up
  let best = 0;
  let calls = 0;
  for (let round = 0; round < 3; round++) {
    const started = performance.now();
    const deadline = started + (seconds * 1000) / 3;
    const first = calls;
    while (performance.now() < deadline) {
      for (let k = 0; k < 500; k++) step(calls++);
    }
    best = Math.max(best, (calls - first) / ((performance.now() - started) / 1000));
  }
  return Math.round(best);
}

export function measureVerifyBaseline(batches: Batch[], seconds: number): VerifyBaseline {
  const rows: Batch["rows"] = [];
  for (const b of batches) {
    if (rows.length >= SAMPLE) break;
    rows.push(...b.rows);
  }
  const inputs = rows.map((r) => ({
    key: fromHex(r.agent, 32),
    message: assertionMessage(r.id),
    sig: r.sig,
  }));
  const verifyPerCore = rateOf(seconds, (i) => {
    const x = inputs[i % inputs.length] as (typeof inputs)[number];
    if (!nativeVerify(x.key, x.message, x.sig)) throw new Error("bench signature did not verify");
  });
  progress(`native Ed25519 verify: ${verifyPerCore}/s on one core`);

  const docs: unknown[] = [];
  for (const b of batches) {
    if (docs.length >= SAMPLE) break;
    docs.push(...(JSON.parse(b.body) as unknown[]));
  }
  const limits = { nowMs: Date.now() + 60_000, maxSkewMs: 300_000, maxValueBytes: 16_384 };
  const preparePerCore = rateOf(seconds, (i) => {
    prepareAssertion(docs[i % docs.length], limits);
  });
  progress(`prepareAssertion (schema+JCS+BLAKE3+verify): ${preparePerCore}/s on one core`);
  return { verifyPerCore, preparePerCore };
}
