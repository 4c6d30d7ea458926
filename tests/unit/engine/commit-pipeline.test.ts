/**
 * The pipelined commit loop (src/engine/commit-loop.ts) with real files: the
 * log's batch writes wait at gates the test opens (gated-file-ops.ts), so the
 * order of plan, write, fdatasync, apply and answer is observed, not assumed;
 * SQLite faults are real (a second connection holding the write lock).
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Engine } from "../../../src/engine/engine.ts";
import { isStemeError, type StemeError } from "../../../src/errors.ts";
import { SegmentLog } from "../../../src/log/segment-log.ts";
import { silentLogger } from "../../../src/logger.ts";
import { prepare, testAgent } from "../../helpers/agents.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { gatedFileOps } from "./gated-file-ops.ts";

const alice = testAgent(1);
const T0 = 1_767_225_600_000;

function claim(n: number, extra: Record<string, unknown> = {}) {
  return prepare(
    alice.sign({
      concept: "acme/pipeline",
      predicate: "status",
      value: `v${n}`,
      ts: T0 + n,
      ...extra,
    }),
  );
}

async function refusal(p: Promise<unknown>): Promise<StemeError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(isStemeError(e, "storage_unavailable")).toBe(true);
  return e as StemeError;
}

async function openEngine(dataDir: string, gated = gatedFileOps()) {
  let now = T0;
  const engine = await Engine.open({
    dataDir,
    logger: silentLogger,
    clock: { now: () => now },
    log: { fileOps: gated.ops },
    onApplied: (sth) => gated.events.push(`applied up to ${sth.tree_size}`),
    // Probes run when the test calls probe(): no timers.
    storageBreaker: { probeSeconds: 5, schedule: () => () => {} },
  });
  return { engine, advance: (ms: number) => (now += ms) };
}

describe("pipelined commit loop", () => {
  test("group N+1 is written while N is applied; when N+1's fdatasync fails after N was applied, nothing of N+1 (or queued behind it) is applied, acknowledged or kept in the log", async () => {
    using dir = tempDir();
    const gated = gatedFileOps();
    const { engine: e, advance } = await openEngine(dir.path, gated);
    const [c1, c2, c3, c4, c5] = [1, 2, 3, 4, 5].map((n) => claim(n));
    const retract2 = claim(6, { value: null, retracts: c2?.idHex });
    if (!c1 || !c2 || !c3 || !c4 || !c5) throw new Error("unreachable");
    try {
      // Group N: three claims; it waits in its fdatasync.
      const n = e.ingest([c1, c2, c3]);
      const gateN = await gated.next();
      // Group N+1 queues meanwhile: a new claim, a duplicate of an item of N, a retraction of one.
      const n1 = e.ingest([c4, c1, retract2]);
      gateN.release();
      // N is durable: N+1 is planned on top of it and its write + fdatasync starts before N is applied.
      const gateN1 = await gated.next();
      const rn = await n;
      expect(gated.events).toEqual([
        "write+fdatasync 1 started",
        "write+fdatasync 2 started",
        "applied up to 3",
      ]);
      expect(rn.outcomes.map((o) => ("seq" in o ? o.seq : 0))).toEqual([1, 2, 3]);
      expect(rn.sth.tree_size).toBe(3);
      expect(e.tree.size).toBe(3); // N applied while N+1 is still in its fdatasync
      // Work queued behind N+1 waits for it.
      const n2 = e.ingest([c5]);

      gateN1.fail(); // N+1 was written in full, then its fdatasync fails
      const err = await refusal(n1);
      expect(err.message).toContain("EIO");
      const queued = await refusal(n2); // refused by the open breaker, never planned on top of N+1
      expect(queued.context.retryAfterS).toBe(5);

      // State at N's record boundary; nothing of N+1 visible; not ready, reads go on.
      expect(e.tree.size).toBe(3);
      expect(e.state.meta.get("last_lsn")).toBe(3);
      expect(e.getAssertion(c4.id)).toBeUndefined();
      expect(e.getAssertion(retract2.id)).toBeUndefined();
      expect(e.getAssertion(c5.id)).toBeUndefined();
      expect(e.log.lastLsn).toBe(3);
      expect(e.ready).toBe(false);
      expect(e.treeHead().tree_size).toBe(3);

      // The probe closes the breaker; N+1's seqs and LSNs are handed out again.
      advance(5000);
      expect(await e.storageBreaker.probe()).toBe(true);
      const again = e.ingest([retract2, c4]);
      (await gated.next()).release();
      expect((await again).outcomes).toEqual([
        { id: retract2.idHex, seq: 4, status: "accepted" },
        { id: c4.idHex, seq: 5, status: "accepted" },
      ]);
      expect(e.log.lastLsn).toBe(5);
    } finally {
      const closing = e.close();
      await closing;
    }
    // The log kept no byte of the failed group: no torn tail to cut, records 1–5 in order.
    const log = await SegmentLog.open(join(dir.path, "wal"));
    expect(log.openReport).toBeUndefined();
    expect([...log.readFrom(1)].map((r) => r.lsn)).toEqual([1, 2, 3, 4, 5]);
    await log.close();
    const { engine: reopened } = await openEngine(dir.path);
    try {
      expect(reopened.tree.size).toBe(5);
      expect(reopened.getAssertion(c4.id)?.seq).toBe(5);
    } finally {
      await reopened.close();
    }
  });

  test("a group planned on top of one that fails to apply is refused too; the breaker's probe applies the durable tail, nothing lost", async () => {
    using dir = tempDir();
    const gated = gatedFileOps();
    const { engine: e, advance } = await openEngine(dir.path, gated);
    const [c1, c2, c3] = [1, 2, 3].map((n) => claim(n));
    if (!c1 || !c2 || !c3) throw new Error("unreachable");
    // A real SQLite fault: another connection holds the write lock, the engine does not wait.
    e.state.db.run("PRAGMA busy_timeout = 0");
    const blocker = new Database(join(dir.path, "db", "state.sqlite"));
    try {
      const n = e.ingest([c1]);
      const gateN = await gated.next();
      const n1 = e.ingest([c2, c1]); // planned on top of N: c1 is N's duplicate
      blocker.run("BEGIN IMMEDIATE");
      gateN.release();
      const gateN1 = await gated.next(); // N+1 is being written while N's apply fails
      const errN = await refusal(n);
      expect(errN.message).toContain("in the log but not applied");
      expect(e.ready).toBe(false);
      expect(e.tree.size).toBe(0);
      expect(e.treeHead().tree_size).toBe(0);
      gateN1.release(); // N+1 becomes durable, but was planned on N: refused as well
      await refusal(n1);
      expect(e.log.lastLsn).toBe(2); // both groups are in the log
      expect(e.state.meta.get("last_lsn")).toBe(0);
      await refusal(e.ingest([c3])); // breaker open: refused at once

      // While the lock is held the probe fails; once it is gone the tail is applied.
      advance(5000);
      expect(await e.storageBreaker.probe()).toBe(false);
      blocker.run("COMMIT");
      advance(5000);
      expect(await e.storageBreaker.probe()).toBe(true);
      expect(e.ready).toBe(true);
      expect(e.tree.size).toBe(2);
      expect(e.getAssertion(c2.id)?.seq).toBe(2);
      // Resubmitting gives the receipts: duplicates with their seqs.
      const resubmit = await e.ingest([c1, c2]);
      expect(resubmit.outcomes).toEqual([
        { id: c1.idHex, seq: 1, status: "duplicate" },
        { id: c2.idHex, seq: 2, status: "duplicate" },
      ]);
      const root = e.treeHead().root;
      const next = e.ingest([c3]);
      (await gated.next()).release();
      expect((await next).outcomes[0]).toMatchObject({ seq: 3, status: "accepted" });
      await e.close();
      const { engine: reopened } = await openEngine(dir.path);
      try {
        expect(reopened.tree.size).toBe(3);
        expect(reopened.tree.root(2)).toEqual(Buffer.from(root, "hex"));
      } finally {
        await reopened.close();
      }
    } finally {
      blocker.close();
      await e.close();
    }
  });
});
