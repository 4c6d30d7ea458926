/**
 * A restore onto a full disk (a real tmpfs filled to ENOSPC, SPEC §7): it fails
 * with `storage_unavailable`, leaves no scratch copy and places nothing; once
 * space is freed the same restore succeeds. Needs root for mount(8): skipped
 * (with the reason in the name) otherwise; CI runs as root.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DirTarget } from "../../../src/backup/dir-target.ts";
import { restoreDataDir } from "../../../src/backup/restore-data-dir.ts";
import { takeBackup } from "../../../src/backup/take-backup.ts";
import { fillDisk } from "../../helpers/fill-disk.ts";
import { type TempDir, tempDir } from "../../helpers/temp-dir.ts";
import { openLive, writeAssertions } from "./backup-fixture.ts";

const runnable = process.getuid?.() === 0 || process.env.CI === "true";
const TITLE = runnable
  ? "a restore onto a full disk fails as storage_unavailable, places nothing, and succeeds once space is freed"
  : "SKIPPED (not root: mount -t tmpfs needs root) a restore onto a full disk";

let tmp: TempDir;
let target: DirTarget;
let disk: string;
let mounted = false;

function sh(cmd: string[]): void {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr.toString()}`);
}

beforeAll(async () => {
  tmp = tempDir("stemedb-restore-full-");
  target = new DirTarget(join(tmp.path, "target"));
  const live = await openLive(join(tmp.path, "live"));
  await writeAssertions(live, 30);
  await takeBackup({ dataDir: join(tmp.path, "live"), target, version: "test" });
  await live.close();
  disk = join(tmp.path, "disk");
  mkdirSync(disk);
  if (runnable) {
    sh(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", disk]);
    mounted = true;
  }
}, 30_000);

afterAll(() => {
  if (mounted) sh(["umount", disk]);
  tmp[Symbol.dispose]();
});

test.skipIf(!runnable)(
  TITLE,
  async () => {
    fillDisk(join(disk, "filler"));
    const dataDir = join(disk, "restored");
    await expect(
      restoreDataDir({ target, dataDir, point: { kind: "latest" } }),
    ).rejects.toMatchObject({
      code: "storage_unavailable",
    });
    expect(readdirSync(disk)).toEqual(["filler"]);
    rmSync(join(disk, "filler"));
    const r = await restoreDataDir({ target, dataDir, point: { kind: "latest" } });
    expect(r.staged.tree_size).toBe(30);
  },
  30_000,
);
