/**
 * Reads a whole WAL archive back for tests: every archive object decoded and
 * checked (object codec BLAKE3, frame CRC32C and LSN continuity inside it),
 * and asserts the ranges follow each other with no gap and no overlap.
 */
import { expect } from "bun:test";
import {
  ARCHIVE_PREFIX,
  type ArchiveRange,
  parseArchiveKey,
} from "../../src/backup/backup-layout.ts";
import type { BackupTarget } from "../../src/backup/backup-target.ts";
import { decodeObject } from "../../src/backup/object-codec.ts";
import type { LogRecord } from "../../src/log/record-frame.ts";
import { FrameCursor } from "../../src/log/record-frame.ts";

export async function readArchive(
  target: BackupTarget,
): Promise<{ frames: LogRecord[]; ranges: ArchiveRange[] }> {
  const frames: LogRecord[] = [];
  const ranges: ArchiveRange[] = [];
  for (const o of await target.list(ARCHIVE_PREFIX)) {
    const r = parseArchiveKey(o.key);
    if (r === undefined) throw new Error(`not an archive key: ${o.key}`);
    ranges.push(r);
    const plain = decodeObject(o.key, (await target.get(o.key)) as Uint8Array, r.blake3);
    const cursor = new FrameCursor(plain, 0, r.firstLsn);
    while (cursor.next()) {
      frames.push({ lsn: cursor.lsn, type: cursor.type, payload: cursor.payload().slice() });
    }
    expect(cursor.problem).toBeUndefined();
    expect(cursor.nextLsn).toBe(r.lastLsn + 1);
  }
  for (let i = 1; i < ranges.length; i++) {
    expect(ranges[i]?.firstLsn).toBe((ranges[i - 1]?.lastLsn ?? 0) + 1);
  }
  return { frames, ranges };
}

/** The archive holds exactly `log` (same LSNs, types and payloads). */
export function expectSameRecords(archived: readonly LogRecord[], log: readonly LogRecord[]): void {
  expect(archived.map((f) => f.lsn)).toEqual(log.map((r) => r.lsn));
  for (const [i, f] of archived.entries()) {
    const l = log[i] as LogRecord;
    expect(f.type).toBe(l.type);
    expect(Buffer.compare(Buffer.from(f.payload), Buffer.from(l.payload))).toBe(0);
  }
}
