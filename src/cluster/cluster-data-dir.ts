/**
 * A cluster node's data dir has no segment log (SPEC §10: the stream is the
 * log), and tools tell a cluster node's data dir by that (`stemedb backup`
 * takes only the SQLite snapshot there: the stream holds the tail).
 *
 * A node that joins from a backup (SPEC §7 restore, then `serve --nats-url`)
 * finds the `wal/` that `stemedb restore` leaves: one segment with no record,
 * starting right after the snapshot's LSN, which told the restore's recovery
 * where the state ends. That one is removed. Any other `wal/` holds a
 * single-node log (or one with records the state has not applied): following
 * the stream from its `last_lsn` would mix two histories, so the node refuses.
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { StemeError } from "../errors.ts";
import { scanSegments } from "../log/scan-segments.ts";
import type { Logger } from "../logger.ts";

export function prepareClusterDataDir(dataDir: string, appliedLsn: number, logger: Logger): void {
  const wal = join(dataDir, "wal");
  if (!existsSync(wal)) return;
  const scan = scanSegments(wal);
  const restored =
    scan.ok &&
    scan.records === 0 &&
    (scan.firstLsn === undefined || scan.firstLsn === appliedLsn + 1);
  if (!restored) {
    throw new StemeError(
      "config_invalid",
      `${wal} holds a segment log (${scan.records} record(s), lsn ${scan.firstLsn ?? "?"}..${scan.lastLsn ?? "?"}; the state has applied up to ${appliedLsn}): ` +
        "this is a single-node data dir, and cluster mode follows the stream instead. Start it without --nats-url, " +
        "or join the cluster from an empty data dir or one restored from a cluster node's backup",
      { field: "natsUrl" },
    );
  }
  rmSync(wal, { recursive: true, force: true });
  logger.info("removed the empty segment log a restore left: the stream is this node's log", {
    applied_lsn: appliedLsn,
  });
}
