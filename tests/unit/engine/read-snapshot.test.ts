/**
 * `ReadSnapshot` (a reader thread's read side, SPEC §11) over a real data dir
 * beside a running engine: one snapshot per synchronous run, a new one after
 * any await; its tree head is signed by the node key for exactly its size.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Engine } from "../../../src/engine/engine.ts";
import { ReadSnapshot } from "../../../src/engine/read-snapshot.ts";
import { isStemeError } from "../../../src/errors.ts";
import { fromHex, toHex } from "../../../src/hex.ts";
import { silentLogger } from "../../../src/logger.ts";
import { leafHash } from "../../../src/merkle/hash.ts";
import { loadOrCreateNodeKey } from "../../../src/merkle/node-key.ts";
import { verifyTreeHead } from "../../../src/merkle/tree-head.ts";
import { verifyInclusion } from "../../../src/merkle/verify-proofs.ts";
import { ReadState } from "../../../src/store/read-state.ts";
import { prepare, testAgent } from "../../helpers/agents.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const alice = testAgent(1);
const claim = (n: number) =>
  prepare(
    alice.sign({
      concept: `acme/snap/k${n}`,
      predicate: "status",
      value: n,
      ts: 1_767_225_600_000 + n,
    }),
  );

async function setup(dir: string) {
  const engine = await Engine.open({ dataDir: dir, logger: silentLogger });
  const dbPath = join(dir, "db", "state.sqlite");
  const snapshot = new ReadSnapshot(ReadState.open(dbPath), loadOrCreateNodeKey(dir).signer);
  return { engine, snapshot, dbPath };
}

describe("ReadSnapshot", () => {
  test("sees each acknowledged write at its next run; one snapshot within a run", async () => {
    using dir = tempDir();
    const { engine, snapshot, dbPath } = await setup(dir.path);
    try {
      expect(snapshot.tree.size).toBe(0);
      const first = await engine.ingest([claim(1)]);
      const id = fromHex(first.outcomes[0]?.id as string);
      expect(snapshot.tree.size).toBe(1); // a new run: the acknowledged write is there
      expect(snapshot.getAssertion(id)?.status).toBe(1);

      // Within one synchronous run, a commit by another connection stays invisible…
      const other = new Database(dbPath);
      expect(snapshot.getAssertion(id)?.status).toBe(1);
      other.run("UPDATE assertions SET status = 4 WHERE seq = 1");
      expect(snapshot.getAssertion(id)?.status).toBe(1);
      expect(snapshot.history("acme/snap/k1", "status", 0, 10)[0]?.status).toBe(1);
      await Promise.resolve();
      // …and visible from the next one on.
      expect(snapshot.getAssertion(id)?.status).toBe(4);
      other.run("UPDATE assertions SET status = 1 WHERE seq = 1");
      other.close();

      await engine.ingest([claim(2), claim(3)]);
      expect(snapshot.state.query).toBeDefined();
      expect(snapshot.tree.size).toBe(3);
      expect(toHex(snapshot.tree.root())).toBe(toHex(engine.tree.root()));
    } finally {
      snapshot.close();
      await engine.close();
    }
  });

  test("its tree head is the node key's signature for its size; its proofs verify against it", async () => {
    using dir = tempDir();
    const { engine, snapshot } = await setup(dir.path);
    try {
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await engine.ingest([claim(10 + i)]));
      const sth = snapshot.treeHead();
      expect(sth.tree_size).toBe(5);
      expect(sth.root).toBe(engine.treeHead().root);
      expect(verifyTreeHead(sth, engine.treeHead().server_key)).toBe(true);
      expect(snapshot.treeHead()).toBe(sth); // cached while the size stays
      const id = fromHex(results[2]?.outcomes[0]?.id as string);
      const path = snapshot.tree.inclusionProof(2, 5);
      expect(verifyInclusion(leafHash(id), 2, 5, path, snapshot.tree.root(5))).toBe(true);
      await engine.ingest([claim(20)]);
      await Promise.resolve();
      expect(snapshot.treeHead().tree_size).toBe(6);
    } finally {
      snapshot.close();
      await engine.close();
    }
  });

  test("waitForTreeSize resolves once the engine has committed that far, else not_ready", async () => {
    using dir = tempDir();
    const { engine, snapshot } = await setup(dir.path);
    try {
      await snapshot.waitForTreeSize(0, 0); // already there: no wait, no timeout
      const waiting = snapshot.waitForTreeSize(2, 30_000);
      await engine.ingest([claim(30)]);
      await engine.ingest([claim(31)]);
      await waiting;
      expect(snapshot.tree.size).toBe(2);

      const error = await snapshot.waitForTreeSize(3, 20).catch((e: unknown) => e);
      expect(isStemeError(error, "not_ready")).toBe(true);
      expect((error as { field?: string }).field).toBe("min_tree_size");
      expect((error as { context: { retryAfterS?: number } }).context.retryAfterS).toBe(1);
      expect(snapshot.tree.size).toBe(2);
    } finally {
      snapshot.close();
      await engine.close();
    }
  });
});
