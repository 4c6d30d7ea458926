/**
 * What a target holds (SPEC §7, backup-layout.ts): its snapshots (complete
 * when their metadata.json exists) and its archive's LSN ranges, read from
 * listings; and fetching one object with every check the layout allows —
 * present, the size and BLAKE3 its manifest lists, a sound codec frame.
 */
import { StemeError } from "../errors.ts";
import {
  ARCHIVE_PREFIX,
  type ArchiveRange,
  parseArchiveKey,
  parseSnapshotPrefix,
  SNAPSHOT_METADATA,
  SNAPSHOTS_PREFIX,
} from "./backup-layout.ts";
import { type BackupMetadata, decodeMetadata } from "./backup-metadata.ts";
import type { BackupTarget, ObjectInfo } from "./backup-target.ts";
import { decodeObject } from "./object-codec.ts";
import { decodeObjectChunks } from "./object-stream.ts";

export interface SnapshotListing {
  /** The history it was taken in (SPEC §7). */
  history: string;
  /** `snapshots/[<history>/]<lsn>-<time>/` */
  prefix: string;
  snapshotLsn: number;
  /** The objects under the prefix, ascending. */
  objects: ObjectInfo[];
  /** metadata.json is present (it is written last). */
  complete: boolean;
}

/** Snapshots in listing order (oldest first); keys under snapshots/ that fit no prefix are `stray`. */
export async function listSnapshots(
  target: BackupTarget,
): Promise<{ snapshots: SnapshotListing[]; stray: string[] }> {
  const byPrefix = new Map<string, SnapshotListing>();
  const stray: string[] = [];
  for (const info of await target.list(SNAPSHOTS_PREFIX)) {
    const parsed = parseSnapshotPrefix(info.key);
    if (parsed === undefined) {
      stray.push(info.key);
      continue;
    }
    let s = byPrefix.get(parsed.prefix);
    if (s === undefined) {
      s = {
        history: parsed.history,
        prefix: parsed.prefix,
        snapshotLsn: parsed.lastLsn,
        objects: [],
        complete: false,
      };
      byPrefix.set(parsed.prefix, s);
    }
    s.objects.push(info);
    if (info.key === parsed.prefix + SNAPSHOT_METADATA) s.complete = true;
  }
  return { snapshots: [...byPrefix.values()], stray };
}

export interface CompleteSnapshot {
  history: string;
  lastLsn: number;
  createdAtMs: number;
}

/** The complete snapshots (their metadata.json is listed) of every history, listing order. */
export async function completeSnapshots(target: BackupTarget): Promise<CompleteSnapshot[]> {
  const out: CompleteSnapshot[] = [];
  for (const o of await target.list(SNAPSHOTS_PREFIX)) {
    if (!o.key.endsWith(`/${SNAPSHOT_METADATA}`)) continue;
    const p = parseSnapshotPrefix(o.key);
    if (p !== undefined) {
      out.push({ history: p.history, lastLsn: p.lastLsn, createdAtMs: p.createdAtMs });
    }
  }
  return out;
}

/** Of `snapshots`, the one created last, if any. */
export function newestSnapshot(
  snapshots: readonly CompleteSnapshot[],
): CompleteSnapshot | undefined {
  let newest: CompleteSnapshot | undefined;
  for (const s of snapshots) {
    if (newest === undefined || s.createdAtMs > newest.createdAtMs) newest = s;
  }
  return newest;
}

export interface ArchiveListing extends ArchiveRange {
  size: number;
}

/** Archive objects ordered by first LSN (then last); keys that are not archive objects are `stray`. */
export async function listArchive(
  target: BackupTarget,
): Promise<{ ranges: ArchiveListing[]; stray: string[] }> {
  const ranges: ArchiveListing[] = [];
  const stray: string[] = [];
  for (const info of await target.list(ARCHIVE_PREFIX)) {
    const r = parseArchiveKey(info.key);
    if (r === undefined || r.lastLsn < r.firstLsn || r.firstLsn < 1) stray.push(info.key);
    else ranges.push({ ...r, size: info.size });
  }
  ranges.sort((a, b) => a.firstLsn - b.firstLsn || a.lastLsn - b.lastLsn);
  return { ranges, stray };
}

export async function readMetadata(target: BackupTarget, prefix: string): Promise<BackupMetadata> {
  const key = prefix + SNAPSHOT_METADATA;
  const body = await target.get(key);
  if (body === undefined) throw missing(key);
  return decodeMetadata(key, body);
}

/** An object's plain bytes, after checking its size and BLAKE3 against what its manifest lists. */
export async function fetchObject(
  target: BackupTarget,
  key: string,
  expected: { blake3: string; size?: number },
): Promise<Uint8Array> {
  const body = await target.get(key);
  if (body === undefined) throw missing(key);
  if (expected.size !== undefined && body.length !== expected.size) {
    throw new StemeError(
      "corrupt_backup",
      `backup object ${key}: ${body.length} bytes where ${expected.size} were recorded`,
      { object: key },
    );
  }
  return decodeObject(key, body, expected.blake3);
}

/**
 * An object's plain bytes in chunks, never whole in memory, with the checks of
 * `fetchObject`; the size, length and BLAKE3 checks finish with the iteration
 * (it throws then), so nothing read from it counts until it ended.
 */
export async function fetchObjectChunks(
  target: BackupTarget,
  key: string,
  expected: { blake3: string; size?: number },
): Promise<AsyncIterable<Uint8Array>> {
  const body = await target.getChunks(key);
  if (body === undefined) throw missing(key);
  return decodeObjectChunks(key, body, expected);
}

function missing(key: string): StemeError {
  return new StemeError("corrupt_backup", `backup object ${key} is missing`, { object: key });
}
