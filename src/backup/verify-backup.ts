/**
 * `stemedb verify --backup URL` (SPEC §7): everything `stemedb verify` checks,
 * on a backup, with no live data dir. Two passes:
 *
 *   backup.histories  every history the URL holds (SPEC §7), each non-root one
 *                     with its histories/<id>.json
 *   backup.snapshots  every complete snapshot: metadata.json parses and its
 *                     checksum holds, both tree heads verify, every object it
 *                     lists is present with that size and BLAKE3 (codec frame
 *                     and manifest), its log tail holds exactly its LSN range
 *   backup.archive    every archive object: present, its BLAKE3 matches its
 *                     key, its frames hold exactly the range its key names;
 *                     per history, the ranges leave no gap and overlapping
 *                     objects hold the same records (never a mixed history)
 *   backup.restore    the latest point of EACH history restored into a scratch dir (the
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
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StemeError } from "../errors.ts";
import { verifyTreeHead } from "../merkle/tree-head.ts";
import { BackupRedactions } from "../redaction/backup-redactions.ts";
import {
  type LedgerEntry,
  ledgerAssertion,
  ledgerKey,
  readLedger,
} from "../redaction/redaction-ledger.ts";
import { type VerifyOptions, verifyDataDir } from "../verify/verify-data-dir.ts";
import { CheckCollector, emptyCounts, type VerifyReport } from "../verify/verify-report.ts";
import { mixedMessage, overlapDiffers } from "./archive-overlap.ts";
import {
  fetchObject,
  fetchObjectChunks,
  listArchive,
  listSnapshots,
  readMetadata,
} from "./backup-catalog.ts";
import {
  HISTORIES_PREFIX,
  historyKey,
  SNAPSHOT_LOG,
  SNAPSHOT_METADATA,
  SNAPSHOT_STATE,
} from "./backup-layout.ts";
import type { BackupTarget } from "./backup-target.ts";
import { historyName, ROOT_HISTORY } from "./history.ts";
import { walkLogObject } from "./log-object.ts";
import { type RestoreReport, restoreDataDir } from "./restore-data-dir.ts";
import { readHistories, type UrlHistory } from "./url-histories.ts";

/** `options.trustedOperators`: as `stemedb verify`'s, for every restored history and every stub (SPEC §12). */
export async function verifyBackup(
  given: BackupTarget,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const target = metadataOnce(given);
  const checks = new CheckCollector();
  const fail = (name: string, e: unknown, object: string) =>
    checks.fail(name, e instanceof Error ? e.message : String(e), { object });

  const scratch = mkdtempSync(join(tmpdir(), "stemedb-verify-backup-"));
  try {
    const archive = await listArchive(target);
    const { snapshots } = await listSnapshots(target);
    const histories = await readHistories(target, [
      ...snapshots.map((x) => x.history),
      ...archive.ranges.map((r) => r.history),
    ]);
    // The latest point of each history first: every object a restore fetched and verified is not fetched again below.
    const verified = new Set<string>();
    const failed = new Map<string, unknown>();
    const restores: { history: string; dir: string; result: RestoreOutcome }[] = [];
    for (const [i, id] of [...histories.keys()].entries()) {
      const dir = join(scratch, `data-${i}`);
      let result: RestoreOutcome;
      try {
        const report = await restoreDataDir({
          target,
          dataDir: dir,
          point: { kind: "latest" },
          history: id,
          onVerified: (o) => verified.add(o.key),
        });
        result = { ok: true, report };
      } catch (e) {
        result = { ok: false, error: e };
        const object = objectOf(e);
        if (object !== undefined && !verified.has(object)) failed.set(object, e);
      }
      restores.push({ history: id, dir, result });
    }
    /**
     * Verifies an object the restores did not: a log object whole (its frames
     * are walked next), any other in chunks, never whole in memory (written to
     * `file` when one is given). Returns the plain bytes of a log object the
     * restores did not verify.
     */
    const fetchOnce: FetchOnce = async (key, expected, log, file) => {
      if (verified.has(key)) return undefined;
      if (failed.has(key)) throw failed.get(key);
      if (log) return fetchObject(target, key, expected);
      const out = file === undefined ? undefined : openSync(file, "w");
      try {
        // Checked as it passes; the last chunk ends the checks.
        for await (const chunk of await fetchObjectChunks(target, key, expected)) {
          if (out !== undefined) writeSync(out, chunk);
        }
      } finally {
        if (out !== undefined) closeSync(out);
      }
      return undefined;
    };
    // SPEC §12: redacted records the passes read are judged as they pass (the ledger first).
    let ledger: LedgerEntry[] | undefined;
    let ledgerError: unknown;
    try {
      ledger = await readLedger(target);
    } catch (e) {
      ledgerError = e;
    }
    const redactions = new BackupRedactions(ledger ?? [], checks, options.trustedOperators);

    checkHistories(histories, checks);
    const serverKeys = await checkSnapshots(target, checks, fetchOnce, redactions, scratch);
    await checkArchive(target, archive, histories, checks, fetchOnce, redactions);
    if (ledger === undefined) {
      checks.fail("backup.redactions", errorText(ledgerError), {
        object: objectOf(ledgerError) ?? target.url,
      });
    } else {
      checkRedactions(checks, ledger, redactions, options.trustedOperators);
    }

    let counts = emptyCounts();
    for (const { history, dir, result } of restores) {
      if (!result.ok) {
        fail(
          "backup.restore",
          `history ${historyName(history)}: ${errorText(result.error)}`,
          objectOf(result.error) ?? target.url,
        );
        continue;
      }
      const r = result.report;
      checks.note(
        "backup.restore",
        `history ${historyName(history)}: latest point restored: lsn ${r.staged.last_lsn}, tree_size ${r.staged.tree_size}, root ${r.root}, ${r.tree_heads_checked.length} tree head(s) match`,
      );
      const inner = await verifyDataDir(dir, { trustedOperators: options.trustedOperators });
      // The scratch restore's own node key says nothing about the backup: its failures stay, its pass goes.
      for (const c of inner.checks.filter((c) => !(c.name === "node_key" && c.ok))) {
        checks.checks.push({ ...c, detail: `history ${history}: ${c.detail}` });
      }
      counts = inner.counts; // the newest history's, last
    }
    checks.finish("backup.restore", `${restores.length} histor(ies) restored and verified`);
    const keyDetail = serverKeyDetail(serverKeys);
    if (keyDetail !== undefined) checks.finish("backup.server_key", keyDetail);
    return { dir: target.url, ok: checks.ok, checks: checks.checks, counts };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * SPEC §12: every object of the redaction ledger holds a signed redaction
 * (redaction-ledger.ts), by a pinned operator key when keys are pinned; the
 * redacted records the passes read were judged as they passed
 * (backup-redactions.ts). The summary names the operator keys.
 */
function checkRedactions(
  checks: CheckCollector,
  ledger: readonly LedgerEntry[],
  judged: BackupRedactions,
  trustedOperators: ReadonlySet<string> | undefined,
): void {
  const name = "backup.redactions";
  const pinned = trustedOperators !== undefined && trustedOperators.size > 0;
  const operators = new Set<string>();
  for (const e of ledger) {
    const operator = ledgerAssertion(e).agent;
    operators.add(operator);
    if (pinned && !trustedOperators.has(operator)) {
      checks.fail(
        name,
        `redaction ${e.id} (seq ${e.seq}) of ${e.target} is signed by ${operator}, which is not a trusted operator key`,
        { object: ledgerKey(e.id) },
      );
    }
  }
  const trust = pinned ? "trusted (pinned)" : "not pinned: pass --operator-key to trust them";
  const beyond = judged.summary();
  checks.finish(
    name,
    `${ledger.length} redaction(s) in the ledger, each a signed redaction assertion (applied by every restore)` +
      (ledger.length > 0 ? ` by operator key(s) ${[...operators].join(", ")} (${trust})` : "") +
      (beyond === undefined ? "" : `; ${beyond}`),
  );
}

type RestoreOutcome = { ok: true; report: RestoreReport } | { ok: false; error: unknown };

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Every history the URL holds, with its parent and branch point; a non-root one needs its record. */
function checkHistories(histories: ReadonlyMap<string, UrlHistory>, checks: CheckCollector): void {
  for (const h of histories.values()) {
    if (!h.recorded && h.id !== ROOT_HISTORY) {
      checks.fail("backup.histories", `objects of history ${h.id} but no ${historyKey(h.id)}`, {
        object: historyKey(h.id),
      });
    }
  }
  const list = [...histories.values()].map((h) =>
    h.parent === null
      ? historyName(h.id)
      : `${h.id} (from ${historyName(h.parent)} at lsn ${h.branch_lsn})`,
  );
  checks.finish("backup.histories", `${histories.size} histor(ies): ${list.join("; ")}`);
}

type FetchOnce = (
  key: string,
  expected: { blake3: string; size?: number },
  log: boolean,
  /** Where to write a non-log object's plain bytes (only when it is fetched here). */
  file?: string,
) => Promise<Uint8Array | undefined>;

/** Checks every snapshot; returns the server keys their newest tree heads carry, oldest snapshot first. */
async function checkSnapshots(
  target: BackupTarget,
  checks: CheckCollector,
  fetchOnce: FetchOnce,
  redactions: BackupRedactions,
  scratch: string,
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
        // A state no restore used is kept for its redacted rows (SPEC §12), then removed.
        const stateFile =
          o.name === SNAPSHOT_STATE ? join(scratch, "snapshot-state.sqlite") : undefined;
        try {
          const plain = await fetchOnce(key, o, o.name === SNAPSHOT_LOG, stateFile);
          if (plain !== undefined) {
            walkLogObject(
              key,
              plain,
              { first_lsn: m.snapshot_lsn + 1, last_lsn: m.last_lsn },
              (f) => redactions.frame(key, f),
            );
          }
          if (stateFile !== undefined && existsSync(stateFile)) {
            redactions.snapshotState(stateFile, key);
          }
        } catch (e) {
          fail(e, key);
        } finally {
          if (stateFile !== undefined) rmSync(stateFile, { force: true });
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

/**
 * Every archive object, per history: present, its BLAKE3 and frames as its key
 * says, no gap between the objects of one history, and objects of one history
 * that overlap hold the same records where they overlap (two objects of the
 * same range are a redaction's replacement, SPEC §12; anything else that
 * differs is two histories mixed in one, never a pass).
 */
async function checkArchive(
  target: BackupTarget,
  archive: Awaited<ReturnType<typeof listArchive>>,
  histories: ReadonlyMap<string, UrlHistory>,
  checks: CheckCollector,
  fetchOnce: FetchOnce,
  redactions: BackupRedactions,
): Promise<void> {
  const fail = (detail: string, object: string) =>
    checks.fail("backup.archive", detail, { object });
  for (const key of archive.stray)
    checks.note("backup.archive", "not an archive object: ignored", { object: key });
  const spans: string[] = [];
  for (const id of histories.keys()) {
    const ranges = archive.ranges.filter((r) => r.history === id);
    if (ranges.length === 0) continue;
    let reach: { lsn: number; key: string } | undefined;
    for (const [i, r] of ranges.entries()) {
      try {
        const plain = await fetchOnce(r.key, { blake3: r.blake3 }, true);
        if (plain !== undefined) {
          walkLogObject(r.key, plain, { first_lsn: r.firstLsn, last_lsn: r.lastLsn }, (f) =>
            redactions.frame(r.key, f),
          );
        }
      } catch (e) {
        fail(errorText(e), r.key);
      }
      if (reach !== undefined && r.firstLsn > reach.lsn + 1) {
        fail(
          `history ${historyName(id)}: gap: lsn ${reach.lsn + 1}..${r.firstLsn - 1} are in no archive object (after ${reach.key})`,
          r.key,
        );
      }
      if (reach !== undefined && r.firstLsn <= reach.lsn) {
        // Each overlapping pair once (with the objects listed before it). The same range
        // twice is a redaction's scrubbed replacement (SPEC §12), not a mix.
        const earlier = ranges
          .slice(0, i)
          .filter((o) => o.firstLsn <= r.lastLsn && o.lastLsn >= r.firstLsn)
          .filter((o) => o.firstLsn !== r.firstLsn || o.lastLsn !== r.lastLsn);
        for (const o of earlier) {
          try {
            const differs = await overlapDiffers(target, o, r);
            if (differs !== undefined) fail(mixedMessage(id, o.key, r.key, differs), r.key);
          } catch (e) {
            fail(errorText(e), r.key);
          }
        }
      }
      if (reach === undefined || r.lastLsn > reach.lsn) reach = { lsn: r.lastLsn, key: r.key };
    }
    spans.push(
      `${historyName(id)}: ${ranges.length} object(s), lsn ${ranges[0]?.firstLsn}..${reach?.lsn}`,
    );
  }
  checks.finish(
    "backup.archive",
    `${archive.ranges.length} archive object(s) verify, no gap, no mixed records (${spans.join("; ") || "empty"})`,
  );
}

function objectOf(e: unknown): string | undefined {
  return e instanceof StemeError && typeof e.context.object === "string"
    ? e.context.object
    : undefined;
}

/** The target, with each metadata.json and history record fetched once (the passes and the restores read them). */
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
      if (!key.endsWith(`/${SNAPSHOT_METADATA}`) && !key.startsWith(HISTORIES_PREFIX)) {
        return target.get(key);
      }
      let body = read.get(key);
      if (body === undefined) {
        body = target.get(key);
        read.set(key, body);
      }
      return body;
    },
  };
}
