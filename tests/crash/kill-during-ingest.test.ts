/**
 * SPEC §5 durability under real crashes: a child process writes continuously
 * from concurrent writers and is SIGKILLed at random points, 20 times on one
 * data dir. After every kill the data dir must open, hold every write the child
 * acknowledged (same seq), and prove consistency from every tree head the child
 * handed out to the current one.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { Engine } from "../../src/engine/engine.ts";
import { fromHex } from "../../src/hex.ts";
import { silentLogger } from "../../src/logger.ts";
import { verifyConsistency } from "../../src/merkle/verify-proofs.ts";
import { childLines } from "../helpers/child-lines.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const KILLS = 20;
const CHILD = join(import.meta.dir, "ingest-child.ts");

async function runUntilKilled(dataDir: string, acksBeforeKill: number) {
  const child = Bun.spawn([process.execPath, CHILD, dataDir], { stdout: "pipe", stderr: "pipe" });
  const acks: { id: string; seq: number }[] = [];
  const heads = new Map<number, string>();
  for await (const line of childLines(child.stdout)) {
    const [kind, id, seq, size, root] = line.split(" ");
    if (kind === "ack") {
      acks.push({ id: id as string, seq: Number(seq) });
      heads.set(Number(size), root as string);
    }
    if (acks.length >= acksBeforeKill) break;
  }
  child.kill("SIGKILL");
  const code = await child.exited;
  if (acks.length < acksBeforeKill) {
    throw new Error(`child exited early (${code}): ${await new Response(child.stderr).text()}`);
  }
  return { acks, heads, signal: child.signalCode };
}

test(`every acknowledged write survives ${KILLS} SIGKILLs during concurrent ingest`, async () => {
  using dir = tempDir("stemedb-crash-");
  const acked = new Map<string, number>();
  const heads = new Map<number, string>();
  let truncations = 0;
  for (let round = 0; round < KILLS; round++) {
    const run = await runUntilKilled(dir.path, 20 + Math.floor(Math.random() * 400));
    expect(run.signal).toBe("SIGKILL");
    for (const a of run.acks) acked.set(a.id, a.seq);
    for (const [size, root] of run.heads) heads.set(size, root);

    const engine = await Engine.open({ dataDir: dir.path, logger: silentLogger });
    try {
      if (engine.recovery.truncatedBytes > 0) truncations++;
      for (const [id, seq] of acked) {
        expect(engine.getAssertion(fromHex(id, 32))?.seq).toBe(seq);
      }
      const size = engine.tree.size;
      const root = engine.tree.root();
      for (const [oldSize, oldRoot] of heads) {
        expect(oldSize).toBeLessThanOrEqual(size);
        const proof = engine.tree.consistencyProof(oldSize, size);
        expect(verifyConsistency(oldSize, size, fromHex(oldRoot), root, proof)).toBe(true);
      }
    } finally {
      await engine.close();
    }
  }
  console.log(
    `crash test: ${KILLS} kills, ${acked.size} acknowledged writes, ${heads.size} tree heads checked, ${truncations} torn tails cut`,
  );
  expect(acked.size).toBeGreaterThan(KILLS * 20);
}, 300_000);
