/**
 * Snapshots of the backup URL rebuilt without redacted assertions (SPEC §12,
 * backup contract item 4): a complete snapshot whose state holds a target's
 * row, or whose `log.zst` holds its frame, is rebuilt under the same lsn with
 * a newer created time — the state with the row deleted through the apply
 * path's `applyRedaction` (the redaction known from the ledger, past the
 * snapshot), then VACUUMed so no free page keeps the row; the log with the
 * frame replaced by its stub; metadata.json re-signed by this server's key
 * (same tree size and root: leaves are ids) and written last. Only then is the
 * old snapshot deleted, metadata.json first (a crash leaves an incomplete
 * snapshot, which restore never picks and `prune` removes).
 */
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fetchObject, fetchObjectChunks, listSnapshots } from "../backup/backup-catalog.ts";
import {
  SNAPSHOT_LOG,
  SNAPSHOT_METADATA,
  SNAPSHOT_STATE,
  snapshotPrefix,
} from "../backup/backup-layout.ts";
import { type BackupMetadata, decodeMetadata, encodeMetadata } from "../backup/backup-metadata.ts";
import { type BackupTarget, purgeObject } from "../backup/backup-target.ts";
import { encodeObject } from "../backup/object-codec.ts";
import { encodeFileObject } from "../backup/object-stream.ts";
import { fromHex } from "../hex.ts";
import { silentLogger } from "../logger.ts";
import { signTreeHead } from "../merkle/tree-head.ts";
import type { NativeSigner } from "../protocol/native-ed25519.ts";
import { State } from "../store/state.ts";
import { applyRedaction } from "./apply-redaction.ts";
import { stubFrames } from "./archive-scrub.ts";

export interface SnapshotScrubOptions {
  /** Redactions to apply: target id (hex) → reason. */
  targets: ReadonlyMap<string, string>;
  /** This server's key: signs the rebuilt metadata. */
  signer: NativeSigner;
  /** Snapshots (prefixes) confirmed clean of every target before (scrub-confirmation.ts): not read. */
  checked?: ReadonlySet<string>;
  now?: () => number;
}

export interface SnapshotScrubReport {
  /** Prefixes of the rebuilt snapshots. */
  rebuilt: string[];
  /** Every complete snapshot now clean of the targets (read, rebuilt or confirmed before). */
  clean: string[];
  /** Snapshots not read (`checked`). */
  skipped: number;
}

/** Rebuilds every complete snapshot holding a target. */
export async function scrubSnapshots(
  target: BackupTarget,
  o: SnapshotScrubOptions,
): Promise<SnapshotScrubReport> {
  const report: SnapshotScrubReport = { rebuilt: [], clean: [], skipped: 0 };
  if (o.targets.size === 0) return report;
  const { snapshots } = await listSnapshots(target);
  for (const s of snapshots.filter((x) => x.complete)) {
    if (o.checked?.has(s.prefix)) {
      report.skipped++;
      report.clean.push(s.prefix);
      continue;
    }
    const metaKey = s.prefix + SNAPSHOT_METADATA;
    const metaBytes = await target.get(metaKey);
    if (metaBytes === undefined) continue;
    const meta = decodeMetadata(metaKey, metaBytes);
    const scratch = mkdtempSync(join(tmpdir(), "stemedb-snapshot-scrub-"));
    try {
      const next = await rebuild(target, s.prefix, s.history, meta, scratch, o);
      if (next === undefined) {
        report.clean.push(s.prefix);
        continue;
      }
      // The rebuilt one is complete: the old one goes (every version of it), its metadata first.
      await purgeObject(target, metaKey);
      for (const obj of s.objects) if (obj.key !== metaKey) await purgeObject(target, obj.key);
      report.rebuilt.push(next);
      report.clean.push(next);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return report;
}

async function rebuild(
  target: BackupTarget,
  prefix: string,
  history: string,
  meta: BackupMetadata,
  scratch: string,
  o: SnapshotScrubOptions,
): Promise<string | undefined> {
  const entry = (name: string) => meta.objects.find((x) => x.name === name);
  const stateEntry = entry(SNAPSHOT_STATE);
  if (stateEntry === undefined) return undefined;
  const file = join(scratch, "state.sqlite");
  const chunks = await fetchObjectChunks(target, prefix + SNAPSHOT_STATE, stateEntry);
  const out = Bun.file(file).writer();
  for await (const c of chunks) out.write(c);
  await out.end();
  const state = State.open(file, { logger: silentLogger });
  let removed = 0;
  try {
    state.transaction(() => {
      for (const [id, reason] of o.targets) {
        const before = state.redacted.size;
        applyRedaction(state, { target: fromHex(id, 32), reason, redactionSeq: null });
        if (state.redacted.size > before) removed++;
      }
    });
  } finally {
    state.close();
  }
  const logEntry = entry(SNAPSHOT_LOG);
  const log =
    logEntry === undefined
      ? undefined
      : stubFrames(
          prefix + SNAPSHOT_LOG,
          meta.snapshot_lsn + 1,
          await fetchObject(target, prefix + SNAPSHOT_LOG, logEntry),
          new Set(o.targets.keys()),
        );
  if (removed === 0 && log === undefined) return undefined;
  const db = new Database(file);
  try {
    db.run("VACUUM"); // no free page keeps the row (see restore-data-dir.ts)
    db.run("PRAGMA wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
  const createdAt = Math.max((o.now ?? Date.now)(), meta.created_at + 1);
  const next = snapshotPrefix(history, meta.snapshot_lsn, createdAt);
  const objects: BackupMetadata["objects"] = [];
  const encoded = await encodeFileObject(file);
  await target.putChunks(next + SNAPSHOT_STATE, encoded.chunks);
  objects.push({
    name: SNAPSHOT_STATE,
    size: encoded.storedBytes(),
    plain_size: encoded.plainBytes,
    blake3: encoded.blake3,
  });
  if (logEntry !== undefined) {
    const plain = log?.bytes ?? (await fetchObject(target, prefix + SNAPSHOT_LOG, logEntry));
    const body = encodeObject(plain);
    await target.put(next + SNAPSHOT_LOG, body.body);
    objects.push({
      name: SNAPSHOT_LOG,
      size: body.body.length,
      plain_size: body.plainBytes,
      blake3: body.blake3,
    });
  }
  const sign = (sth: BackupMetadata["sth"]) =>
    signTreeHead(sth.tree_size, fromHex(sth.root, 32), createdAt, o.signer);
  const { checksum: _c, format: _f, ...fields } = meta;
  await target.put(
    next + SNAPSHOT_METADATA,
    encodeMetadata({
      ...fields,
      created_at: createdAt,
      snapshot_sth: sign(meta.snapshot_sth),
      sth: sign(meta.sth),
      objects,
    }),
  );
  return next;
}
