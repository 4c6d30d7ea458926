import { describe, expect, test } from "bun:test";
import { crc32c } from "../../../src/log/crc32c.ts";
import {
  encodeFrames,
  FRAME_HEADER_BYTES,
  FrameCursor,
  framedSize,
  MAX_PAYLOAD_BYTES,
} from "../../../src/log/record-frame.ts";
import {
  encodeSegmentHeader,
  isHeaderProblem,
  parseSegmentHeader,
  SEGMENT_HEADER_BYTES,
} from "../../../src/log/segment-header.ts";
import { payloadNumber, record } from "./log-test-helpers.ts";

describe("segment header", () => {
  test("round trips, with the documented layout", () => {
    const firstLsn = 2 ** 40 + 7;
    const bytes = encodeSegmentHeader(firstLsn, 1_700_000_000_123);
    expect(bytes.length).toBe(SEGMENT_HEADER_BYTES);
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe("STEMELOG");
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(8)).toBe(1);
    expect(view.getBigUint64(12)).toBe(BigInt(firstLsn));
    expect(view.getBigUint64(20)).toBe(1_700_000_000_123n);
    expect(view.getUint32(28)).toBe(crc32c(bytes, 0, 28));
    expect(parseSegmentHeader(bytes)).toEqual({
      version: 1,
      firstLsn,
      createdAtMs: 1_700_000_000_123,
    });
  });

  test("bad magic is corruption", () => {
    const bytes = encodeSegmentHeader(1, 0);
    bytes[0] = "X".charCodeAt(0);
    const h = parseSegmentHeader(bytes);
    expect(isHeaderProblem(h) && h.code).toBe("corrupt_segment");
    expect(isHeaderProblem(h) && h.reason).toContain("bad magic");
  });

  test("an unknown version is refused before the checksum is looked at", () => {
    const bytes = encodeSegmentHeader(1, 0);
    new DataView(bytes.buffer).setUint32(8, 2);
    const h = parseSegmentHeader(bytes);
    expect(isHeaderProblem(h) && h.code).toBe("bad_format_version");
    expect(isHeaderProblem(h) && h.reason).toContain("version 2");
  });

  test("a damaged field fails the checksum; a short header says so", () => {
    const bytes = encodeSegmentHeader(5, 0);
    bytes[15] = (bytes[15] as number) ^ 1;
    const damaged = parseSegmentHeader(bytes);
    expect(isHeaderProblem(damaged) && damaged.reason).toContain("crc32c mismatch");
    const short = parseSegmentHeader(encodeSegmentHeader(5, 0).subarray(0, 20));
    expect(isHeaderProblem(short) && short.short).toBe(true);
    expect(isHeaderProblem(parseSegmentHeader(new Uint8Array(0)))).toBe(true);
  });
});

describe("record frames", () => {
  const records = [record(1, 0, 0), record(2, 10, 3), record(3, 300, 255)];

  function encoded(firstLsn = 41): Uint8Array {
    const out = new Uint8Array(framedSize(records));
    expect(encodeFrames(records, firstLsn, out)).toBe(out.length);
    return out;
  }

  test("round trip through FrameCursor, with the documented layout", () => {
    const bytes = encoded();
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(0)).toBe(0); // payload length of the first
    expect(view.getUint32(4)).toBe(crc32c(bytes, 8, FRAME_HEADER_BYTES));
    expect(view.getBigUint64(8)).toBe(41n);
    expect(bytes[16]).toBe(0);
    const cursor = new FrameCursor(bytes, 0, 41);
    const seen: [number, number, number][] = [];
    while (cursor.next()) {
      const p = cursor.payload();
      seen.push([cursor.lsn, cursor.type, p.length >= 4 ? payloadNumber(p) : p.length]);
    }
    expect(cursor.problem).toBeUndefined();
    expect(seen).toEqual([
      [41, 0, 0],
      [42, 3, 2],
      [43, 255, 3],
    ]);
  });

  function firstProblem(bytes: Uint8Array, nextLsn = 41): [string | undefined, number] {
    const cursor = new FrameCursor(bytes, 0, nextLsn);
    while (cursor.next()) {}
    return [cursor.problem, cursor.offset];
  }

  test("stops at the first bad frame and says why", () => {
    const second = FRAME_HEADER_BYTES; // the first frame has an empty payload
    const crc = encoded();
    crc[second + 20] = (crc[second + 20] as number) ^ 1;
    expect(firstProblem(crc)).toEqual([expect.stringContaining("crc32c mismatch"), second]);

    expect(firstProblem(encoded(), 40)).toEqual(["lsn 41 where 40 was expected", 0]);

    const cut = encoded().subarray(0, second + 5);
    expect(firstProblem(cut)).toEqual([expect.stringContaining("frame header cut short"), second]);

    const short = encoded().subarray(0, second + FRAME_HEADER_BYTES + 3);
    expect(firstProblem(short)).toEqual([expect.stringContaining("frame cut short"), second]);

    const huge = encoded();
    new DataView(huge.buffer).setUint32(second, MAX_PAYLOAD_BYTES + 1);
    expect(firstProblem(huge)).toEqual([expect.stringContaining("exceeds the maximum"), second]);
  });
});
