/**
 * `metadata.json` in the data dir (SPEC §5: version, count, root): written on
 * open and on a clean close. Informational for operators and tools; the log
 * and the state are the truth, so nothing reads it back to recover. Replaced
 * atomically: `stemedb verify` reads it, and a power cut must not leave it empty.
 */
import { join } from "node:path";
import { writeFileDurable } from "../durable-file.ts";
import type { SignedTreeHead } from "../merkle/tree-head.ts";

export function writeMetadataFile(dataDir: string, sth: SignedTreeHead, nowMs: number): void {
  const meta = {
    format: 1,
    count: sth.tree_size,
    tree_size: sth.tree_size,
    root: sth.root,
    server_key: sth.server_key,
    written_at: nowMs,
  };
  writeFileDurable(join(dataDir, "metadata.json"), `${JSON.stringify(meta, null, 2)}\n`);
}
