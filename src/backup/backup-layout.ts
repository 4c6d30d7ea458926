/**
 * Object names under one target URL (SPEC §7: one URL holds a deployment's
 * snapshots and its archive, under their own prefixes, named so that a listing
 * orders them). LSNs are zero-padded to 16 digits so lexical order is LSN order.
 *
 *   snapshots/<last lsn>-<created, 20261130T130501123Z>/
 *       state.sqlite.zst     the SQLite snapshot (consistent, applied up to its lsn)
 *       log.zst              log record frames after the snapshot's lsn (may be absent)
 *       metadata.json        written LAST: its presence marks the snapshot complete;
 *                            lists every object's size and BLAKE3, tree_size, root, STH
 *   archive/<first lsn>-<last lsn>-<blake3 of the plain bytes, 64 hex>.zst
 *                            log record frames first..last, exactly the segment log's
 *                            frame encoding (src/log/record-frame.ts), one object per
 *                            shipped range; contiguous ranges, never overlapping
 *
 * Every `.zst` object uses the object codec (object-codec.ts).
 */

export const SNAPSHOTS_PREFIX = "snapshots/";
export const ARCHIVE_PREFIX = "archive/";
export const SNAPSHOT_STATE = "state.sqlite.zst";
export const SNAPSHOT_LOG = "log.zst";
export const SNAPSHOT_METADATA = "metadata.json";

const LSN_DIGITS = 16;
const pad = (lsn: number) => String(lsn).padStart(LSN_DIGITS, "0");

/** `2026-11-30T13:05:01.123Z` → `20261130T130501123Z`. */
export function compactTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, "");
}

export function snapshotPrefix(lastLsn: number, createdAtMs: number): string {
  return `${SNAPSHOTS_PREFIX}${pad(lastLsn)}-${compactTime(createdAtMs)}/`;
}

export function parseSnapshotPrefix(
  key: string,
): { prefix: string; lastLsn: number; createdAtMs: number } | undefined {
  const m = /^snapshots\/(\d{16})-(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)(\d{3})Z\//.exec(key);
  if (!m) return undefined;
  const [, lsn, y, mo, d, h, mi, s, ms] = m as unknown as string[];
  const createdAtMs = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
  return { prefix: m[0], lastLsn: Number(lsn), createdAtMs };
}

export interface ArchiveRange {
  key: string;
  firstLsn: number;
  lastLsn: number;
  /** BLAKE3 of the plain bytes, as the key lists it. */
  blake3: string;
}

export function archiveKey(firstLsn: number, lastLsn: number, blake3Hex: string): string {
  return `${ARCHIVE_PREFIX}${pad(firstLsn)}-${pad(lastLsn)}-${blake3Hex}.zst`;
}

export function parseArchiveKey(key: string): ArchiveRange | undefined {
  const m = /^archive\/(\d{16})-(\d{16})-([0-9a-f]{64})\.zst$/.exec(key);
  if (!m) return undefined;
  return { key, firstLsn: Number(m[1]), lastLsn: Number(m[2]), blake3: m[3] as string };
}
