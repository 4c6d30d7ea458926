/**
 * The narrow file-system seam of the segment writer: exactly the operations it
 * performs on the open segment, so tests can inject a full disk (ENOSPC) or an
 * I/O error (EIO) at any step. `nodeFileOps` is the real thing: `node:fs/promises`
 * for the rare operations, and the log's I/O thread (sync-thread.ts) for a
 * batch's write + fdatasync. Both keep the event loop serving requests while an
 * fdatasync is in flight (that is what lets group commit gather the next
 * batch). Reads go straight to `node:fs`; they need no injection.
 */

import { type FileHandle, open, unlink } from "node:fs/promises";
import { syncThread } from "./sync-thread.ts";

/** The subset of `node:fs/promises` FileHandle the writer uses. */
export interface WritableFile {
  write(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesWritten: number }>;
  /** fdatasync(2): the data and the metadata needed to read it back (the size). */
  datasync(): Promise<void>;
  /** fsync(2). */
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
  /**
   * A batch's I/O in one step: writes all of `bytes` at `position`, then
   * fdatasync(2). Resolves with the seconds the fdatasync call itself took
   * (the `stemedb_log_fsync_duration_seconds` observation). The real one runs
   * on the log's I/O thread and has the I/O under way when it returns.
   */
  writeAndSync(bytes: Uint8Array, position: number): Promise<number>;
}

export interface FileOps {
  /** Opens a file; flags as in node:fs ("r+" existing, "w+" create or empty). */
  open(path: string, flags: "r+" | "w+"): Promise<WritableFile>;
  /** fsync(2) on a directory, so a created or removed entry survives a crash. */
  syncDir(dir: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

export const nodeFileOps: FileOps = {
  open: async (path, flags) => nodeFile(await open(path, flags)),
  async syncDir(dir) {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  unlink: (path) => unlink(path),
};

/** Writes all of `bytes` at `position`, looping over short writes. */
export async function writeFully(
  file: Pick<WritableFile, "write">,
  bytes: Uint8Array,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position + done);
    if (bytesWritten <= 0) throw new Error(`write returned ${bytesWritten} bytes`);
    done += bytesWritten;
  }
}

function nodeFile(handle: FileHandle): WritableFile {
  return {
    write: (buffer, offset, length, position) => handle.write(buffer, offset, length, position),
    datasync: () => handle.datasync(),
    sync: () => handle.sync(),
    truncate: (length) => handle.truncate(length),
    close: () => handle.close(),
    writeAndSync: (bytes, position) => syncThread.writeAndSync(handle.fd, bytes, position),
  };
}

/**
 * `writeAndSync` from a file's own `write` and `datasync`, on the event loop
 * (for wrappers that inject faults into those steps). Its timing includes any
 * event-loop delay after the fdatasync; the real file's does not.
 */
export async function writeThenSync(
  file: Pick<WritableFile, "write" | "datasync">,
  bytes: Uint8Array,
  position: number,
): Promise<number> {
  await writeFully(file, bytes, position);
  const t0 = performance.now();
  await file.datasync();
  return (performance.now() - t0) / 1000;
}
