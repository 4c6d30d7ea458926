/**
 * Footprint at the dataset size (SPEC §9: RSS ≤ 300 MB; ≤ 1 KiB on disk per
 * typical assertion, log included): the server process's VmRSS from
 * /proc/<pid>/status, and `du` of the data dir's `wal/` (segment log) and `db/`
 * (SQLite file, its -wal and -shm) divided by the number of assertions.
 */
import { join } from "node:path";
import { duBytes } from "../lib/disk.ts";
import { rssBytes } from "../lib/proc-stats.ts";
import { progress } from "../lib/progress.ts";

export interface Footprint {
  rssBytes: number;
  logBytes: number;
  dbBytes: number;
  logBytesPerAssertion: number;
  dbBytesPerAssertion: number;
  totalBytesPerAssertion: number;
}

export function measureFootprint(pid: number, dataDir: string, assertions: number): Footprint {
  const rss = rssBytes(pid);
  const logBytes = duBytes(join(dataDir, "wal"));
  const dbBytes = duBytes(join(dataDir, "db"));
  const per = (b: number) => Math.round(b / assertions);
  const f: Footprint = {
    rssBytes: rss,
    logBytes,
    dbBytes,
    logBytesPerAssertion: per(logBytes),
    dbBytesPerAssertion: per(dbBytes),
    totalBytesPerAssertion: per(logBytes + dbBytes),
  };
  progress(
    `footprint: RSS ${(rss / 1e6).toFixed(1)} MB; disk ${f.totalBytesPerAssertion} B/assertion (log ${f.logBytesPerAssertion}, db ${f.dbBytesPerAssertion})`,
  );
  return f;
}
