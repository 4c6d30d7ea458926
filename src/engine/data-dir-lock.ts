/**
 * One process per data dir. Two engines appending to one segment log would
 * interleave frames and break LSN continuity, so `Engine.open` takes
 * `<dataDir>/LOCK`, created exclusively and holding the owner's pid. A lock
 * left by a process that no longer exists (SIGKILL, power cut) is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { StemeError } from "../errors.ts";

export interface DataDirLock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, "LOCK");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return { release: () => rmSync(path, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const owner = Number.parseInt(readFileSync(path, "utf8"), 10);
      if (Number.isInteger(owner) && alive(owner)) {
        throw new StemeError(
          "storage_unavailable",
          `data dir ${dataDir} is in use by process ${owner}; stop it first (or remove ${path} if that process is not StemeDB)`,
        );
      }
      rmSync(path, { force: true }); // stale: its owner is gone
    }
  }
  throw new StemeError("storage_unavailable", `cannot take the lock ${path}`);
}
