/**
 * A directory backup target as tests look at it: how far its archive reaches
 * (read straight from the directory, synchronously, so a test can look while
 * its main thread spins), and the real target behind a switch that makes
 * every call fail as an unreachable store's would.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parseArchiveKey } from "../../src/backup/backup-layout.ts";
import type { BackupTarget } from "../../src/backup/backup-target.ts";
import { DirTarget } from "../../src/backup/dir-target.ts";

/** The highest LSN the archive objects in `dir` cover contiguously from 1 (0 for none). */
export function archivedThrough(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(join(dir, "archive"));
  } catch {
    return 0;
  }
  const ranges = names
    .map((n) => parseArchiveKey(`archive/${n}`))
    .filter((r) => r !== undefined)
    .sort((a, b) => a.firstLsn - b.firstLsn);
  let through = 0;
  for (const r of ranges) if (r.firstLsn === through + 1) through = r.lastLsn;
  return through;
}

/** The directory target at `dir`; while `down` is set every call but delete fails with ECONNREFUSED. */
export function switchableTarget(dir: string): BackupTarget & { down: boolean } {
  const real = new DirTarget(dir);
  const refuse = () => Promise.reject(new Error("ECONNREFUSED"));
  return {
    url: real.url,
    down: true,
    put(k, b) {
      return this.down ? refuse() : real.put(k, b);
    },
    putChunks(k, c) {
      return this.down ? refuse() : real.putChunks(k, c);
    },
    get(k) {
      return this.down ? refuse() : real.get(k);
    },
    getChunks(k) {
      return this.down ? refuse() : real.getChunks(k);
    },
    list(p, s) {
      return this.down ? refuse() : real.list(p, s);
    },
    delete: (k) => real.delete(k),
  };
}
