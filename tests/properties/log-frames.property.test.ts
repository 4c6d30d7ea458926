/**
 * Property tests (fast-check) of the segment log's frame reader (SPEC §5,
 * src/log/record-frame.ts, scan-segment.ts): whatever bytes a power cut or a
 * bad disk leaves, scanning gives a clean answer — never an exception, never a
 * record that was not written. Each frame's CRC32C covers its LSN, type and
 * payload, so a damaged or torn frame ends the scan with a `problem` and the
 * records before it are exactly the ones written.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { encodeFrames, FrameCursor, framedSize } from "../../src/log/record-frame.ts";
import { scanSegment } from "../../src/log/scan-segment.ts";
import { encodeSegmentHeader, SEGMENT_HEADER_BYTES } from "../../src/log/segment-header.ts";

const RUNS = Number(process.env.STEMEDB_PROPERTY_RUNS ?? 300);
const record = fc.record({
  type: fc.integer({ min: 0, max: 255 }),
  payload: fc.uint8Array({ maxLength: 300 }),
});

function segment(records: { type: number; payload: Uint8Array }[], firstLsn: number): Uint8Array {
  const out = new Uint8Array(SEGMENT_HEADER_BYTES + framedSize(records));
  out.set(encodeSegmentHeader(firstLsn, 1_767_225_600_000), 0);
  encodeFrames(records, firstLsn, out, SEGMENT_HEADER_BYTES);
  return out;
}

/** The records a scan accepts, decoded with the one FrameCursor. */
function accepted(bytes: Uint8Array, firstLsn: number, validBytes: number) {
  const c = new FrameCursor(bytes, SEGMENT_HEADER_BYTES, firstLsn, validBytes);
  const got: { type: number; payload: Uint8Array; lsn: number }[] = [];
  while (c.next()) got.push({ type: c.type, payload: c.payload().slice(), lsn: c.lsn });
  return got;
}

test("written records scan back exactly, in order, with consecutive LSNs", () => {
  fc.assert(
    fc.property(
      fc.array(record, { maxLength: 30 }),
      fc.integer({ min: 1, max: 2 ** 40 }),
      (records, firstLsn) => {
        const bytes = segment(records, firstLsn);
        const scan = scanSegment(bytes, firstLsn);
        expect(scan.problem).toBeUndefined();
        expect(scan.records).toBe(records.length);
        expect(scan.lastLsn).toBe(firstLsn + records.length - 1);
        expect(scan.validBytes).toBe(bytes.length);
        const got = accepted(bytes, firstLsn, scan.validBytes);
        expect(got.map((r) => r.type)).toEqual(records.map((r) => r.type));
        got.forEach((r, i) => {
          expect(r.lsn).toBe(firstLsn + i);
          expect(Buffer.compare(r.payload, records[i]?.payload as Uint8Array)).toBe(0);
        });
      },
    ),
    { numRuns: RUNS },
  );
});

test("a torn or damaged segment yields a clean problem and only a prefix of the written records", () => {
  fc.assert(
    fc.property(
      fc.array(record, { minLength: 1, maxLength: 20 }),
      fc.nat(),
      fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), {
        maxLength: 3,
      }),
      fc.boolean(),
      (records, cutAt, flips, cut) => {
        const whole = segment(records, 1);
        const bytes = cut ? whole.slice(0, cutAt % (whole.length + 1)) : whole.slice();
        for (const f of flips) {
          const i = f.at % Math.max(bytes.length, 1);
          if (bytes.length > 0) bytes[i] = (bytes[i] as number) ^ f.xor;
        }
        const scan = scanSegment(bytes, 1);
        expect(scan.validBytes).toBeLessThanOrEqual(bytes.length);
        if (scan.header === undefined) {
          expect(scan.problem).toBeDefined();
          return;
        }
        const got = accepted(bytes, scan.header.firstLsn, scan.validBytes);
        expect(got.length).toBe(scan.records);
        // Never a wrong record: each accepted one is the one written at that place.
        got.forEach((r, i) => {
          expect(r.type).toBe(records[i]?.type as number);
          expect(Buffer.compare(r.payload, records[i]?.payload as Uint8Array)).toBe(0);
        });
        if (scan.problem === undefined) expect(scan.validBytes).toBe(bytes.length);
      },
    ),
    { numRuns: RUNS },
  );
});

test("any byte string scans without throwing", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 600 }),
      fc.option(fc.integer({ min: 1, max: 2 ** 40 }), { nil: undefined }),
      (bytes, expected) => {
        const scan = scanSegment(bytes, expected);
        expect(scan.validBytes).toBeLessThanOrEqual(bytes.length);
        expect(scan.records).toBeGreaterThanOrEqual(0);
        if (scan.records > 0) expect(scan.header).toBeDefined();
      },
    ),
    { numRuns: RUNS * 3 },
  );
});

test("any byte string after a valid header scans without throwing", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (tail) => {
      const bytes = new Uint8Array(SEGMENT_HEADER_BYTES + tail.length);
      bytes.set(encodeSegmentHeader(7, 0), 0);
      bytes.set(tail, SEGMENT_HEADER_BYTES);
      const scan = scanSegment(bytes, 7);
      expect(scan.header?.firstLsn).toBe(7);
      expect(scan.validBytes).toBeGreaterThanOrEqual(SEGMENT_HEADER_BYTES);
      expect(scan.problem === undefined).toBe(scan.validBytes === bytes.length);
    }),
    { numRuns: RUNS * 3 },
  );
});
