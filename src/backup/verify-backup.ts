/**
 * `stemedb verify --backup URL` (SPEC §7): everything `stemedb verify` checks,
 * on a backup, with no live data dir. Two passes:
 *
 *   backup.snapshots  every complete snapshot: metadata.json parses and its
 *                     checksum holds, both tree heads verify, every object it
 *                     lists is present with that size and BLAKE3 (codec frame
 *                     and manifest), its log tail holds exactly its LSN range
 *   backup.archive    every archive object: present, its BLAKE3 matches its
 *                     key, its frames hold exactly the range its key names;
 *                     and the ranges leave no gap
 *   backup.restore    the latest point restored into a scratch dir (the
 *                     restore's own checks: plan, objects, replay through the
 *                     apply path, root against the tree heads) …
 *   …                 … and then `verifyDataDir` on it — the same verifier as
 *                     `stemedb verify DIR`, reused, not copied.
 *
 * Each failure names its object (`where: {object}`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StemeError } from "../errors.ts";
import { verifyTreeHead } from "../merkle/tree-head.ts";
import { verifyDataDir } from "../verify/verify-data-dir.ts";
import { CheckCollector, emptyCounts, type VerifyReport } from "../verify/verify-report.ts";
import { fetchObject, listArchive, listSnapshots, readMetadata } from "./backup-catalog.ts";
import { SNAPSHOT_LOG, SNAPSHOT_METADATA } from "./backup-layout.ts";
import type { BackupTarget } from "./backup-target.ts";
import { walkLogObject } from "./log-object.ts";
import { restoreDataDir } from "./restore-data-dir.ts";

export async function verifyBackup(target: BackupTarget): Promise<VerifyReport> {
  const checks = new CheckCollector();
  const fail = (name: string, e: unknown, object: string) =>
    checks.fail(name, e instanceof Error ? e.message : String(e), { object });

  const { snapshots, stray } = await listSnapshots(target);
  for (const key of stray)
    checks.note("backup.snapshots", "not a snapshot object: ignored", { object: key });
  let complete = 0;
  for (const s of snapshots) {
    if (!s.complete) {
      checks.note(
        "backup.snapshots",
        "incomplete (no metadata.json): a backup in progress or interrupted; restore skips it",
        { object: s.prefix },
      );
      continue;
    }
    complete++;
    try {
      const m = await readMetadata(target, s.prefix);
      const metaKey = s.prefix + SNAPSHOT_METADATA;
      for (const sth of [m.snapshot_sth, m.sth]) {
        if (!verifyTreeHead(sth))
          fail(
            "backup.snapshots",
            `the tree head for size ${sth.tree_size} has a bad signature`,
            metaKey,
          );
      }
      for (const o of m.objects) {
        const key = s.prefix + o.name;
        try {
          const plain = await fetchObject(target, key, o);
          if (o.name === SNAPSHOT_LOG) {
            walkLogObject(key, plain, { first_lsn: m.snapshot_lsn + 1, last_lsn: m.last_lsn });
          }
        } catch (e) {
          fail("backup.snapshots", e, key);
        }
      }
    } catch (e) {
      fail("backup.snapshots", e, s.prefix + SNAPSHOT_METADATA);
    }
  }
  checks.finish(
    "backup.snapshots",
    `${complete} complete snapshot(s): metadata, tree heads and objects verify`,
  );

  const archive = await listArchive(target);
  for (const key of archive.stray)
    checks.note("backup.archive", "not an archive object: ignored", { object: key });
  let reach: { lsn: number; key: string } | undefined;
  for (const r of archive.ranges) {
    try {
      const plain = await fetchObject(target, r.key, { blake3: r.blake3 });
      walkLogObject(r.key, plain, { first_lsn: r.firstLsn, last_lsn: r.lastLsn });
    } catch (e) {
      fail("backup.archive", e, r.key);
    }
    if (reach !== undefined && r.firstLsn > reach.lsn + 1) {
      checks.fail(
        "backup.archive",
        `gap: lsn ${reach.lsn + 1}..${r.firstLsn - 1} are in no archive object (after ${reach.key})`,
        { object: r.key },
      );
    }
    if (reach === undefined || r.lastLsn > reach.lsn) reach = { lsn: r.lastLsn, key: r.key };
  }
  const span =
    archive.ranges.length === 0 ? "empty" : `lsn ${archive.ranges[0]?.firstLsn}..${reach?.lsn}`;
  checks.finish(
    "backup.archive",
    `${archive.ranges.length} archive object(s) verify, ${span}, no gap`,
  );

  const scratch = mkdtempSync(join(tmpdir(), "stemedb-verify-backup-"));
  try {
    const dir = join(scratch, "data");
    let restored = false;
    try {
      const r = await restoreDataDir({ target, dataDir: dir, point: { kind: "latest" } });
      restored = true;
      checks.finish(
        "backup.restore",
        `latest point restored: tree_size ${r.staged.tree_size}, root ${r.root}, ${r.tree_heads_checked.length} tree head(s) match`,
      );
    } catch (e) {
      const object =
        e instanceof StemeError && typeof e.context.object === "string"
          ? e.context.object
          : target.url;
      fail("backup.restore", e, object);
    }
    if (!restored)
      return { dir: target.url, ok: false, checks: checks.checks, counts: emptyCounts() };
    const inner = await verifyDataDir(dir);
    checks.checks.push(...inner.checks);
    return { dir: target.url, ok: checks.ok, checks: checks.checks, counts: inner.counts };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
