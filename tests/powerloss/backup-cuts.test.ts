/**
 * Power cuts during `stemedb backup` into a directory target on cutfs (SPEC
 * §7: objects are immutable once written, a partial upload is never taken for
 * a complete one). Once backup exited 0, a cut must leave a snapshot that
 * restores completely; a cut mid-backup must leave a target that restores
 * completely or is refused — never a restore of part of the history.
 */
import { expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Engine } from "../../src/engine/engine.ts";
import { toHex } from "../../src/hex.ts";
import { silentLogger } from "../../src/logger.ts";
import { prng } from "../helpers/prng.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { openLive, writeAssertions } from "../unit/backup/backup-fixture.ts";
import { cutfsAvailable, cutfsTitle, mountCutfs } from "./cutfs/cutfs-mount.ts";
import { MAIN } from "./cuts-under-load.ts";

const FILE = "tests/powerloss/backup-cuts.test.ts";
const run = cutfsAvailable ? test : test.skip;

function cli(args: string[]) {
  return Bun.spawn([process.execPath, MAIN, ...args], { stdout: "pipe", stderr: "pipe" });
}

/** Restores `target` into a fresh dir on the ordinary disk: "refused" or the tree it holds. */
async function restoredFrom(target: string, into: string) {
  const proc = cli(["restore", "--from", target, "--data-dir", into]);
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) {
    const placed = existsSync(into) && readdirSync(into).length > 0;
    expect(placed, `a refused restore placed something: ${stderr}`).toBe(false);
    return "refused";
  }
  const engine = await Engine.open({ dataDir: into, logger: silentLogger });
  try {
    return { size: engine.tree.size, root: toHex(engine.tree.root()) };
  } finally {
    await engine.close();
  }
}

run(
  cutfsTitle(
    FILE,
    "a cut during or after backup to a directory leaves a target that restores completely or is refused",
  ),
  async () => {
    using src = tempDir("stemedb-backup-src-");
    const dataDir = join(src.path, "data");
    const live = await openLive(dataDir);
    await writeAssertions(live, 300);
    const want = { size: live.tree.size, root: toHex(live.tree.root()) };
    await live.close();

    await using fs = await mountCutfs();
    const rnd = prng(Number(process.env.STEMEDB_POWERLOSS_SEED ?? Date.now() % 1_000_000));
    const done = join(fs.dir, "done");
    const started = performance.now();
    expect(await cli(["backup", "--data-dir", dataDir, "--to", done]).exited).toBe(0);
    const millis = performance.now() - started;
    await fs.cut();
    await fs.resume();
    expect(await restoredFrom(done, join(src.path, "r-done"))).toEqual(want);

    const seen: string[] = [];
    for (let round = 0; round < 2; round++) {
      const target = join(fs.dir, `t${round}`);
      const proc = cli(["backup", "--data-dir", dataDir, "--to", target]);
      await Bun.sleep(rnd.int(0, Math.round(millis)));
      await fs.cut();
      proc.kill("SIGKILL");
      await proc.exited;
      await fs.resume();
      const got = await restoredFrom(target, join(src.path, `r${round}`));
      seen.push(typeof got === "string" ? got : `complete(${got.size})`);
      if (got !== "refused") expect(got, `seed ${rnd.seed} round ${round}`).toEqual(want);
    }
    console.log(`backup cuts (seed ${rnd.seed}): ${seen.join(", ")}`);
  },
  180_000,
);
