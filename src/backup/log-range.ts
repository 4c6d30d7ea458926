/**
 * The frames of a range of a live data dir's segment log, read from outside
 * the server (SPEC §7: `backup` reads the data dir beside it, read-only,
 * without its LOCK), through the archiver's own read path: `dataDirWalSource`
 * (segment headers, bounded by the applied LSN) and `WalReader` (every frame
 * checked by `FrameCursor`). The bytes are the segment's frames byte for byte,
 * the layout of `log.zst` and of archive objects (backup-layout.ts).
 */
import { StemeError } from "../errors.ts";
import { WalReader } from "./wal-reader.ts";
import { dataDirWalSource } from "./wal-source.ts";

const RUN_BYTES = 8 * 1024 * 1024;

/** Frames fromLsn..toLsn; throws when the log no longer (or not yet durably) holds them. */
export function readLogFrames(dataDir: string, fromLsn: number, toLsn: number): Uint8Array {
  if (fromLsn > toLsn) return new Uint8Array(0);
  const segments = dataDirWalSource(dataDir).segments();
  const reader = new WalReader();
  const runs: Uint8Array[] = [];
  let total = 0;
  for (let next = fromLsn; next <= toLsn; ) {
    const run = reader.read(segments, next, toLsn, RUN_BYTES);
    if (run === undefined || run.firstLsn !== next) {
      const first = segments[0]?.firstLsn;
      throw new StemeError(
        "storage_unavailable",
        `the log in ${dataDir}/wal no longer (or not yet durably) holds lsn ${next}` +
          (first !== undefined && next < first ? `: it starts at ${first} (retention)` : ""),
        { lsn: next },
      );
    }
    runs.push(run.bytes);
    total += run.bytes.length;
    next = run.lastLsn + 1;
  }
  if (runs.length === 1) return runs[0] as Uint8Array;
  const out = new Uint8Array(total);
  let at = 0;
  for (const r of runs) {
    out.set(r, at);
    at += r.length;
  }
  return out;
}
