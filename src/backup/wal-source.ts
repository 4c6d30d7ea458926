/**
 * Where the archiver reads log records from (SPEC §7 continuous archival): a
 * snapshot of the segments, bounded to records that are durable, so nothing
 * is shipped that a power cut could still take back from the local log (the
 * archive would then hold LSNs the log later reuses for other records).
 *
 * - In the server: the engine's own `SegmentLog.segmentList()`, whose lastLsn
 *   is the last fdatasynced record.
 * - `archive-wal` beside a running server (`dataDirWalSource`): read-only. It
 *   reads the segment headers from `<dataDir>/wal` and bounds the log by the
 *   state's `last_lsn` (the SQLite state applies a record only after its log
 *   append was fsynced, SPEC §5), read through a read-only connection. The
 *   data dir is never written.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { StemeError } from "../errors.ts";
import { listSegmentFiles } from "../log/segment-files.ts";
import {
  isHeaderProblem,
  parseSegmentHeader,
  SEGMENT_HEADER_BYTES,
} from "../log/segment-header.ts";
import type { LogSegment } from "../log/segment-log-config.ts";
import { openStateReadonly } from "../verify/open-state-readonly.ts";

export interface WalSource {
  /** The segments, oldest first, each lastLsn capped at the durable bound. */
  segments(): LogSegment[];
}

/** A read-only view of `<dataDir>/wal`, bounded by the applied LSN in `<dataDir>/db`. */
export function dataDirWalSource(dataDir: string): WalSource {
  const walDir = join(dataDir, "wal");
  const dbPath = join(dataDir, "db", "state.sqlite");
  return {
    segments() {
      if (!existsSync(dbPath) || !existsSync(walDir)) {
        throw new StemeError("config_invalid", `${dataDir} is not a StemeDB data dir`, {
          field: "data_dir",
        });
      }
      const bound = appliedLsn(dbPath);
      const headers: LogSegment[] = [];
      for (const f of listSegmentFiles(walDir)) {
        let head: { bytes: Uint8Array; size: number };
        try {
          head = readHead(f.path);
        } catch (e) {
          // Removed by retention between the listing and the read: older than what we need.
          if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
          throw new StemeError("storage_unavailable", `cannot read ${f.name}`, {}, e);
        }
        const header = parseSegmentHeader(head.bytes);
        if (isHeaderProblem(header)) {
          if (header.short) break; // being created right now: holds nothing durable yet
          throw new StemeError(header.code, `${f.name}: ${header.reason}`, { segment: f.name });
        }
        headers.push({
          number: f.number,
          name: f.name,
          path: f.path,
          firstLsn: header.firstLsn,
          lastLsn: 0,
          bytes: head.size,
          createdAtMs: header.createdAtMs,
        });
      }
      const out: LogSegment[] = [];
      for (const [i, s] of headers.entries()) {
        if (s.firstLsn > bound) break;
        const next = headers[i + 1];
        const end = next === undefined ? bound : Math.min(next.firstLsn - 1, bound);
        out.push({ ...s, lastLsn: end });
      }
      return out;
    },
  };
}

/** The header bytes of a segment file and the file's size. */
function readHead(path: string): { bytes: Uint8Array; size: number } {
  const fd = openSync(path, "r");
  try {
    const bytes = new Uint8Array(SEGMENT_HEADER_BYTES);
    const n = readSync(fd, bytes, 0, SEGMENT_HEADER_BYTES, 0);
    return { bytes: bytes.subarray(0, n), size: fstatSync(fd).size };
  } finally {
    closeSync(fd);
  }
}

function appliedLsn(dbPath: string): number {
  const db = openStateReadonly(dbPath);
  try {
    const row = db.query("SELECT value FROM meta WHERE key = 'last_lsn'").get() as {
      value: number;
    } | null;
    return row?.value ?? 0;
  } finally {
    db.close();
  }
}
