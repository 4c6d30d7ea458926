/**
 * Ships log records lsn from..to of a data dir as one archive object, laid out
 * as backup-layout.ts specifies (frames, codec, `archive/<first>-<last>-<blake3>.zst`).
 * For restore tests until the continuous archiver's own shipping is merged; it
 * uses the same domain pieces (readLogRange, frameRecords, encodeObject).
 */
import { archiveKey } from "../../src/backup/backup-layout.ts";
import type { BackupTarget } from "../../src/backup/backup-target.ts";
import { frameRecords, readLogRange } from "../../src/backup/log-range.ts";
import { encodeObject } from "../../src/backup/object-codec.ts";

export async function shipRange(
  dataDir: string,
  target: BackupTarget,
  from: number,
  to: number,
): Promise<string> {
  const encoded = encodeObject(frameRecords(readLogRange(dataDir, from, to)));
  const key = archiveKey(from, to, encoded.blake3);
  await target.put(key, encoded.body);
  return key;
}
