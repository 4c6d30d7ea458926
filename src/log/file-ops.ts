/**
 * The narrow file-system seam of the segment writer: exactly the operations it
 * performs on the open segment, so tests can inject a full disk (ENOSPC) or an
 * I/O error (EIO) at any step. `nodeFileOps` is the real thing on
 * `node:fs/promises`: asynchronous, so the event loop keeps serving requests
 * while an fdatasync is in flight (that is what lets group commit gather the
 * next batch). Reads go straight to `node:fs`; they need no injection.
 */

import { open, unlink } from "node:fs/promises";

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
}

export interface FileOps {
  /** Opens a file; flags as in node:fs ("r+" existing, "w+" create or empty). */
  open(path: string, flags: "r+" | "w+"): Promise<WritableFile>;
  /** fsync(2) on a directory, so a created or removed entry survives a crash. */
  syncDir(dir: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

export const nodeFileOps: FileOps = {
  open: (path, flags) => open(path, flags),
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
  file: WritableFile,
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
