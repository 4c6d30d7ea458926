/**
 * Creates a segment file durably: the file with its 32-byte header
 * (SegmentHeader layout) is written and fsynced, then the directory is fsynced
 * so the new entry survives a crash. Only then does the log write records into
 * it, so a crash mid-creation leaves at most a newest segment with no records
 * and a short or unreadable header — which recovery recreates (SPEC §5 torn tail).
 */

import type { FileOps, WritableFile } from "./file-ops.ts";
import { writeFully } from "./file-ops.ts";
import { segmentFileName, segmentPath } from "./segment-files.ts";
import { encodeSegmentHeader, SEGMENT_HEADER_BYTES } from "./segment-header.ts";
import type { LogSegment } from "./segment-log-config.ts";

export interface CreateSegmentParams {
  dir: string;
  number: number;
  firstLsn: number;
  createdAtMs: number;
  fileOps: FileOps;
  fsyncDir: boolean;
  /** Counts each fsync issued (for stats). */
  onSync: () => void;
}

/** Creates (or empties and rewrites) the segment; on failure removes it, best-effort, and rethrows. */
export async function createSegment(
  p: CreateSegmentParams,
): Promise<{ file: WritableFile; segment: LogSegment }> {
  const path = segmentPath(p.dir, p.number);
  let file: WritableFile | undefined;
  try {
    file = await p.fileOps.open(path, "w+");
    await writeFully(file, encodeSegmentHeader(p.firstLsn, p.createdAtMs), 0);
    await file.sync();
    p.onSync();
    if (p.fsyncDir) {
      await p.fileOps.syncDir(p.dir);
      p.onSync();
    }
  } catch (e) {
    await file?.close().catch(() => {});
    await p.fileOps.unlink(path).catch(() => {});
    throw e;
  }
  const segment: LogSegment = {
    number: p.number,
    name: segmentFileName(p.number),
    path,
    firstLsn: p.firstLsn,
    lastLsn: p.firstLsn - 1,
    bytes: SEGMENT_HEADER_BYTES,
    createdAtMs: p.createdAtMs,
  };
  return { file, segment };
}
