/**
 * What the archive holds, from a target's listing (SPEC §7: the listing is the
 * source of truth — no local file says what was shipped). Archive objects are
 * immutable and appear whole or not at all (backup-target.ts), so a listed
 * `archive/<first>-<last>-<blake3>.zst` holds exactly those LSNs; a range
 * whose upload was interrupted is simply absent.
 *
 * `coveredThrough` walks the ranges in key order (= first-LSN order, the key is
 * zero-padded) and follows the chain of contiguous (or overlapping) ranges from
 * a start LSN. Overlaps are tolerated: two shippers that raced hold the same
 * records at the same LSNs.
 */
import { ARCHIVE_PREFIX, type ArchiveRange, parseArchiveKey } from "./backup-layout.ts";
import type { ObjectInfo } from "./backup-target.ts";

/** The archive ranges in a listing, in first-LSN order; other keys are ignored. */
export function archiveRanges(objects: readonly ObjectInfo[]): ArchiveRange[] {
  const out: ArchiveRange[] = [];
  for (const o of objects) {
    if (!o.key.startsWith(ARCHIVE_PREFIX)) continue;
    const r = parseArchiveKey(o.key);
    if (r !== undefined && r.lastLsn >= r.firstLsn) out.push(r);
  }
  return out.sort((a, b) => a.firstLsn - b.firstLsn || a.lastLsn - b.lastLsn);
}

export interface Coverage {
  /** Every LSN in fromLsn..through is archived; fromLsn - 1 when not even fromLsn is. */
  through: number;
  /** The range that reached `through` (undefined when nothing was covered). */
  last: ArchiveRange | undefined;
}

/** How far the ranges (first-LSN order) cover the LSNs from `fromLsn` on without a gap. */
export function coveredThrough(ranges: readonly ArchiveRange[], fromLsn: number): Coverage {
  let through = fromLsn - 1;
  let last: ArchiveRange | undefined;
  for (const r of ranges) {
    if (r.firstLsn > through + 1) break;
    if (r.lastLsn > through) {
      through = r.lastLsn;
      last = r;
    }
  }
  return { through, last };
}

/** The highest LSN any range holds (0 for none): an archive ahead of a log is another history. */
export function highestArchived(ranges: readonly ArchiveRange[]): number {
  let max = 0;
  for (const r of ranges) if (r.lastLsn > max) max = r.lastLsn;
  return max;
}
