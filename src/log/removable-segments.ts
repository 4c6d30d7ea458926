/**
 * Retention (SPEC §5): which sealed segments may be deleted. A segment goes
 * only when (1) it is sealed — never the open, newest one; (2) every record in
 * it is applied to the SQLite state (last LSN ≤ appliedLsn); (3) where archival
 * is configured, it is archived (last LSN ≤ archivedLsn); (4) it is older than
 * the retention. A segment's age runs from when it was sealed, which is when
 * the next segment was created: that header's createdAtMs. The header is used
 * rather than the file's mtime, which copies and restores do not keep.
 *
 * Only a prefix of the log is ever removable, so the remaining segments stay
 * contiguous and the first one's header still says where the log starts.
 */

import type { LogSegment } from "./segment-log-config.ts";

export interface RetentionOptions {
  /** Retention in ms (SPEC default: 7 days). */
  olderThanMs: number;
  nowMs: number;
  /** Last LSN applied to the materialized state. */
  appliedLsn: number;
  /** Last LSN archived; leave undefined when archival is not configured. */
  archivedLsn?: number;
}

/** The oldest segments that may be removed, oldest first. */
export function removableSegments(
  segments: readonly LogSegment[],
  o: RetentionOptions,
): LogSegment[] {
  const out: LogSegment[] = [];
  for (let i = 0; i + 1 < segments.length; i++) {
    const segment = segments[i] as LogSegment;
    const sealedAtMs = (segments[i + 1] as LogSegment).createdAtMs;
    if (segment.lastLsn > o.appliedLsn) break;
    if (o.archivedLsn !== undefined && segment.lastLsn > o.archivedLsn) break;
    if (o.nowMs - sealedAtMs <= o.olderThanMs) break;
    out.push(segment);
  }
  return out;
}
