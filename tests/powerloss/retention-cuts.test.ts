/**
 * Power cuts during segment rolls, SQLite checkpoints and log retention
 * (SPEC §5: segments are removed only once applied; the state records the
 * last applied seq). SQLite runs with synchronous=NORMAL, so its WAL is not
 * fsynced at commit: only the log makes a write durable, and retention may
 * remove a segment only after a checkpoint made its rows durable in SQLite.
 * A child engine (tests/crash/ingest-child.ts) rolls 4 KiB segments and runs
 * retention every 20th batch; the parent cuts the power at random moments, then opens
 * the data dir itself: every acknowledged write with its seq, every tree head
 * a prefix of the tree, `verify` passing.
 */
import { expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Engine } from "../../src/engine/engine.ts";
import { fromHex } from "../../src/hex.ts";
import { silentLogger } from "../../src/logger.ts";
import { verifyConsistency } from "../../src/merkle/verify-proofs.ts";
import { verifyDataDir } from "../../src/verify/verify-data-dir.ts";
import { childLines } from "../helpers/child-lines.ts";
import { prng } from "../helpers/prng.ts";
import { cutfsAvailable, cutfsTitle, mountCutfs } from "./cutfs/cutfs-mount.ts";

const CUTS = 3;
const CHILD = join(import.meta.dir, "../crash/ingest-child.ts");
const CHILD_OPTIONS = JSON.stringify({ segmentBytes: 4096, retentionHours: 0, retentionEvery: 20 });
const FILE = "tests/powerloss/retention-cuts.test.ts";
const run = cutfsAvailable ? test : test.skip;

run(
  cutfsTitle(
    FILE,
    `${CUTS} power cuts among segment rolls, checkpoints and retention lose nothing acknowledged`,
  ),
  async () => {
    await using fs = await mountCutfs();
    const dataDir = join(fs.dir, "data");
    mkdirSync(dataDir);
    await fs.sync();
    const rnd = prng(Number(process.env.STEMEDB_POWERLOSS_SEED ?? Date.now() % 1_000_000));
    const acked = new Map<string, number>();
    const heads = new Map<number, string>();
    let removed = 0;
    for (let cut = 0; cut < CUTS; cut++) {
      const child = Bun.spawn([process.execPath, CHILD, dataDir, CHILD_OPTIONS], {
        stdout: "pipe",
        stderr: "pipe",
      });
      const target = rnd.int(50, 300);
      let acks = 0;
      for await (const line of childLines(child.stdout)) {
        const [kind, id, seq, size, root] = line.split(" ");
        if (kind === "ack") {
          acked.set(id as string, Number(seq));
          heads.set(Number(size), root as string);
          acks++;
        } else if (kind === "retention") removed += Number(id);
        if (acks >= target) break;
      }
      await fs.cut();
      child.kill("SIGKILL");
      await child.exited;
      await fs.resume();
      if (acks < target)
        throw new Error(`child exited early: ${await new Response(child.stderr).text()}`);

      const engine = await Engine.open({ dataDir, logger: silentLogger, segmentBytes: 4096 });
      try {
        for (const [id, seq] of acked) {
          expect(
            engine.getAssertion(fromHex(id, 32))?.seq,
            `seed ${rnd.seed}, cut ${cut}: ${id}`,
          ).toBe(seq);
        }
        const size = engine.tree.size;
        const root = engine.tree.root();
        for (const [oldSize, oldRoot] of heads) {
          const proof = engine.tree.consistencyProof(oldSize, size);
          expect(verifyConsistency(oldSize, size, fromHex(oldRoot), root, proof)).toBe(true);
        }
      } finally {
        await engine.close();
      }
    }
    const report = await verifyDataDir(dataDir);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    console.log(
      `retention cuts: ${CUTS} cuts, ${acked.size} acknowledged, ${removed} segments removed by retention`,
    );
    expect(removed).toBeGreaterThan(0);
  },
  180_000,
);
