/**
 * The segment log's storage probe (SPEC §6 storage breaker): write, fdatasync
 * and remove a 64 KiB file in the log's directory. It succeeds only when that
 * directory takes a durable write again (a full disk freed, an I/O fault gone).
 */
import { join } from "node:path";
import { type FileOps, writeFully } from "./file-ops.ts";

const PROBE_FILE = ".storage-probe";
const PROBE_BYTES = 64 * 1024;

export function probeDirectory(dir: string, fileOps: FileOps): () => Promise<void> {
  const path = join(dir, PROBE_FILE);
  const bytes = new Uint8Array(PROBE_BYTES).fill(0x5a);
  return async () => {
    const file = await fileOps.open(path, "w+");
    try {
      await writeFully(file, bytes, 0);
      await file.datasync();
    } finally {
      await file.close().catch(() => undefined);
      await fileOps.unlink(path).catch(() => undefined);
    }
  };
}
