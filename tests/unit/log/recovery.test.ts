import { describe, expect, test } from "bun:test";
import { appendFileSync, readFileSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isStemeError, type StemeError } from "../../../src/errors.ts";
import { FRAME_HEADER_BYTES } from "../../../src/log/record-frame.ts";
import { segmentPath } from "../../../src/log/segment-files.ts";
import { encodeSegmentHeader, SEGMENT_HEADER_BYTES } from "../../../src/log/segment-header.ts";
import { SegmentLog } from "../../../src/log/segment-log.ts";
import type { LogLogger } from "../../../src/log/segment-log-config.ts";
import { fileSize, flipByte, payloadNumber, record, tempDir } from "./log-test-helpers.ts";

const P = 100;
const FRAME = FRAME_HEADER_BYTES + P;
/** Five records per segment. */
const SEGMENT_BYTES = SEGMENT_HEADER_BYTES + 5 * FRAME;

/** A closed log of `count` records, one per append; for 18, segments 1–3 hold 5 each and the newest, 4, holds lsn 16–18. */
async function writeLog(wal: string, count = 18): Promise<void> {
  const log = await SegmentLog.open(wal, { segmentBytes: SEGMENT_BYTES });
  for (let n = 1; n <= count; n++) await log.append([record(n, P)]);
  await log.close();
}

function capture(): LogLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info() {}, warn: (msg) => warnings.push(msg) };
}

async function openError(wal: string): Promise<StemeError> {
  const error = await SegmentLog.open(wal, { segmentBytes: SEGMENT_BYTES }).catch((e) => e);
  expect(isStemeError(error)).toBe(true);
  return error as StemeError;
}

/** Reopens, checks the repair and that the log goes on at the right LSN. */
async function expectRepaired(
  wal: string,
  want: { segment: string; offset: number; truncatedBytes: number; lastLsn: number },
): Promise<string> {
  const logger = capture();
  const log = await SegmentLog.open(wal, { segmentBytes: SEGMENT_BYTES, logger });
  expect(log.openReport).toMatchObject({
    segment: want.segment,
    offset: want.offset,
    truncatedBytes: want.truncatedBytes,
  });
  expect(logger.warnings.length).toBe(1);
  expect(log.lastLsn).toBe(want.lastLsn);
  const path = join(wal, want.segment);
  expect(fileSize(path)).toBe(want.offset === 0 ? SEGMENT_HEADER_BYTES : want.offset);
  const back = [...log.readFrom(1)].map((r) => [r.lsn, payloadNumber(r.payload)]);
  expect(back).toEqual(Array.from({ length: want.lastLsn }, (_, i) => [i + 1, i + 1]));
  expect(await log.append([record(99, P)])).toEqual({
    firstLsn: want.lastLsn + 1,
    lastLsn: want.lastLsn + 1,
  });
  await log.close();
  const again = await SegmentLog.open(wal, { segmentBytes: SEGMENT_BYTES });
  expect(again.openReport).toBeUndefined();
  expect(again.lastLsn).toBe(want.lastLsn + 1);
  await again.close();
  return logger.warnings[0] as string;
}

// Segment 4 holds lsn 16..18; its last frame (lsn 18) starts here.
const NEWEST = "segment-00000004.log";
const LAST_FRAME = SEGMENT_HEADER_BYTES + 2 * FRAME;

describe("torn tail of the newest segment", () => {
  test("a frame cut short is cut off", async () => {
    using dir = tempDir();
    await writeLog(dir.wal);
    truncateSync(join(dir.wal, NEWEST), LAST_FRAME + FRAME - 5);
    const warning = await expectRepaired(dir.wal, {
      segment: NEWEST,
      offset: LAST_FRAME,
      truncatedBytes: FRAME - 5,
      lastLsn: 17,
    });
    expect(warning).toContain("frame cut short");
  });

  test("garbage after the last frame is cut off", async () => {
    using dir = tempDir();
    await writeLog(dir.wal);
    appendFileSync(join(dir.wal, NEWEST), new Uint8Array(100).fill(0x5a));
    await expectRepaired(dir.wal, {
      segment: NEWEST,
      offset: LAST_FRAME + FRAME,
      truncatedBytes: 100,
      lastLsn: 18,
    });
  });

  test("a last frame with a bad checksum is cut off", async () => {
    using dir = tempDir();
    await writeLog(dir.wal);
    flipByte(join(dir.wal, NEWEST), LAST_FRAME + 4); // the stored crc itself
    const warning = await expectRepaired(dir.wal, {
      segment: NEWEST,
      offset: LAST_FRAME,
      truncatedBytes: FRAME,
      lastLsn: 17,
    });
    expect(warning).toContain("crc32c mismatch");
  });

  test("everything from the first bad frame of the newest segment on is cut (SPEC §5)", async () => {
    using dir = tempDir();
    await writeLog(dir.wal);
    flipByte(join(dir.wal, NEWEST), SEGMENT_HEADER_BYTES + FRAME + 30); // payload of lsn 17
    await expectRepaired(dir.wal, {
      segment: NEWEST,
      offset: SEGMENT_HEADER_BYTES + FRAME,
      truncatedBytes: 2 * FRAME,
      lastLsn: 16,
    });
  });

  test("an empty newest segment (crash while rolling) is recreated", async () => {
    using dir = tempDir();
    await writeLog(dir.wal, 20); // segments 1..4 full
    writeFileSync(segmentPath(dir.wal, 5), new Uint8Array(0));
    await expectRepaired(dir.wal, {
      segment: "segment-00000005.log",
      offset: 0,
      truncatedBytes: 0,
      lastLsn: 20,
    });
  });

  test("a newest segment with a partial header is recreated", async () => {
    using dir = tempDir();
    await writeLog(dir.wal, 20);
    writeFileSync(segmentPath(dir.wal, 5), encodeSegmentHeader(21, 0).subarray(0, 13));
    await expectRepaired(dir.wal, {
      segment: "segment-00000005.log",
      offset: 0,
      truncatedBytes: 13,
      lastLsn: 20,
    });
  });

  test("a lone first segment with a torn header starts the log again at lsn 1", async () => {
    using dir = tempDir();
    await writeLog(dir.wal, 0);
    truncateSync(segmentPath(dir.wal, 1), 7);
    await expectRepaired(dir.wal, {
      segment: "segment-00000001.log",
      offset: 0,
      truncatedBytes: 7,
      lastLsn: 0,
    });
  });
});

