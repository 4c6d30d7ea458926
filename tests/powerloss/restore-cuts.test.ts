/**
 * Power cuts during `stemedb restore` into a data dir on cutfs (SPEC §7): a
 * cut mid-restore leaves a data dir that refuses to start, holds nothing
 * (nothing was placed yet: run the restore again), or is complete — never a
 * server that starts on part of the history. And once restore exited 0, a
 * cut must not take any of it back.
 */
import { expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Engine } from "../../src/engine/engine.ts";
import { toHex } from "../../src/hex.ts";
import { silentLogger } from "../../src/logger.ts";
import { prng } from "../helpers/prng.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { openLive, writeAssertions } from "../unit/backup/backup-fixture.ts";
import { type Cutfs, cutfsAvailable, cutfsTitle, mountCutfs } from "./cutfs/cutfs-mount.ts";
import { MAIN } from "./cuts-under-load.ts";

const FILE = "tests/powerloss/restore-cuts.test.ts";
const run = cutfsAvailable ? test : test.skip;

/** What a data dir left by a cut amounts to: refused, empty, or a tree of `size` with `root`. */
async function outcome(
  dataDir: string,
): Promise<"refused" | "empty" | { size: number; root: string }> {
  const placed = existsSync(dataDir) && readdirSync(dataDir).some((n) => n === "db" || n === "wal");
  if (!placed) return "empty";
  try {
    const engine = await Engine.open({ dataDir, logger: silentLogger });
    try {
      return { size: engine.tree.size, root: toHex(engine.tree.root()) };
    } finally {
      await engine.close();
    }
  } catch {
    return "refused";
  }
}

function restore(backup: string, dataDir: string) {
  return Bun.spawn(
    [process.execPath, MAIN, "restore", "--from", backup, "--data-dir", dataDir, "--json"],
    {
      stdout: "pipe",
      stderr: "pipe",
    },
  );
}

async function cutAndResume(fs: Cutfs) {
  await fs.cut();
  await fs.resume();
}

run(
  cutfsTitle(
    FILE,
    "a cut during or after restore leaves a refused, empty or complete data dir, never half",
  ),
  async () => {
    using src = tempDir("stemedb-restore-src-");
    const live = await openLive(join(src.path, "data"));
    await writeAssertions(live, 300);
    const want = { size: live.tree.size, root: toHex(live.tree.root()) };
    await live.close();
    const backup = join(src.path, "backup");
    const b = Bun.spawnSync([
      process.execPath,
      MAIN,
      "backup",
      "--data-dir",
      join(src.path, "data"),
      "--to",
      backup,
    ]);
    expect(b.exitCode).toBe(0);

    await using fs = await mountCutfs();
    const rnd = prng(Number(process.env.STEMEDB_POWERLOSS_SEED ?? Date.now() % 1_000_000));
    // A restore that completes, then a cut: everything it placed must stay.
    const done = join(fs.dir, "done");
    const first = restore(backup, done);
    const started = performance.now();
    expect(await first.exited).toBe(0);
    const millis = performance.now() - started;
    await cutAndResume(fs);
    expect(await outcome(done)).toEqual(want);

    // Cuts at random moments of a restore: refused, empty or complete.
    const seen: string[] = [];
    for (let round = 0; round < 3; round++) {
      const dataDir = join(fs.dir, `r${round}`);
      mkdirSync(dataDir);
      await fs.sync();
      const proc = restore(backup, dataDir);
      await Bun.sleep(rnd.int(Math.round(millis * 0.3), Math.round(millis)));
      await fs.cut();
      proc.kill("SIGKILL");
      await proc.exited;
      await fs.resume();
      const got = await outcome(dataDir);
      seen.push(typeof got === "string" ? got : `complete(${got.size})`);
      if (got !== "refused" && got !== "empty")
        expect(got, `seed ${rnd.seed} round ${round}`).toEqual(want);
    }
    console.log(`restore cuts (seed ${rnd.seed}): ${seen.join(", ")}`);
  },
  180_000,
);
