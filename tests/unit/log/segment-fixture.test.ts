import { describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { scanSegments } from "../../../src/log/scan-segments.ts";
import { SegmentLog } from "../../../src/log/segment-log.ts";
import { fixtureBatches, writeFixtureLog } from "./fixtures/v1/generate.ts";
import { tempDir } from "./log-test-helpers.ts";

const FIXTURE = join(import.meta.dir, "fixtures", "v1", "segment-00000001.log");

describe("on-disk fixture of segment format v1", () => {
  test("is still read: every record comes back and the log goes on after it", async () => {
    using dir = tempDir();
    mkdirSync(dir.wal);
    copyFileSync(FIXTURE, join(dir.wal, "segment-00000001.log"));
    expect(scanSegments(dir.wal)).toMatchObject({ ok: true, records: 3, firstLsn: 1, lastLsn: 3 });
    const log = await SegmentLog.open(dir.wal);
    expect(log.openReport).toBeUndefined();
    const expected = fixtureBatches()
      .flat()
      .map((r, i) => ({ lsn: i + 1, type: r.type, payload: r.payload }));
    expect([...log.readFrom(1)]).toEqual(expected);
    expect(await log.append([{ type: 1, payload: new Uint8Array(1) }])).toEqual({
      firstLsn: 4,
      lastLsn: 4,
    });
    await log.close();
  });

  test("is what the writer still writes, byte for byte", async () => {
    using dir = tempDir();
    const written = await writeFixtureLog(dir.wal);
    expect(readFileSync(written)).toEqual(readFileSync(FIXTURE));
  });
});
