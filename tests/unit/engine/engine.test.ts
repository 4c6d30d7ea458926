import { describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { Engine } from "../../../src/engine/engine.ts";
import { isStemeError, type StemeError } from "../../../src/errors.ts";
import { fromHex, toHex } from "../../../src/hex.ts";
import type { IngestPolicy } from "../../../src/ingest-policy.ts";
import type { FileOps, WritableFile } from "../../../src/log/file-ops.ts";
import { nodeFileOps, writeThenSync } from "../../../src/log/file-ops.ts";
import { segmentLogOf } from "../../../src/log/segment-log.ts";
import { memoryLogger, silentLogger } from "../../../src/logger.ts";
import { EMPTY_ROOT, leafHash } from "../../../src/merkle/hash.ts";
import { verifyTreeHead } from "../../../src/merkle/tree-head.ts";
import { verifyConsistency, verifyInclusion } from "../../../src/merkle/verify-proofs.ts";
import { prepare, testAgent } from "../../helpers/agents.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const alice = testAgent(1);
const bob = testAgent(2);

function claim(agent = alice, n = 0, extra: Record<string, unknown> = {}) {
  return prepare(
    agent.sign({
      concept: "acme/payments/checkout",
      predicate: "status",
      value: `v${n}`,
      ts: 1_767_225_600_000 + n,
      ...extra,
    }),
  );
}

async function withEngine<T>(
  dir: string,
  fn: (e: Engine) => Promise<T>,
  opts: { policy?: IngestPolicy; fileOps?: FileOps } = {},
) {
  const engine = await Engine.open({
    dataDir: dir,
    logger: silentLogger,
    ...(opts.policy ? { policy: opts.policy } : {}),
    ...(opts.fileOps ? { log: { fileOps: opts.fileOps } } : {}),
  });
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

describe("Engine", () => {
  test("a new data dir has the empty tree and a valid signed tree head", async () => {
    using dir = tempDir();
    await withEngine(dir.path, async (e) => {
      const sth = e.treeHead();
      expect(sth.tree_size).toBe(0);
      expect(sth.root).toBe(toHex(EMPTY_ROOT));
      expect(verifyTreeHead(sth)).toBe(true);
    });
  });

  test("ingest assigns seqs, answers with a covering tree head, and detects duplicates", async () => {
    using dir = tempDir();
    await withEngine(dir.path, async (e) => {
      const a = claim(alice, 1);
      const b = claim(bob, 2);
      const r1 = await e.ingest([a, b, a]);
      expect(r1.outcomes).toEqual([
        { id: a.idHex, seq: 1, status: "accepted" },
        { id: b.idHex, seq: 2, status: "accepted" },
        { id: a.idHex, seq: 1, status: "duplicate" },
      ]);
      expect(r1.sth.tree_size).toBe(2);
      expect(verifyTreeHead(r1.sth)).toBe(true);
      const r2 = await e.ingest([b]);
      expect(r2.outcomes).toEqual([{ id: b.idHex, seq: 2, status: "duplicate" }]);
      const row = e.getAssertion(a.id);
      expect(row?.seq).toBe(1);
      expect(new TextDecoder().decode(row?.canonical)).toBe(new TextDecoder().decode(a.canonical));
      const proof = e.tree.inclusionProof(1, 2);
      expect(verifyInclusion(leafHash(b.id), 1, 2, proof, fromHex(r1.sth.root))).toBe(true);
    });
  });

  test("retractions must name an earlier non-retraction by the same agent on the same key", async () => {
    using dir = tempDir();
    await withEngine(dir.path, async (e) => {
      const target = claim(alice, 1);
      const retract = (
        agent = alice,
        retracts = target.idHex,
        extra: Record<string, unknown> = {},
      ) => claim(agent, 50, { value: null, retracts, ...extra });
      const ok = retract();
      // Target and its retraction in one batch: "earlier in the same batch" counts.
      const r = await e.ingest([target, ok]);
      expect(r.outcomes.map((o) => o.status)).toEqual(["accepted", "accepted"]);
      const bad = await e.ingest([
        retract(alice, "ab".repeat(32)),
        retract(bob),
        retract(alice, target.idHex, { predicate: "owner" }),
        claim(alice, 51, { value: null, retracts: ok.idHex }),
      ]);
      expect(bad.outcomes.map((o) => (o.status === "rejected" ? o.error.code : o.status))).toEqual([
        "unknown_target",
        "not_owner",
        "target_mismatch",
        "target_mismatch",
      ]);
      expect(bad.sth.tree_size).toBe(2);
    });
  });

  test("concurrent submissions share fsyncs (group commit) and all become durable", async () => {
    using dir = tempDir();
    await withEngine(dir.path, async (e) => {
      const before = segmentLogOf(e.log).stats().batches;
      const items = Array.from({ length: 200 }, (_, i) => claim(i % 2 ? alice : bob, i));
      const results = await Promise.all(items.map((it) => e.ingest([it])));
      const seqs = results.map((r) => (r.outcomes[0] as { seq: number }).seq).sort((x, y) => x - y);
      expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      const batches = segmentLogOf(e.log).stats().batches - before;
      expect(batches).toBeLessThan(50);
      // Each answer's tree head covers its own seq.
      for (const r of results)
        expect(r.sth.tree_size).toBeGreaterThanOrEqual((r.outcomes[0] as { seq: number }).seq);
    });
  });

  test("the state rebuilds from the log alone with the same root, statuses and registry", async () => {
    using dir = tempDir();
    const quarantineBob: IngestPolicy = {
      classify: (item) =>
        item.assertion.agent === bob.key
          ? { status: "quarantined", reasons: ["probation"] }
          : { status: "accepted", reasons: [] },
    };
    let root = "";
    const held = claim(bob, 7);
    await withEngine(
      dir.path,
      async (e) => {
        await e.ingest(Array.from({ length: 50 }, (_, i) => claim(alice, i)));
        const r = await e.ingest([held]);
        expect(r.outcomes[0]).toEqual({
          id: held.idHex,
          seq: 51,
          status: "quarantined",
          reasons: ["probation"],
        });
        expect((await e.setStatus(held.id, "released")).status).toBe(3);
        await expect(e.setStatus(held.id, "rejected")).rejects.toMatchObject({
          code: "not_quarantined",
        });
        await e.updateAgent({ agent: bob.key, trust: 0.9, name: "bob" });
        root = e.treeHead().root;
      },
      { policy: quarantineBob },
    );
    rmSync(join(dir.path, "db"), { recursive: true });
    await withEngine(dir.path, async (e) => {
      expect(e.recovery.replayedRecords).toBe(53);
      expect(e.treeHead().root).toBe(root);
      expect(e.getAssertion(held.id)?.status).toBe(3);
      expect(e.agent(bob.key)).toMatchObject({ trust: 0.9, name: "bob", allowed: true });
    });
  });

  test("reopening replays nothing when the state is current, and proofs link old and new roots", async () => {
    using dir = tempDir();
    const seen = await withEngine(dir.path, async (e) => {
      await e.ingest([claim(alice, 1), claim(alice, 2), claim(alice, 3)]);
      return e.treeHead();
    });
    await withEngine(dir.path, async (e) => {
      expect(e.recovery.replayedRecords).toBe(0);
      await e.ingest([claim(bob, 4)]);
      const now = e.treeHead();
      const proof = e.tree.consistencyProof(seen.tree_size, now.tree_size);
      expect(
        verifyConsistency(
          seen.tree_size,
          now.tree_size,
          fromHex(seen.root),
          fromHex(now.root),
          proof,
        ),
      ).toBe(true);
    });
  });

  test("a failed log write answers storage_unavailable, applies nothing, and opens the storage breaker until a probe succeeds", async () => {
    using dir = tempDir();
    let failNext = false;
    const flaky: FileOps = {
      ...nodeFileOps,
      async open(path, flags) {
        const f = await nodeFileOps.open(path, flags);
        const file: WritableFile = {
          write: (...args) => f.write(...args),
          datasync: async () => {
            if (failNext) {
              failNext = false;
              throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
            }
            return f.datasync();
          },
          sync: () => f.sync(),
          truncate: (n) => f.truncate(n),
          close: () => f.close(),
          writeAndSync: (bytes, position) => writeThenSync(file, bytes, position),
        };
        return file;
      },
    };
    let now = 1_767_225_600_000;
    let probesScheduled = 0;
    const e = await Engine.open({
      dataDir: dir.path,
      logger: silentLogger,
      clock: { now: () => now },
      log: { fileOps: flaky },
      // Probes run when the test says so: no timers.
      storageBreaker: {
        probeSeconds: 5,
        schedule: () => {
          probesScheduled++;
          return () => {};
        },
      },
    });
    const lost = claim(alice, 2);
    try {
      await e.ingest([claim(alice, 1)]);
      failNext = true;
      const err = await e.ingest([lost]).catch((x: unknown) => x);
      expect(isStemeError(err, "storage_unavailable")).toBe(true);
      expect(e.getAssertion(lost.id)).toBeUndefined();
      expect(e.tree.size).toBe(1);

      // Open: writes are refused at once (the log is not touched), reads go on, not ready.
      expect(e.storageBreaker.state).toBe("open");
      expect(e.ready).toBe(false);
      expect(probesScheduled).toBe(1);
      const refused = await e.ingest([lost]).catch((x: unknown) => x);
      expect(isStemeError(refused, "storage_unavailable")).toBe(true);
      expect((refused as StemeError).context.retryAfterS).toBe(5);
      expect(segmentLogOf(e.log).stats().failedBatches).toBe(1);
      expect(e.getAssertion(claim(alice, 1).id)).toBeDefined();

      // A failed probe keeps it open for another interval; a good one closes it.
      expect(await e.storageBreaker.probe()).toBe(false); // not due yet
      now += 5000;
      failNext = true;
      expect(await e.storageBreaker.probe()).toBe(false);
      expect(e.storageBreaker.state).toBe("open");
      now += 5000;
      expect(await e.storageBreaker.probe()).toBe(true);
      expect(e.ready).toBe(true);
      const again = await e.ingest([lost]);
      expect(again.outcomes[0]).toEqual({ id: lost.idHex, seq: 2, status: "accepted" });
    } finally {
      await e.close();
    }
    await withEngine(dir.path, async (reopened) => {
      expect(reopened.tree.size).toBe(2);
    });
  });

  test("open reports a cut torn tail through the logger", async () => {
    using dir = tempDir();
    await withEngine(dir.path, async (e) => {
      await e.ingest([claim(alice, 1)]);
    });
    const { appendFileSync } = await import("node:fs");
    appendFileSync(join(dir.path, "wal", "segment-00000001.log"), new Uint8Array([1, 2, 3, 4, 5]));
    const logger = memoryLogger();
    const e = await Engine.open({ dataDir: dir.path, logger });
    try {
      expect(e.recovery.truncatedBytes).toBe(5);
      expect(logger.lines.some((l) => l.level === "warn")).toBe(true);
      expect(e.tree.size).toBe(1);
    } finally {
      await e.close();
    }
  });
});

describe("data dir lock", () => {
  test("a second engine on the same data dir is refused until the first closes", async () => {
    using dir = tempDir();
    const first = await Engine.open({ dataDir: dir.path, logger: silentLogger });
    const err = await Engine.open({ dataDir: dir.path, logger: silentLogger }).catch(
      (e: unknown) => e,
    );
    expect(isStemeError(err, "storage_unavailable")).toBe(true);
    expect(String((err as Error).message)).toContain(`process ${process.pid}`);
    await first.close();
    const second = await Engine.open({ dataDir: dir.path, logger: silentLogger });
    await second.close();
  });

  test("a lock left by a dead process is taken over", async () => {
    using dir = tempDir();
    const dead = Bun.spawnSync([process.execPath, "-e", "console.log(process.pid)"]);
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dir.path, "LOCK"), `${dead.stdout.toString().trim()}\n`);
    const e = await Engine.open({ dataDir: dir.path, logger: silentLogger });
    await e.close();
  });
});

describe("log retention", () => {
  test("removes only old, applied segments; the state keeps everything", async () => {
    using dir = tempDir();
    let now = 1_767_225_600_000;
    const clock = { now: () => now };
    const open = () =>
      Engine.open({ dataDir: dir.path, logger: silentLogger, clock, segmentBytes: 4096 });
    let e = await open();
    for (let i = 0; i < 40; i++) await e.ingest([claim(alice, i)]);
    const segments = segmentLogOf(e.log).stats().segments;
    expect(segments).toBeGreaterThan(3);
    expect(e.runRetention()).toEqual([]); // too young
    now += 8 * 24 * 3_600_000;
    const removed = e.runRetention();
    expect(removed.length).toBe(segments - 1); // all sealed ones; never the open one
    const root = e.treeHead().root;
    await e.close();

    e = await open();
    expect(e.treeHead().root).toBe(root);
    expect(e.tree.size).toBe(40);
    await e.close();

    // Without the state, the shortened log cannot rebuild it: a clear error, not a partial state.
    rmSync(join(dir.path, "db"), { recursive: true });
    const err = await open().catch((x: unknown) => x);
    expect(isStemeError(err, "corrupt_segment")).toBe(true);
    expect(String((err as Error).message)).toContain("backup");
  });
});