describe("corruption stops the open", () => {
  test("a flipped byte in an older segment names the segment and the frame's offset", async () => {
    using dir = tempDir();
    await writeLog(dir.wal);
    const frameOffset = SEGMENT_HEADER_BYTES + 3 * FRAME; // lsn 9, the 4th frame of segment 2
    const path = segmentPath(dir.wal, 2);
    flipByte(path, frameOffset + FRAME_HEADER_BYTES + 42);
    const before = readFileSync(path);
    const error = await openError(dir.wal);
    expect(error.code).toBe("corrupt_segment");
    expect(error.context).toMatchObject({ segment: "segment-00000002.log", offset: frameOffset });
    expect(error.message).toContain("segment-00000002.log");
    expect(error.message).toContain(`byte offset ${frameOffset}`);
    expect(error.message).toContain("crc32c mismatch");
    expect(readFileSync(path)).toEqual(before); // nothing was "repaired"
  });

  test("a torn tail in an older segment is corruption", async () => {
    using dir = tempDir();
    await writeLog(dir.wal);
    truncateSync(segmentPath(dir.wal, 1), SEGMENT_BYTES - 3);
    const error = await openError(dir.wal);
    expect(error.context).toMatchObject({
      segment: "segment-00000001.log",
      offset: SEGMENT_HEADER_BYTES + 4 * FRAME,
    });
  });

  test("bad magic", async () => {
    using dir = tempDir();
    await writeLog(dir.wal);
    flipByte(segmentPath(dir.wal, 4), 0);
    const error = await openError(dir.wal);
    expect(error.code).toBe("corrupt_segment");
    expect(error.context).toMatchObject({ segment: "segment-00000004.log", offset: 0 });
    expect(error.message).toContain("bad magic");
  });

  test("an unknown format version is refused, naming the file", async () => {
    using dir = tempDir();
    await writeLog(dir.wal);
    const path = segmentPath(dir.wal, 2);
    const bytes = readFileSync(path);
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(8, 2);
    writeFileSync(path, bytes);
    const error = await openError(dir.wal);
    expect(error.code).toBe("bad_format_version");
    expect(error.message).toContain("segment-00000002.log");
    expect(error.message).toContain("unknown segment format version 2");
  });

  test("a missing segment", async () => {
    using dir = tempDir();
    await writeLog(dir.wal);
    unlinkSync(segmentPath(dir.wal, 2));
    const error = await openError(dir.wal);
    expect(error.context).toMatchObject({ segment: "segment-00000003.log", offset: 0 });
    expect(error.message).toContain("segment-00000002.log is missing");
  });

  test("a lone later segment with a torn header: where the log starts is unknown", async () => {
    using dir = tempDir();
    await writeLog(dir.wal);
    for (const n of [1, 2, 3]) unlinkSync(segmentPath(dir.wal, n)); // as retention would
    truncateSync(segmentPath(dir.wal, 4), 10);
    const error = await openError(dir.wal);
    expect(error.code).toBe("corrupt_segment");
    expect(error.context).toMatchObject({ segment: NEWEST, offset: 0 });
    expect(error.message).toContain("no older segment tells its first lsn");
  });

  test("a newest segment whose header does not continue the LSNs", async () => {
    using dir = tempDir();
    await writeLog(dir.wal, 20);
    writeFileSync(segmentPath(dir.wal, 5), encodeSegmentHeader(30, 0));
    const error = await openError(dir.wal);
    expect(error.context).toMatchObject({ segment: "segment-00000005.log", offset: 0 });
    expect(error.message).toContain(
      "segment starts at lsn 30 but the previous segment ends at lsn 20",
    );
  });
});
