import { afterAll, expect, test } from "bun:test";
import { PreparePool } from "../../../src/ingest/prepare-pool.ts";
import { BASE_TS, testAgent } from "../../helpers/agents.ts";

const limits = { nowMs: BASE_TS + 1000, maxSkewMs: 300_000, maxValueBytes: 16_384 };
const pool = new PreparePool({ workers: 2, inlineBelow: 4 });
afterAll(() => pool.close());

test("workers give the same results as inline, errors included, in input order", async () => {
  const agent = testAgent(21);
  const docs: unknown[] = Array.from({ length: 101 }, (_, i) =>
    agent.sign({ concept: "pool/test", predicate: "n", value: i }),
  );
  docs[7] = { ...(docs[7] as object), value: "tampered" };
  docs[50] = { v: 1 };
  docs[99] = "not an object";
  const inline = await new PreparePool({ workers: 0 }).prepare(docs, limits);
  const pooled = await pool.prepare(docs, limits);
  const summary = (r: (typeof pooled)[number]) =>
    r.ok
      ? [r.prepared.idHex, Buffer.from(r.prepared.canonical).toString(), r.prepared.valueCanonical]
      : [r.error.code, r.error.field];
  expect(pooled.map(summary)).toEqual(inline.map(summary));
  expect(pooled[7]).toMatchObject({ ok: false, error: { code: "bad_signature" } });
  expect(pooled[50]).toMatchObject({ ok: false, error: { code: "missing_field" } });
  expect(pooled.filter((r) => r.ok)).toHaveLength(98);
  // Prepared items from a worker are usable as-is: bytes are real Uint8Arrays.
  const first = pooled[0];
  expect(first?.ok && first.prepared.id instanceof Uint8Array && first.prepared.id.length).toBe(32);
});

test("small submissions are prepared inline and a closed pool refuses work", async () => {
  const agent = testAgent(22);
  const one = [agent.sign({ concept: "pool/test", predicate: "n", value: 1 })];
  const [r] = await pool.prepare(one, limits);
  expect(r?.ok).toBe(true);
  const closed = new PreparePool({ workers: 1, inlineBelow: 1 });
  closed.close();
  expect((await closed.prepare(one, limits))[0]?.ok).toBe(true); // no workers left: inline
});

test("a pool closed while a submission waits for its workers refuses it instead of hanging", async () => {
  const agent = testAgent(23);
  const docs = Array.from({ length: 8 }, (_, i) =>
    agent.sign({ concept: "pool/x", predicate: "n", value: i }),
  );
  const p = new PreparePool({ workers: 1, inlineBelow: 2 });
  const pending = p.prepare(docs, limits);
  p.close();
  await expect(pending).rejects.toMatchObject({ code: "not_ready" });
});

test("workers start on demand, exit when idle and come back to verify correctly", async () => {
  const agent = testAgent(24);
  const docs: unknown[] = Array.from({ length: 12 }, (_, i) =>
    agent.sign({ concept: "pool/idle", predicate: "n", value: i }),
  );
  docs[3] = { ...(docs[3] as object), value: "tampered" };
  const idle = new PreparePool({ workers: 2, inlineBelow: 2, idleMs: 0 });
  try {
    expect(idle.running).toBe(0); // nothing started before the first chunk
    for (let round = 0; round < 3; round++) {
      const results = await idle.prepare(docs, limits);
      expect(results.map((r) => r.ok)).toEqual(docs.map((_, i) => i !== 3));
      expect(results[3]).toMatchObject({ ok: false, error: { code: "bad_signature" } });
      // Each worker exits once it has no chunk: wait for that before the next round.
      while (idle.running > 0) await Bun.sleep(5);
    }
  } finally {
    idle.close();
  }
});
