/**
 * The segment log side of a redaction (SPEC §12): a sealed segment is
 * rewritten with one frame replaced by a stub of the same LSN and the same
 * length (log-records.ts, type 4), crash-safe at every step:
 *
 *   1. the new bytes are written to `<segment>.redact.tmp` (a crash leaves a
 *      stray temp file, removed on the next try; the segment is untouched);
 *   2. the temp file is fsynced;
 *   3. it is renamed over the segment (atomic: a reader or a crash sees the
 *      old file or the new one, both valid logs of the same LSNs and length);
 *   4. the directory is fsynced, so the rename survives a power cut.
 *
 * Until step 4 the redaction stays marked unscrubbed in the state and the
 * scrubber runs the rewrite again after a restart; a frame already a stub is
 * left alone, so every step can be repeated.
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import {
  assertionRecordId,
  decodeStubRecord,
  RecordType,
  STUB_MIN_BYTES,
  stubForAssertionPayload,
} from "../engine/log-records.ts";
import { StemeError } from "../errors.ts";
import { encodeFrames, FRAME_HEADER_BYTES, FrameCursor } from "../log/record-frame.ts";
import { SEGMENT_HEADER_BYTES } from "../log/segment-header.ts";
import type { LogSegment } from "../log/segment-log-config.ts";

/** The steps of a rewrite, in order; the crash tests stop the process after each. */
export type RewriteStep = "tmp-written" | "tmp-synced" | "renamed" | "dir-synced";

export interface RewriteHooks {
  /** Called after each step (fault injection: a test child kills itself here). */
  afterStep?(step: RewriteStep): void;
}

/** Where an assertion's frame is in the log. */
export interface FrameLocation {
  segment: LogSegment;
  lsn: number;
  /** Byte offset of the frame in the segment file. */
  offset: number;
  /** True when the frame is already a stub (a rewrite done before). */
  stubbed: boolean;
  /** The segment's bytes as read by the search (reused by the rewrite of a sealed segment). */
  bytes?: Uint8Array;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Finds the frame of assertion `id`, recorded with `seq`, in `segments`
 * (oldest first). An assertion's LSN is never below its seq (each leaf took
 * one record), so segments ending before `seq` are skipped. The search walks
 * frame headers only (lengths, LSNs, types: no checksums — the rewrite checks
 * the one frame it replaces). Undefined when no segment holds it (retention
 * removed it).
 */
export function findAssertionFrame(
  segments: readonly LogSegment[],
  id: Uint8Array,
  seq: number,
): FrameLocation | undefined {
  for (const segment of segments) {
    if (segment.lastLsn < seq) continue;
    const bytes = readFileSync(segment.path);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = SEGMENT_HEADER_BYTES;
    for (let lsn = segment.firstLsn; lsn <= segment.lastLsn; lsn++) {
      if (at + FRAME_HEADER_BYTES > bytes.length) break;
      const end = at + FRAME_HEADER_BYTES + view.getUint32(at);
      const type = bytes[at + 16];
      if (type === RecordType.assertion || type === RecordType.stub) {
        const payload = bytes.subarray(at + FRAME_HEADER_BYTES, end);
        const frameId =
          type === RecordType.assertion ? assertionRecordId(payload) : decodeStubRecord(payload).id;
        if (sameBytes(frameId, id)) {
          return { segment, lsn, offset: at, stubbed: type === RecordType.stub, bytes };
        }
      }
      at = end;
    }
  }
  return undefined;
}

/** Replaces the assertion frame at `loc` by its stub, through a temp file and a rename. */
export function rewriteWithStub(loc: FrameLocation, hooks: RewriteHooks = {}): void {
  const path = loc.segment.path;
  const bytes = loc.bytes ?? readFileSync(path);
  const cursor = new FrameCursor(bytes, loc.offset, loc.lsn);
  if (!cursor.next() || cursor.type !== RecordType.assertion) {
    throw new StemeError(
      "corrupt_segment",
      `no assertion frame with lsn ${loc.lsn} at offset ${loc.offset} of ${loc.segment.name}`,
      { segment: loc.segment.name, offset: loc.offset, lsn: loc.lsn },
    );
  }
  const payload = cursor.payload();
  if (payload.length < STUB_MIN_BYTES)
    throw new RangeError("assertion payload shorter than a stub");
  const stub = stubForAssertionPayload(payload);
  encodeFrames([{ type: RecordType.stub, payload: stub }], loc.lsn, bytes, loc.offset);
  const tmp = `${path}.redact.tmp`;
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, "w", 0o600);
  try {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, done);
    hooks.afterStep?.("tmp-written");
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  hooks.afterStep?.("tmp-synced");
  renameSync(tmp, path);
  hooks.afterStep?.("renamed");
  const dir = openSync(dirname(path), "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  hooks.afterStep?.("dir-synced");
}
