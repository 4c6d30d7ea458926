/**
 * The redaction ledger a restored data dir carries (SPEC §12): `restore`
 * copies the URL's ledger (redaction-ledger.ts) into `db/redaction-ledger.json`
 * before the engine first opens the data dir, so a restore to a point before
 * a redaction — or from a snapshot taken before it — still applies it:
 * recovery deletes the target's row as the apply path does, accepts the
 * target's stub, and the scrubber replaces a restored frame by its stub; the
 * verifiers take a redaction from here when the tree does not hold it.
 * Absent in a data dir that was never restored from a URL with redactions.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { type LedgerEntry, ledgerObject, parseLedgerObject } from "./redaction-ledger.ts";

export const LEDGER_FILE = join("db", "redaction-ledger.json");

/** The data dir's ledger (checked like the URL's); empty when it has none. */
export function readDataDirLedger(dataDir: string): LedgerEntry[] {
  const path = join(dataDir, LEDGER_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    list = undefined;
  }
  return (Array.isArray(list) ? list : [undefined]).map((o) => parseLedgerObject(path, o));
}

/** Writes the ledger into `<dir>/db/` durably (temp file fsynced, renamed, directory fsynced). */
export function writeDataDirLedger(dir: string, entries: readonly LedgerEntry[]): void {
  const path = join(dir, LEDGER_FILE);
  const temp = `${path}.tmp`;
  const bytes = new TextEncoder().encode(JSON.stringify(entries.map(ledgerObject)));
  const fd = openSync(temp, "w", 0o600);
  try {
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  const d = openSync(join(dir, "db"), "r");
  try {
    fsyncSync(d);
  } finally {
    closeSync(d);
  }
}
