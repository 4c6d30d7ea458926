/**
 * The archive URL's scrub (SPEC §12, backup contract item 4): every archive
 * object, of any history, that holds the frame of a redacted assertion (a
 * target of the ledger, redaction-ledger.ts) is replaced by a scrubbed one —
 * the same LSN range in the same history, each such frame replaced by its
 * stub (same LSN, same length: log-records.ts), so a new BLAKE3 in the name —
 * written first, and only then the old object deleted. A crash between the two
 * leaves both: either is valid (restore picks one of a same-range pair and
 * applies the ledger's redactions anyway; the next scrub deletes the old one).
 * The old object goes with every version a versioned bucket keeps of it
 * (`purgeObject`, s3-target.ts: SPEC §12 "every version where the bucket keeps
 * versions").
 *
 * `scrubArchive` reads every archive object once per call but those a
 * confirmation (scrub-confirmation.ts) says are clean: it is the background
 * job's, run when a redaction is not confirmed yet or objects were shipped
 * since (its backlog is health's `redactions.archive_backlog`).
 */
import { archiveRanges } from "../backup/archive-chain.ts";
import { fetchObject } from "../backup/backup-catalog.ts";
import { ARCHIVE_PREFIX, archiveKey } from "../backup/backup-layout.ts";
import { type BackupTarget, type PurgeReport, purgeObject } from "../backup/backup-target.ts";
import { encodeObject } from "../backup/object-codec.ts";
import {
  assertionRecordId,
  RecordType,
  STUB_MIN_BYTES,
  stubForAssertionPayload,
} from "../engine/log-records.ts";
import { StemeError } from "../errors.ts";
import { toHex } from "../hex.ts";
import { encodeFrames, FRAME_HEADER_BYTES, FrameCursor } from "../log/record-frame.ts";

export interface ArchiveScrubReport {
  /** Archive objects read. */
  objects: number;
  /** Objects replaced by a scrubbed one. */
  replaced: number;
  /** Frames replaced by stubs. */
  frames: number;
  /** Old objects of a same-range pair that already had a scrubbed replacement, deleted. */
  leftovers: number;
  /** Objects not read: confirmed clean before (`checked`). */
  skipped: number;
  /** Per history, the last LSN of the objects listed: all of them are clean when the pass returns. */
  checked: Record<string, number>;
  /** Stored versions (and delete markers) of old objects removed, on a bucket that keeps versions. */
  versions: number;
  /** What the target said about versions at the last purge (undefined when nothing was purged). */
  versioning?: PurgeReport["versioning"];
}

export interface ArchiveScrubOptions {
  /**
   * Per history, the last LSN up to which objects were confirmed clean of every
   * target (scrub-confirmation.ts): those objects are not read.
   */
  checked?: Readonly<Record<string, number>>;
  /** After the scrubbed object is written, before the old one is deleted (crash tests). */
  afterPut?(oldKey: string, newKey: string): Promise<void> | void;
}

/** Replaces every archive object holding a frame of one of `targets` (hex ids) by a scrubbed one. */
export async function scrubArchive(
  target: BackupTarget,
  targets: ReadonlySet<string>,
  o: ArchiveScrubOptions = {},
): Promise<ArchiveScrubReport> {
  const report: ArchiveScrubReport = {
    objects: 0,
    replaced: 0,
    frames: 0,
    leftovers: 0,
    skipped: 0,
    checked: {},
    versions: 0,
  };
  if (targets.size === 0) return report;
  const ranges = archiveRanges(await target.list(ARCHIVE_PREFIX));
  for (const r of ranges) {
    report.checked[r.history] = Math.max(report.checked[r.history] ?? 0, r.lastLsn);
    if (r.lastLsn <= (o.checked?.[r.history] ?? 0)) {
      report.skipped++;
      continue;
    }
    report.objects++;
    const plain = await fetchObject(target, r.key, { blake3: r.blake3 });
    const scrubbed = stubFrames(r.key, r.firstLsn, plain, targets);
    if (scrubbed === undefined) continue;
    report.frames += scrubbed.frames;
    const object = encodeObject(scrubbed.bytes, 1);
    const key = archiveKey(r.history, r.firstLsn, r.lastLsn, object.blake3);
    const pair = ranges.some((o) => o.key === key);
    if (pair) {
      report.leftovers++; // a crash left the old one beside its replacement
    } else {
      await target.put(key, object.body);
      await o.afterPut?.(r.key, key);
      report.replaced++;
    }
    const purged = await purgeObject(target, r.key);
    report.versions += purged.versions;
    report.versioning = purged.versioning;
  }
  return report;
}

/** Frames (from `firstLsn`) with each target's assertion frame replaced by its stub; undefined when none is there. */
export function stubFrames(
  key: string,
  firstLsn: number,
  plain: Uint8Array,
  targets: ReadonlySet<string>,
): { bytes: Uint8Array; frames: number } | undefined {
  const cursor = new FrameCursor(plain, 0, firstLsn);
  let out: Uint8Array | undefined;
  let frames = 0;
  while (cursor.next()) {
    if (cursor.type !== RecordType.assertion) continue;
    const payload = cursor.payload();
    if (payload.length < STUB_MIN_BYTES || !targets.has(toHex(assertionRecordId(payload)))) {
      continue;
    }
    out ??= plain.slice();
    const start = cursor.payloadStart - FRAME_HEADER_BYTES;
    encodeFrames(
      [{ type: RecordType.stub, payload: stubForAssertionPayload(payload) }],
      cursor.lsn,
      out,
      start,
    );
    frames++;
  }
  if (cursor.problem !== undefined) {
    throw new StemeError("corrupt_backup", `${key}: ${cursor.problem}`, { object: key });
  }
  return out === undefined ? undefined : { bytes: out, frames };
}

/**
 * True when an archived run of frames holds the same records as the local log's,
 * except where the local log already holds a redaction's stub and the archive
 * still the assertion of that id (its scrub not done yet): not another history.
 */
export function sameUpToStubs(local: Uint8Array, archived: Uint8Array, firstLsn: number): boolean {
  if (local.length !== archived.length) return false;
  const a = new FrameCursor(local, 0, firstLsn);
  const b = new FrameCursor(archived, 0, firstLsn);
  for (;;) {
    const more = a.next();
    if (more !== b.next()) return false;
    if (!more) return a.problem === undefined && b.problem === undefined;
    const x = local.subarray(a.payloadStart - FRAME_HEADER_BYTES, a.payloadEnd);
    const y = archived.subarray(b.payloadStart - FRAME_HEADER_BYTES, b.payloadEnd);
    if (Buffer.compare(x, y) === 0) continue;
    if (a.type !== RecordType.stub || b.type !== RecordType.assertion) return false;
    const stubId = toHex(a.payload().subarray(17, STUB_MIN_BYTES));
    if (stubId !== toHex(assertionRecordId(b.payload()))) return false;
  }
}
