/**
 * `metadata.json` in the data dir (SPEC §5: version, count, root): written on
 * open and on a clean close. Informational for operators and tools; the log
 * and the state are the truth, so nothing reads it back to recover.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
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
  writeFileSync(join(dataDir, "metadata.json"), `${JSON.stringify(meta, null, 2)}\n`);
}
