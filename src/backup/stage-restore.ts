/**
 * The verifying half of a restore (SPEC §7: "verifies every object before
 * placing anything"): fetches each object the plan names, checks it against its
 * manifest (size and BLAKE3 from metadata.json or the archive key, the codec's
 * own checksum), walks every frame of the log sources (length, CRC32C, LSN
 * continuity, and that an object holds exactly the range its name claims), cuts
 * at the restore point, and — unless only checking — stages the result in a
 * scratch directory: `db/state.sqlite` and a segment log under `wal/`. The
 * snapshot's state streams into its file (never whole in memory); it counts
 * as verified only once its last chunk passed the checks.
 */
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { type DomainRecord, decodeRecord, isLeafRecord } from "../engine/log-records.ts";
import { StemeError } from "../errors.ts";
import { fetchObject, fetchObjectChunks } from "./backup-catalog.ts";
import type { BackupTarget } from "./backup-target.ts";
import { walkLogObject } from "./log-object.ts";
import { domainRecordTime } from "./record-time.ts";
import type { RestorePlan } from "./restore-plan.ts";
import { PointCutter } from "./restore-point.ts";
import { StagedLogWriter } from "./staged-log-writer.ts";

export interface VerifiedObject {
  key: string;
  size: number;
  blake3: string;
}

export interface StageResult {
  objects: VerifiedObject[];
  /** Records taken from the log sources. */
  records: number;
  last_lsn: number;
  tree_size: number;
  /** When the newest record taken was written (or the snapshot's newest, from its metadata). */
  last_record_at: number | null;
  /** The restore point lies inside the chain (always false for `latest`). */
  point_reached: boolean;
}

export async function stageRestore(
  target: BackupTarget,
  plan: RestorePlan,
  /** Where to stage; undefined only checks. */
  dir: string | undefined,
  onObject: (key: string) => void = () => {},
  /** Called once an object passed every check (its frames walked, for a log source). */
  onVerified: (object: VerifiedObject) => void = () => {},
  /** Called for each record taken (up to the point), in log order. */
  onRecord: (record: DomainRecord) => void = () => {},
): Promise<StageResult> {
  const objects: VerifiedObject[] = [];
  const snap = plan.snapshot;
  if (snap !== null) {
    onObject(snap.state.key);
    const state = await fetchObjectChunks(target, snap.state.key, snap.state);
    await saveChunks(state, dir === undefined ? undefined : join(dir, "db", "state.sqlite"));
    objects.push({ key: snap.state.key, size: snap.state.size, blake3: snap.state.blake3 });
    onVerified(objects.at(-1) as VerifiedObject);
  }
  let treeSize = snap?.metadata.snapshot_tree_size ?? 0;
  let lastLsn = plan.from_lsn - 1;
  let lastAt: number | null = null;
  const cutter = new PointCutter(plan.point, treeSize);
  const log = dir === undefined ? undefined : new StagedLogWriter(join(dir, "wal"), plan.from_lsn);

  for (const source of plan.sources) {
    if (cutter.stopped) break;
    onObject(source.key);
    const plain = await fetchObject(target, source.key, source);
    const verified = { key: source.key, size: source.size, blake3: source.blake3 };
    objects.push(verified);
    walkLogObject(source.key, plain, source, (f) => {
      if (f.lsn <= lastLsn) return true; // an earlier source covered it
      if (f.lsn > source.take_to) return false; // another history's records after its branch
      const record = decodeRecord(f.type, f.payload);
      if (!cutter.take(record)) return false;
      onRecord(record);
      if (isLeafRecord(record) && record.body.seq > treeSize) {
        if (record.body.seq !== treeSize + 1) {
          throw new StemeError(
            "corrupt_backup",
            `backup object ${source.key}: lsn ${f.lsn} has seq ${record.body.seq} where ${treeSize + 1} comes next`,
            { object: source.key },
          );
        }
        treeSize = record.body.seq;
      }
      log?.append(f.frame);
      lastLsn = f.lsn;
      lastAt = domainRecordTime(record);
      return true;
    });
    onVerified(verified); // every frame checked, even past the restore point
  }
  log?.close();
  return {
    objects,
    records: lastLsn - plan.from_lsn + 1,
    last_lsn: lastLsn,
    tree_size: treeSize,
    last_record_at: lastAt ?? snapshotRecordAt(plan),
    point_reached: cutter.reached,
  };
}

/** Writes the chunks to a new file at `path` (only drains them without one). */
async function saveChunks(
  chunks: AsyncIterable<Uint8Array>,
  path: string | undefined,
): Promise<void> {
  const fd = path === undefined ? undefined : openSync(path, "w", 0o600);
  try {
    for await (const chunk of chunks) {
      if (fd === undefined) continue;
      for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at);
    }
    if (fd !== undefined) fsyncSync(fd); // place() makes the names durable; the bytes must be already
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The snapshot's newest record time, known when its metadata's point is the snapshot itself. */
function snapshotRecordAt(plan: RestorePlan): number | null {
  const m = plan.snapshot?.metadata;
  return m !== undefined && m.last_lsn === m.snapshot_lsn ? m.last_record_at : null;
}
