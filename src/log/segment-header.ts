/**
 * The fixed 32-byte header that opens every segment file (SPEC §5). It makes a
 * segment self-describing: the magic says what the file is, the version says how
 * to read the rest (readers fail closed on a version they do not know), and the
 * first LSN says where in the log the segment starts, so the log still knows its
 * beginning after retention removed older segments.
 *
 * Layout (all integers big-endian):
 *
 *   offset  size  field
 *        0     8  magic "STEMELOG" (ASCII)
 *        8     4  format version, u32 = 1
 *       12     8  first LSN of the segment, u64 (≥ 1)
 *       20     8  created-at, u64 milliseconds since the Unix epoch
 *       28     4  CRC32C of bytes 0..27, u32
 */

import { crc32c } from "./crc32c.ts";

export const SEGMENT_MAGIC = new TextEncoder().encode("STEMELOG");
export const SEGMENT_FORMAT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 32;

export interface SegmentHeader {
  version: number;
  firstLsn: number;
  createdAtMs: number;
}

/** Why a header could not be read; `code` is the StemeError code to raise for it. */
export interface SegmentHeaderProblem {
  code: "corrupt_segment" | "bad_format_version";
  reason: string;
  /** True when the file ends inside the header (a crash while creating the segment). */
  short: boolean;
}

export function encodeSegmentHeader(firstLsn: number, createdAtMs: number): Uint8Array {
  const bytes = new Uint8Array(SEGMENT_HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  bytes.set(SEGMENT_MAGIC, 0);
  view.setUint32(8, SEGMENT_FORMAT_VERSION);
  writeU64(view, 12, firstLsn);
  writeU64(view, 20, createdAtMs);
  view.setUint32(28, crc32c(bytes, 0, 28));
  return bytes;
}

/**
 * Reads the header at the start of `bytes`. Checks run in the order that lets a
 * newer format change everything after the version field: magic, version, then
 * the checksum and the fields.
 */
export function parseSegmentHeader(bytes: Uint8Array): SegmentHeader | SegmentHeaderProblem {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magicBytes = Math.min(bytes.length, SEGMENT_MAGIC.length);
  for (let i = 0; i < magicBytes; i++) {
    if (bytes[i] !== SEGMENT_MAGIC[i]) {
      return problem("corrupt_segment", "bad magic: not a StemeDB segment file", false);
    }
  }
  if (bytes.length >= 12) {
    const version = view.getUint32(8);
    if (version !== SEGMENT_FORMAT_VERSION) {
      return problem(
        "bad_format_version",
        `unknown segment format version ${version} (this build reads version ${SEGMENT_FORMAT_VERSION}); ` +
          "open it with the StemeDB release that wrote it",
        false,
      );
    }
  }
  if (bytes.length < SEGMENT_HEADER_BYTES) {
    return problem(
      "corrupt_segment",
      `file ends inside the header (${bytes.length} of ${SEGMENT_HEADER_BYTES} bytes)`,
      true,
    );
  }
  const stored = view.getUint32(28);
  const computed = crc32c(bytes, 0, 28);
  if (stored !== computed) {
    return problem(
      "corrupt_segment",
      `header crc32c mismatch (stored ${hex32(stored)}, computed ${hex32(computed)})`,
      false,
    );
  }
  const firstLsn = readU64(view, 12);
  if (firstLsn < 1 || !Number.isSafeInteger(firstLsn)) {
    return problem("corrupt_segment", `header first LSN ${firstLsn} is out of range`, false);
  }
  return { version: SEGMENT_FORMAT_VERSION, firstLsn, createdAtMs: readU64(view, 20) };
}

export function isHeaderProblem(
  h: SegmentHeader | SegmentHeaderProblem,
): h is SegmentHeaderProblem {
  return "reason" in h;
}

function problem(
  code: SegmentHeaderProblem["code"],
  reason: string,
  short: boolean,
): SegmentHeaderProblem {
  return { code, reason, short };
}

/** Writes a non-negative safe integer as u64 BE (two u32 halves: no BigInt on the hot path). */
export function writeU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, Math.floor(value / 0x1_0000_0000));
  view.setUint32(offset + 4, value >>> 0);
}

/** Reads a u64 BE; values above 2^53 come back as an unsafe (and so rejected) number. */
export function readU64(view: DataView, offset: number): number {
  return view.getUint32(offset) * 0x1_0000_0000 + view.getUint32(offset + 4);
}

export function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}
