/**
 * Opening the log is recovery (SPEC §5): every segment is read in order and
 * checked with `scanSegment` — header, LSN continuity across segments, every
 * frame. A torn tail of the NEWEST segment (from its first bad frame to the end
 * of the file) is what a crash mid-write leaves; it is cut off (ftruncate +
 * fsync) and reported. A newest segment with no records and a short or
 * unreadable header is a crash mid-creation; it is recreated. Anything else —
 * a bad frame or header in an older segment, a missing segment, a header that
 * does not continue the LSNs — is corruption and stops the open with an error
 * naming the segment and offset. Unknown format versions are always refused.
 */

import { mkdirSync } from "node:fs";
import { mkdirDurable } from "../durable-file.ts";
import { createSegment } from "./create-segment.ts";
import type { FileOps, WritableFile } from "./file-ops.ts";
import { badFormatVersion, corruptSegment, storageUnavailable } from "./log-errors.ts";
import { type SegmentScan, scanSegment } from "./scan-segment.ts";
import {
  listSegmentFiles,
  type SegmentFile,
  SegmentFileReader,
  segmentFileName,
} from "./segment-files.ts";
import { SEGMENT_HEADER_BYTES } from "./segment-header.ts";
import type { LogLogger, LogSegment, OpenReport } from "./segment-log-config.ts";

export interface RecoverParams {
  dir: string;
  fileOps: FileOps;
  fsyncDir: boolean;
  now: () => number;
  logger: LogLogger;
  onSync: () => void;
}

export interface RecoveredLog {
  /** Oldest first; the last one is open for appends. */
  segments: LogSegment[];
  /** Handle of the newest segment, positioned by its `bytes`. */
  file: WritableFile;
  openReport: OpenReport | undefined;
}

export async function recoverSegments(p: RecoverParams): Promise<RecoveredLog> {
  try {
    // The directory's own name must be durable too: a power cut after the
    // first acknowledged write must not take the whole log with it.
    if (p.fsyncDir) mkdirDurable(p.dir);
    else mkdirSync(p.dir, { recursive: true });
  } catch (e) {
    throw storageUnavailable(`cannot create directory ${p.dir}`, e);
  }
  const files = listSegmentFiles(p.dir);
  if (files.length === 0) {
    const created = await create(p, 1, 1);
    p.logger.info("segment log created", { dir: p.dir, segment: created.segment.name });
    return { segments: [created.segment], file: created.file, openReport: undefined };
  }

  const segments: LogSegment[] = [];
  const reader = new SegmentFileReader();
  let expected: number | undefined;
  let file: WritableFile | undefined;
  let openReport: OpenReport | undefined;
  for (let i = 0; i < files.length; i++) {
    const f = files[i] as SegmentFile;
    const newest = i === files.length - 1;
    const previous = files[i - 1];
    if (previous !== undefined && f.number !== previous.number + 1) {
      throw corruptSegment(f.name, 0, `${segmentFileName(previous.number + 1)} is missing`);
    }
    const bytes = read(reader, f);
    const scan = scanSegment(bytes, expected);
    const problem = scan.problem;
    if (problem === undefined) {
      segments.push(describe(f, scan, bytes.length));
      expected = scan.lastLsn + 1;
      continue;
    }
    if (problem.code === "bad_format_version") throw badFormatVersion(f.name, problem.reason);
    const tornFrame = newest && problem.kind === "frame";
    const tornHeader = newest && problem.kind === "header" && bytes.length <= SEGMENT_HEADER_BYTES;
    if (!tornFrame && !tornHeader) throw corruptSegment(f.name, problem.offset, problem.reason);

    if (tornFrame) {
      file = await cutTail(p, f, problem.offset);
      segments.push(describe(f, scan, problem.offset));
    } else {
      const firstLsn = expected ?? (f.number === 1 ? 1 : undefined);
      if (firstLsn === undefined) {
        throw corruptSegment(
          f.name,
          0,
          `${problem.reason}, and no older segment tells its first lsn`,
        );
      }
      const created = await create(p, f.number, firstLsn);
      file = created.file;
      segments.push(created.segment);
    }
    openReport = {
      segment: f.name,
      offset: problem.offset,
      truncatedBytes: bytes.length - problem.offset,
      reason: problem.reason,
    };
    p.logger.warn(`torn tail of the newest segment cut off: ${problem.reason}`, openReport);
  }
  if (file === undefined) {
    const newest = segments[segments.length - 1] as LogSegment;
    try {
      file = await p.fileOps.open(newest.path, "r+");
    } catch (e) {
      throw storageUnavailable(`cannot open ${newest.name} for appending`, e, {
        segment: newest.name,
      });
    }
  }
  return { segments, file, openReport };
}

function read(reader: SegmentFileReader, f: SegmentFile): Uint8Array {
  try {
    return reader.read(f.path);
  } catch (e) {
    throw storageUnavailable(`cannot read ${f.name}`, e, { segment: f.name });
  }
}

function describe(f: SegmentFile, scan: SegmentScan, bytes: number): LogSegment {
  return {
    number: f.number,
    name: f.name,
    path: f.path,
    firstLsn: scan.header?.firstLsn ?? 0,
    lastLsn: scan.lastLsn,
    bytes,
    createdAtMs: scan.header?.createdAtMs ?? 0,
  };
}

async function cutTail(p: RecoverParams, f: SegmentFile, length: number): Promise<WritableFile> {
  try {
    const file = await p.fileOps.open(f.path, "r+");
    await file.truncate(length);
    await file.sync();
    p.onSync();
    return file;
  } catch (e) {
    throw storageUnavailable(`cannot cut the torn tail of ${f.name}`, e, {
      segment: f.name,
      offset: length,
    });
  }
}

async function create(p: RecoverParams, number: number, firstLsn: number) {
  try {
    return await createSegment({ ...p, number, firstLsn, createdAtMs: p.now() });
  } catch (e) {
    throw storageUnavailable(`cannot create ${segmentFileName(number)}`, e, {
      segment: segmentFileName(number),
    });
  }
}
