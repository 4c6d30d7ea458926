/**
 * Object names under one target URL (SPEC §7: one URL holds a deployment's
 * snapshots and its archive, under their own prefixes, named so that a listing
 * orders them). LSNs are zero-padded to 16 digits so lexical order is LSN order.
 *
 *   histories/<id>.json      a history's record (history.ts), written before any object
 *                            of that history
 *   snapshots/[<history>/]<last lsn>-<created, 20261130T130501123Z>/
 *       state.sqlite.zst     the SQLite snapshot (consistent, applied up to its lsn)
 *       log.zst              log record frames after the snapshot's lsn (may be absent)
 *       metadata.json        written LAST: its presence marks the snapshot complete;
 *                            lists every object's size and BLAKE3, tree_size, root, STH
 *   archive/[<history>/]<first lsn>-<last lsn>-<blake3 of the plain bytes, 64 hex>.zst
 *                            log record frames first..last, exactly the segment log's
 *                            frame encoding (src/log/record-frame.ts), one object per
 *                            shipped range; contiguous ranges, never overlapping
 *                            within a history
 *   redactions/              reserved for the redaction ledger (SPEC §12): listed and
 *                            ignored here, never pruned
 *
 * `[<history>/]`: objects of a history other than the root carry its id
 * (SPEC §7 histories); the root history keeps the paths from before histories,
 * so old URLs read unchanged. Every `.zst` object uses the object codec.
 */
import { compactTime, ROOT_HISTORY } from "./history.ts";

export { compactTime };

export const HISTORIES_PREFIX = "histories/";
export const REDACTIONS_PREFIX = "redactions/";
export const SNAPSHOTS_PREFIX = "snapshots/";
export const ARCHIVE_PREFIX = "archive/";
export const SNAPSHOT_STATE = "state.sqlite.zst";
export const SNAPSHOT_LOG = "log.zst";
export const SNAPSHOT_METADATA = "metadata.json";

const LSN_DIGITS = 16;
const pad = (lsn: number) => String(lsn).padStart(LSN_DIGITS, "0");

/** `histories/<id>.json` */
export function historyKey(id: string): string {
  return `${HISTORIES_PREFIX}${id}.json`;
}

export function parseHistoryKey(key: string): string | undefined {
  return /^histories\/(\d{8}T\d{9}Z-[0-9a-f]{8})\.json$/.exec(key)?.[1];
}

/** `<id>/` for a history other than the root, "" for the root (its paths predate histories). */
const historyDir = (history: string) => (history === ROOT_HISTORY ? "" : `${history}/`);

/** Where a history's archive objects are listed (the root's prefix also lists the others'). */
export function archivePrefix(history: string): string {
  return `${ARCHIVE_PREFIX}${historyDir(history)}`;
}

export function snapshotPrefix(history: string, lastLsn: number, createdAtMs: number): string {
  return `${SNAPSHOTS_PREFIX}${historyDir(history)}${pad(lastLsn)}-${compactTime(createdAtMs)}/`;
}

const HISTORY_PART = "(?:(\\d{8}T\\d{9}Z-[0-9a-f]{8})\\/)?";
const SNAPSHOT_RE = new RegExp(
  `^snapshots\\/${HISTORY_PART}(\\d{16})-(\\d{4})(\\d\\d)(\\d\\d)T(\\d\\d)(\\d\\d)(\\d\\d)(\\d{3})Z\\/`,
);
const ARCHIVE_RE = new RegExp(
  `^archive\\/${HISTORY_PART}(\\d{16})-(\\d{16})-([0-9a-f]{64})\\.zst$`,
);

export function parseSnapshotPrefix(
  key: string,
): { history: string; prefix: string; lastLsn: number; createdAtMs: number } | undefined {
  const m = SNAPSHOT_RE.exec(key);
  if (!m || m[1] === ROOT_HISTORY) return undefined;
  const [, history, lsn, y, mo, d, h, mi, s, ms] = m as unknown as (string | undefined)[];
  const createdAtMs = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
  return { history: history ?? ROOT_HISTORY, prefix: m[0], lastLsn: Number(lsn), createdAtMs };
}

export interface ArchiveRange {
  /** The history the object belongs to (ROOT_HISTORY for the paths without one). */
  history: string;
  key: string;
  firstLsn: number;
  lastLsn: number;
  /** BLAKE3 of the plain bytes, as the key lists it. */
  blake3: string;
}

export function archiveKey(
  history: string,
  firstLsn: number,
  lastLsn: number,
  blake3Hex: string,
): string {
  return `${archivePrefix(history)}${pad(firstLsn)}-${pad(lastLsn)}-${blake3Hex}.zst`;
}

export function parseArchiveKey(key: string): ArchiveRange | undefined {
  const m = ARCHIVE_RE.exec(key);
  if (!m || m[1] === ROOT_HISTORY) return undefined;
  return {
    history: m[1] ?? ROOT_HISTORY,
    key,
    firstLsn: Number(m[2]),
    lastLsn: Number(m[3]),
    blake3: m[4] as string,
  };
}
