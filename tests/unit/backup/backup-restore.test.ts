/**
 * `takeBackup` beside a live engine and `restoreDataDir` from its snapshot and
 * archived ranges: the latest point, --until-seq and --until-time, the root
 * checked against the backup's signed tree heads, and a consistency proof from
 * the restored tree to the original's later one. Also: a non-empty dir is
 * refused, a gap is named.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DirTarget } from "../../../src/backup/dir-target.ts";
import { restoreDataDir } from "../../../src/backup/restore-data-dir.ts";
import type { BackupSummary } from "../../../src/backup/take-backup.ts";
import { takeBackup } from "../../../src/backup/take-backup.ts";
import type { Engine } from "../../../src/engine/engine.ts";
import { fromHex, toHex } from "../../../src/hex.ts";
import { verifyConsistency } from "../../../src/merkle/verify-proofs.ts";
import { verifyDataDir } from "../../../src/verify/verify-data-dir.ts";
import { shipRange } from "../../helpers/ship-archive.ts";
import { type TempDir, tempDir } from "../../helpers/temp-dir.ts";
import { agents, openLive, testClock, writeAssertions } from "./backup-fixture.ts";

let tmp: TempDir;
let live: Engine;
let target: DirTarget;
let backup: BackupSummary;
let liveDir: string;
/** Tree size and time after each phase. */
const marks: { size: number; lsn: number; at: number }[] = [];

type Mark = { size: number; lsn: number; at: number };
const mark = (i: number) => marks[i] as Mark;
const markNow = () => {
  marks.push({ size: live.tree.size, lsn: live.log.lastLsn, at: testClock.t });
  testClock.t += 1000;
};

beforeAll(async () => {
  tmp = tempDir("stemedb-backup-");
  liveDir = join(tmp.path, "live");
  target = new DirTarget(join(tmp.path, "target"));
  live = await openLive(liveDir);
  await writeAssertions(live, 30);
  await live.updateAgent({ agent: agents.alice.key, name: "alice", trust: 0.9 });
  markNow(); // 0: in the snapshot
  // Applied after the snapshot is taken: a backup's log tail is empty here;
  // the next writes go to the archive.
  backup = await takeBackup({ dataDir: liveDir, target, version: "test", now: () => testClock.t });
  testClock.t += 1000;
  await writeAssertions(live, 25);
  markNow(); // 1
  await writeAssertions(live, 25);
  markNow(); // 2
  await shipRange(liveDir, target, backup.last_lsn + 1, mark(1).lsn);
  await shipRange(liveDir, target, mark(1).lsn + 1, mark(2).lsn);
  await writeAssertions(live, 5); // never shipped
}, 30_000);

afterAll(async () => {
  await live.close();
  tmp[Symbol.dispose]();
});

describe("takeBackup", () => {
  test("records the snapshot point, a signed tree head, and every object", () => {
    expect(backup.snapshot_tree_size).toBe(mark(0).size);
    expect(backup.tree_size).toBe(mark(0).size);
    expect(backup.root).toBe(toHex(live.tree.root(mark(0).size)));
    expect(backup.objects.map((o) => o.name)).toEqual(["state.sqlite.zst"]);
    const names = readdirSync(join(tmp.path, "target", backup.prefix));
    expect(names.sort()).toEqual(["metadata.json", "state.sqlite.zst"]);
  });
});

describe("restoreDataDir", () => {
  test("latest: snapshot + archive, replayed, root checked, verify passes, proves consistency", async () => {
    const dir = join(tmp.path, "r-latest");
    const r = await restoreDataDir({ target, dataDir: dir, point: { kind: "latest" } });
    expect(r.staged.tree_size).toBe(mark(2).size);
    expect(r.root).toBe(toHex(live.tree.root(mark(2).size)));
    expect(r.tree_heads_checked.map((c) => c.tree_size)).toEqual([mark(0).size]);
    expect(r.plan.sources).toHaveLength(2);
    const v = await verifyDataDir(dir);
    expect(v.checks.filter((c) => !c.ok)).toEqual([]);
    const from = mark(2).size;
    const to = live.tree.size;
    const proof = live.tree.consistencyProof(from, to);
    expect(verifyConsistency(from, to, fromHex(r.root as string), live.tree.root(), proof)).toBe(
      true,
    );
  });

  test("--until-seq stops at that assertion", async () => {
    const seq = mark(0).size + 7;
    const dir = join(tmp.path, "r-seq");
    const r = await restoreDataDir({ target, dataDir: dir, point: { kind: "seq", seq } });
    expect(r.staged.tree_size).toBe(seq);
    expect(r.root).toBe(toHex(live.tree.root(seq)));
  });

  test("--until-time stops at the last record written at or before it", async () => {
    const dir = join(tmp.path, "r-time");
    const at = mark(1).at;
    const r = await restoreDataDir({ target, dataDir: dir, point: { kind: "time", ms: at } });
    expect(r.staged.tree_size).toBe(mark(1).size);
    expect(r.staged.point_reached).toBe(true);
  });

  test("a non-empty data dir is refused without --force, replaced with it", async () => {
    const dir = join(tmp.path, "r-busy");
    await restoreDataDir({ target, dataDir: dir, point: { kind: "seq", seq: mark(0).size + 3 } });
    writeFileSync(join(dir, "stray"), "x");
    const refused = restoreDataDir({ target, dataDir: dir, point: { kind: "latest" } });
    await expect(refused).rejects.toMatchObject({ code: "data_dir_not_empty" });
    const r = await restoreDataDir({
      target,
      dataDir: dir,
      point: { kind: "latest" },
      force: true,
    });
    expect(r.staged.tree_size).toBe(mark(2).size);
    expect(readdirSync(dir)).not.toContain("stray");
  });

  test("a dry run plans and verifies but places nothing", async () => {
    const dir = join(tmp.path, "r-dry");
    const r = await restoreDataDir({
      target,
      dataDir: dir,
      point: { kind: "latest" },
      dryRun: true,
    });
    expect(r.staged.objects).toHaveLength(3);
    expect(r.root).toBeNull();
    expect(() => readdirSync(dir)).toThrow();
  });

  test("an excluded snapshot is passed over (here: nothing else covers its LSNs)", async () => {
    const p = restoreDataDir({
      target,
      dataDir: join(tmp.path, "r-excluded"),
      point: { kind: "latest" },
      excludeSnapshots: [backup.prefix],
    });
    // Nothing to start from (SPEC §7): an error naming what the URL can restore, not a gap from lsn 1.
    await expect(p).rejects.toMatchObject({
      code: "restore_point_unreachable",
      message: expect.stringContaining(`${backup.prefix}: excluded`),
    });
  });

  test("a missing archive range is a gap named by its LSNs", async () => {
    const gapTarget = new DirTarget(join(tmp.path, "gap-target"));
    await shipRange(liveDir, gapTarget, 1, 10);
    await shipRange(liveDir, gapTarget, 21, 30);
    const dir = join(tmp.path, "r-gap");
    const p = restoreDataDir({ target: gapTarget, dataDir: dir, point: { kind: "latest" } });
    await expect(p).rejects.toMatchObject({
      code: "backup_gap",
      message: expect.stringContaining("lsn 11..20"),
    });
    // a point before the gap restores
    const r = await restoreDataDir({
      target: gapTarget,
      dataDir: dir,
      point: { kind: "seq", seq: 5 },
    });
    expect(r.staged.tree_size).toBe(5);
    rmSync(dir, { recursive: true });
  });
});
