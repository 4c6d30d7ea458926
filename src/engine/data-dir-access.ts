/**
 * A data dir this process cannot write is a configuration error that names
 * the directory and the fix (issue 18), not a bare `EACCES … data/LOCK`:
 * `assertWritableDataDir` creates the dir and a probe file in it before
 * anything else is written, and `dataDirAccessError` turns a permission error
 * met later (a subdirectory owned by someone else) into the same message.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { StemeError } from "../errors.ts";

const DENIED = new Set(["EACCES", "EPERM", "EROFS"]);

/** The clear error for a permission error `e` under `dataDir`, or undefined when `e` is not one. */
export function dataDirAccessError(e: unknown, dataDir: string): StemeError | undefined {
  const errno = e as NodeJS.ErrnoException;
  if (errno === null || typeof errno !== "object" || !DENIED.has(errno.code ?? ""))
    return undefined;
  const dir = resolve(dataDir);
  const what =
    errno.code === "EROFS" ? "is on a read-only file system" : "is not writable by this user";
  return new StemeError(
    "config_invalid",
    `data dir ${dir} ${what} (uid ${process.getuid?.() ?? "?"}; ${errno.code} on ${errno.path ?? dir}). ` +
      `Fix: give it to the user stemedb runs as (chown -R stemedb:stemedb ${dir}; the systemd unit's ` +
      `StateDirectory= does this for /var/lib/stemedb), or point --data-dir (STEMEDB_DATA_DIR) at a directory that user can write`,
    { field: "dataDir" },
    e,
  );
}

/** Creates `dataDir` when missing and checks that a file can be written in it. */
export function assertWritableDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
    const probe = join(dataDir, `.write-probe-${process.pid}`);
    writeFileSync(probe, "");
    rmSync(probe);
  } catch (e) {
    throw dataDirAccessError(e, dataDir) ?? e;
  }
}
