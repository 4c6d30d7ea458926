/**
 * Ships log records lsn from..to of a data dir as one archive object, laid out
 * as backup-layout.ts specifies (frames, codec, `archive/[<history>/]<first>-<last>-<blake3>.zst`,
 * under the data dir's history):
 * for restore tests that need exact ranges (and gaps) the archiver would never
 * leave. Built from the same pieces (readLogFrames, encodeObject, archiveKey).
 */
import { archiveKey } from "../../src/backup/backup-layout.ts";
import type { BackupTarget } from "../../src/backup/backup-target.ts";
import { readDataDirHistory } from "../../src/backup/data-dir-history.ts";
import { readLogFrames } from "../../src/backup/log-range.ts";
import { encodeObject } from "../../src/backup/object-codec.ts";

export async function shipRange(
  dataDir: string,
  target: BackupTarget,
  from: number,
  to: number,
): Promise<string> {
  const encoded = encodeObject(readLogFrames(dataDir, from, to));
  const key = archiveKey(readDataDirHistory(dataDir).id, from, to, encoded.blake3);
  await target.put(key, encoded.body);
  return key;
}
