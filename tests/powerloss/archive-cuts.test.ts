/**
 * Continuous archival under power cuts (SPEC §7: idempotent, resumes after
 * interruption, never leaves a gap). The server's data dir and its directory
 * archive target are both on cutfs; writers post while the server ships every
 * 50 ms, and the power is cut at random moments. Archival keeps no local
 * bookkeeping — it resumes from the target's own listing — so after the cuts
 * the archive must catch up with the log, `verify --backup` must pass, and a
 * restore from it must give the live tree: same size, same root.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { Engine } from "../../src/engine/engine.ts";
import { toHex } from "../../src/hex.ts";
import { silentLogger } from "../../src/logger.ts";
import { archiveHealth, waitFor } from "../helpers/archive-load.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { cutfsAvailable, cutfsTitle, mountCutfs } from "./cutfs/cutfs-mount.ts";
import { MAIN, runCutsUnderLoad, startOnLayer } from "./cuts-under-load.ts";

const CUTS = 2;
const FILE = "tests/powerloss/archive-cuts.test.ts";
const run = cutfsAvailable ? test : test.skip;

function cli(args: string[]) {
  const r = Bun.spawnSync([process.execPath, MAIN, ...args], { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, output: r.stdout.toString() + r.stderr.toString() };
}

run(
  cutfsTitle(
    FILE,
    `archival to a directory survives ${CUTS} power cuts: gap-free, verified, restorable`,
  ),
  async () => {
    await using fs = await mountCutfs();
    const archive = join(fs.dir, "archive");
    const env = { STEMEDB_ARCHIVE_TO: archive, STEMEDB_ARCHIVE_INTERVAL_MS: "50" };
    const seed = Number(process.env.STEMEDB_POWERLOSS_SEED ?? Date.now() % 1_000_000);
    const f = await runCutsUnderLoad(fs, { cuts: CUTS, seed, maxAcksPerRound: 200, env });
    expect(f.failures, `seed ${seed}`).toEqual([]);

    const dataDir = join(fs.dir, "data");
    const server = await startOnLayer(dataDir, fs.dir, env);
    try {
      await waitFor("the archive to catch up after the cuts", async () => {
        const a = await archiveHealth(server.url);
        return a.backlog_records === 0 && a.archived_lsn === a.log_last_lsn && a;
      });
    } finally {
      expect((await server.stop("SIGTERM")).code).toBe(0);
    }
    const live = await Engine.open({ dataDir, logger: silentLogger });
    const want = { size: live.tree.size, root: toHex(live.tree.root()) };
    await live.close();

    const verify = cli(["verify", "--backup", archive]);
    expect(verify.code, verify.output).toBe(0);
    using out = tempDir("stemedb-archive-cuts-");
    const restored = join(out.path, "data");
    const r = cli(["restore", "--from", archive, "--data-dir", restored]);
    expect(r.code, r.output).toBe(0);
    const engine = await Engine.open({ dataDir: restored, logger: silentLogger });
    try {
      expect({ size: engine.tree.size, root: toHex(engine.tree.root()) }).toEqual(want);
    } finally {
      await engine.close();
    }
    console.log(
      `archive cuts (seed ${seed}): ${f.cuts} cuts, ${f.acknowledged} acknowledged, restored ${want.size}`,
    );
  },
  240_000,
);
