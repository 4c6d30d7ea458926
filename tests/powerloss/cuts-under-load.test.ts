/**
 * SPEC §5 under power cuts (cutfs drops every unsynced byte and name): the CI
 * length of `npm run powerloss` — 10 cuts under concurrent single and batch
 * writers; nothing acknowledged may be lost, and `stemedb verify` passes.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { cutfsAvailable, cutfsTitle, mountCutfs } from "./cutfs/cutfs-mount.ts";
import { runCutsUnderLoad, verifyDataDir } from "./cuts-under-load.ts";

const CUTS = Number(process.env.STEMEDB_POWERLOSS_CUTS ?? 10);
const FILE = "tests/powerloss/cuts-under-load.test.ts";
const run = cutfsAvailable ? test : test.skip;

run(
  cutfsTitle(FILE, `every acknowledged write survives ${CUTS} power cuts under concurrent writers`),
  async () => {
    await using fs = await mountCutfs();
    const seed = Number(process.env.STEMEDB_POWERLOSS_SEED ?? Date.now() % 1_000_000);
    const f = await runCutsUnderLoad(fs, {
      cuts: CUTS,
      seed,
      maxAcksPerRound: 200,
      log: console.log,
    });
    console.log(
      `power loss (seed ${seed}): ${f.cuts} cuts, ${f.acknowledged} acknowledged, ${f.lost} lost, ` +
        `${f.headsChecked} heads and ${f.receiptsChecked} receipts proved, ${f.tornTails} torn log tails cut`,
    );
    expect(f.failures).toEqual([]);
    expect(f.acknowledged).toBeGreaterThan(CUTS * 5);
    const verify = await verifyDataDir(join(fs.dir, "data"));
    expect(verify.output).toContain("PASS:");
    expect(verify.code).toBe(0);
  },
  240_000,
);
