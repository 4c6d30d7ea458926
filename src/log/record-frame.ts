/**
 * Record frames: how one log record is laid out inside a segment (SPEC §5). A
 * frame carries its own length, checksum and LSN so that recovery can tell a
 * complete, in-order record from a torn or damaged one without any other index.
 *
 * Layout (all integers big-endian), frames follow each other directly after
 * the segment header:
 *
 *   offset  size  field
 *        0     4  payload length N, u32 (≤ MAX_PAYLOAD_BYTES)
 *        4     4  CRC32C of bytes 8 .. 17+N (lsn ‖ type ‖ payload), u32
 *        8     8  LSN, u64: the previous frame's LSN + 1, across segments
 *       16     1  record type, u8 (chosen by the caller; opaque to the log)
 *       17     N  payload (opaque bytes)
 *
 * `FrameCursor` is the one decoder: recovery, readFrom and the verifier all walk
 * frames through it, so they agree on what a bad frame is.
 */

import { crc32c } from "./crc32c.ts";
import { hex32, readU64, writeU64 } from "./segment-header.ts";

export const FRAME_HEADER_BYTES = 17;
/** Larger lengths are never written; reading one means the frame is torn or damaged. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

export interface LogRecordInput {
  /** u8, 0..255. The engine uses 1 = assertion, 2 = status change, 3 = agent registry update. */
  type: number;
  payload: Uint8Array;
}

export interface LogRecord extends LogRecordInput {
  lsn: number;
}

/** Bytes that `records` take once framed. */
export function framedSize(records: readonly LogRecordInput[]): number {
  let total = 0;
  for (const r of records) total += FRAME_HEADER_BYTES + r.payload.length;
  return total;
}

/** Frames `records` with consecutive LSNs from `firstLsn` into `out` at `offset`; returns the end. */
export function encodeFrames(
  records: readonly LogRecordInput[],
  firstLsn: number,
  out: Uint8Array,
  offset = 0,
): number {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let at = offset;
  let lsn = firstLsn;
  for (const r of records) {
    const n = r.payload.length;
    view.setUint32(at, n);
    writeU64(view, at + 8, lsn);
    out[at + 16] = r.type;
    out.set(r.payload, at + FRAME_HEADER_BYTES);
    view.setUint32(at + 4, crc32c(out, at + 8, at + FRAME_HEADER_BYTES + n));
    at += FRAME_HEADER_BYTES + n;
    lsn++;
  }
  return at;
}

/**
 * Walks the frames of one segment's bytes without allocating per frame. Each
 * `next()` decodes the frame at `offset` into the public fields and advances;
 * it returns false at a clean end of the bytes, or at the first frame that fails
 * its length, checksum or LSN check — then `problem` says why and `offset` is
 * that frame's start.
 */
export class FrameCursor {
  lsn = 0;
  type = 0;
  payloadStart = 0;
  payloadEnd = 0;
  problem: string | undefined;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    /** Start of the next frame to decode. */
    public offset: number,
    /** The LSN the next frame must carry. */
    public nextLsn: number,
    readonly end: number = bytes.length,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  next(): boolean {
    if (this.problem !== undefined) return false;
    const at = this.offset;
    const left = this.end - at;
    if (left === 0) return false;
    if (left < FRAME_HEADER_BYTES) {
      return this.fail(`frame header cut short (${left} of ${FRAME_HEADER_BYTES} bytes)`);
    }
    const n = this.view.getUint32(at);
    if (n > MAX_PAYLOAD_BYTES) {
      return this.fail(`payload length ${n} exceeds the maximum ${MAX_PAYLOAD_BYTES}`);
    }
    const frameEnd = at + FRAME_HEADER_BYTES + n;
    if (frameEnd > this.end) {
      return this.fail(`frame cut short (needs ${FRAME_HEADER_BYTES + n} bytes, ${left} left)`);
    }
    const stored = this.view.getUint32(at + 4);
    const computed = crc32c(this.bytes, at + 8, frameEnd);
    if (stored !== computed) {
      return this.fail(`crc32c mismatch (stored ${hex32(stored)}, computed ${hex32(computed)})`);
    }
    const lsn = readU64(this.view, at + 8);
    if (lsn !== this.nextLsn) {
      return this.fail(`lsn ${lsn} where ${this.nextLsn} was expected`);
    }
    this.lsn = lsn;
    this.type = this.bytes[at + 16] as number;
    this.payloadStart = at + FRAME_HEADER_BYTES;
    this.payloadEnd = frameEnd;
    this.offset = frameEnd;
    this.nextLsn = lsn + 1;
    return true;
  }

  /** The current frame's payload as a view into `bytes` (no copy). */
  payload(): Uint8Array {
    return this.bytes.subarray(this.payloadStart, this.payloadEnd);
  }

  private fail(problem: string): false {
    this.problem = problem;
    return false;
  }
}
