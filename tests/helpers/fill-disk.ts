/** Fills a file system with zeros until ENOSPC (real fault injection for storage tests); returns the bytes written. */
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";

export function fillDisk(path: string): number {
  const fd = openSync(path, "w");
  let total = 0;
  try {
    for (const size of [65_536, 4_096, 512, 1]) {
      const chunk = new Uint8Array(size);
      for (;;) {
        try {
          total += writeSync(fd, chunk);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOSPC") break;
          throw e;
        }
      }
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return total;
}
