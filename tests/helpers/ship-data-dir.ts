/**
 * Ships what a data dir's log holds that the URL does not, under the data
 * dir's history, as the server's archiver (and `archive-wal`) do (SPEC §7).
 */
import { ArchiveShipper } from "../../src/backup/archive-shipper.ts";
import type { BackupTarget } from "../../src/backup/backup-target.ts";
import { readDataDirHistory } from "../../src/backup/data-dir-history.ts";
import { dataDirWalSource } from "../../src/backup/wal-source.ts";

export function shipDataDir(target: BackupTarget, dataDir: string) {
  return new ArchiveShipper({
    target,
    source: dataDirWalSource(dataDir),
    history: readDataDirHistory(dataDir),
  }).ship();
}
