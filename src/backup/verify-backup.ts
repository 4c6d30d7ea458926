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
 * Each failure names its object (`where: {object}`). Each object is fetched
 * once: the restore runs first and the passes take over what it verified (or
 * the error it found in an object) instead of fetching that object again, and
 * each metadata.json is read once for the passes and the restore's plan.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StemeError } from "../errors.ts";
import { verifyTreeHead } from "../merkle/tree-head.ts";
import { verifyDataDir } from "../verify/verify-data-dir.ts";
import { CheckCollector, emptyCounts, type VerifyReport } from "../verify/verify-report.ts";
import {
  fetchObject,
  fetchObjectChunks,
  listArchive,
  listSnapshots,
  readMetadata,
} from "./backup-catalog.ts";
import { SNAPSHOT_LOG, SNAPSHOT_METADATA } from "./backup-layout.ts";
import type { BackupTarget } from "./backup-target.ts";
import { walkLogObject } from "./log-object.ts";
import { type RestoreReport, restoreDataDir } from "./restore-data-dir.ts";

export async function verifyBackup(given: BackupTarget): Promise<VerifyReport> {
  const target = metadataOnce(given);
  const checks = new CheckCollector();
  const fail = (name: string, e: unknown, object: string) =>
    checks.fail(name, e instanceof Error ? e.message : String(e), { object });

  const scratch = mkdtempSync(join(tmpdir(), "stemedb-verify-backup-"));
  try {
    const dir = join(scratch, "data");
    // The latest point first: every object it fetched and verified is not fetched again below.
    const verified = new Set<string>();
    const failed = new Map<string, unknown>();
    let restore: { ok: true; report: RestoreReport } | { ok: false; error: unknown };
    try {
      const report = await restoreDataDir({
        target,
        dataDir: dir,
        point: { kind: "latest" },
        onVerified: (o) => verified.add(o.key),
      });
      restore = { ok: true, report };
    } catch (e) {
      restore = { ok: false, error: e };
      const object = objectOf(e);
      if (object !== undefined && !verified.has(object)) failed.set(object, e);
    }
    /**
     * Verifies an object the restore did not: a log object whole (its frames
     * are walked next), any other in chunks, never whole in memory. Returns
     * the plain bytes of a log object the restore did not verify.
     */
    const fetchOnce: FetchOnce = async (key, expected, log) => {
      if (verified.has(key)) return undefined;
      if (failed.has(key)) throw failed.get(key);
      if (log) return fetchObject(target, key, expected);
      for await (const _ of await fetchObjectChunks(target, key, expected)) {
        // checked as it passes; the last chunk ends the checks
      }
      return undefined;
    };

    const serverKeys = await checkSnapshots(target, checks, fetchOnce);
    await checkArchive(target, checks, fetchOnce);

    if (!restore.ok) {
      fail("backup.restore", restore.error, objectOf(restore.error) ?? target.url);
      return { dir: target.url, ok: false, checks: checks.checks, counts: emptyCounts() };
    }
    const r = restore.report;
    checks.finish(
      "backup.restore",
      `latest point restored: tree_size ${r.staged.tree_size}, root ${r.root}, ${r.tree_heads_checked.length} tree head(s) match`,
    );
    const inner = await verifyDataDir(dir);
    // The scratch restore's own node key says nothing about the backup: its failures stay, its pass goes.
    checks.checks.push(...inner.checks.filter((c) => !(c.name === "node_key" && c.ok)));
    const keyDetail = serverKeyDetail(serverKeys);
    if (keyDetail !== undefined) checks.finish("backup.server_key", keyDetail);
    return { dir: target.url, ok: checks.ok, checks: checks.checks, counts: inner.counts };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

type FetchOnce = (
  key: string,
  expected: { blake3: string; size?: number },
  log: boolean,
) => Promise<Uint8Array | undefined>;

/** Checks every snapshot; returns the server keys their newest tree heads carry, oldest snapshot first. */
async function checkSnapshots(
  target: BackupTarget,
  checks: CheckCollector,
  fetchOnce: FetchOnce,
): Promise<string[]> {
  const serverKeys: string[] = [];
  const fail = (e: unknown, object: string) =>
    checks.fail("backup.snapshots", e instanceof Error ? e.message : String(e), { object });
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
      serverKeys.push(m.sth.server_key);
      for (const sth of [m.snapshot_sth, m.sth]) {
        if (!verifyTreeHead(sth))
          fail(`the tree head for size ${sth.tree_size} has a bad signature`, metaKey);
      }
      for (const o of m.objects) {
        const key = s.prefix + o.name;
        try {
          const plain = await fetchOnce(key, o, o.name === SNAPSHOT_LOG);
          if (plain !== undefined) {
            walkLogObject(key, plain, { first_lsn: m.snapshot_lsn + 1, last_lsn: m.last_lsn });
          }
        } catch (e) {
          fail(e, key);
        }
      }
    } catch (e) {
      fail(e, s.prefix + SNAPSHOT_METADATA);
    }
  }
  checks.finish(
    "backup.snapshots",
    `${complete} complete snapshot(s): metadata, tree heads and objects verify`,
  );
  return serverKeys;
}

/**
 * The backed-up server's key is the one its snapshots' tree heads carry (the
 * newest first), not the key the scratch restore made for itself, which
 * `verifyDataDir`'s node_key check would print (issue 18).
 */
function serverKeyDetail(keys: readonly string[]): string | undefined {
  const newest = keys.at(-1);
  if (newest === undefined) return undefined;
  const older = [...new Set(keys)].filter((k) => k !== newest);
  return (
    `server key ${newest} (signed the newest snapshot's tree head)` +
    (older.length > 0 ? `; older snapshots signed by ${older.join(", ")}` : "")
  );
}

async function checkArchive(
  target: BackupTarget,
  checks: CheckCollector,
  fetchOnce: FetchOnce,
): Promise<void> {
  const archive = await listArchive(target);
  for (const key of archive.stray)
    checks.note("backup.archive", "not an archive object: ignored", { object: key });
  let reach: { lsn: number; key: string } | undefined;
  for (const r of archive.ranges) {
    try {
      const plain = await fetchOnce(r.key, { blake3: r.blake3 }, true);
      if (plain !== undefined) {
        walkLogObject(r.key, plain, { first_lsn: r.firstLsn, last_lsn: r.lastLsn });
      }
    } catch (e) {
      checks.fail("backup.archive", e instanceof Error ? e.message : String(e), {
        object: r.key,
      });
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
}

function objectOf(e: unknown): string | undefined {
  return e instanceof StemeError && typeof e.context.object === "string"
    ? e.context.object
    : undefined;
}

/** The target, with each metadata.json fetched once (the passes and the restore's plan both read them). */
function metadataOnce(target: BackupTarget): BackupTarget {
  const read = new Map<string, Promise<Uint8Array | undefined>>();
  return {
    url: target.url,
    put: (key, body) => target.put(key, body),
    putChunks: (key, chunks) => target.putChunks(key, chunks),
    getChunks: (key) => target.getChunks(key),
    list: (prefix, startAfter) => target.list(prefix, startAfter),
    delete: (key) => target.delete(key),
    get(key) {
      if (!key.endsWith(`/${SNAPSHOT_METADATA}`)) return target.get(key);
      let body = read.get(key);
      if (body === undefined) {
        body = target.get(key);
        read.set(key, body);
      }
      return body;
    },
  };
}
