/**
 * The history a data dir belongs to (SPEC §7, history.ts), in
 * `<dataDir>/history.json`. Written — file fsynced, then the directory — before
 * anything depends on it: by `Engine.open` when it creates a data dir, by
 * `restore` when it places one. A data dir without the file predates
 * histories and is the root history.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { decodeHistory, encodeHistory, type HistoryRecord, ROOT_RECORD } from "./history.ts";

export const HISTORY_FILE = "history.json";

/** The data dir's history; the root history when it has no history.json. */
export function readDataDirHistory(dataDir: string): HistoryRecord {
  const path = join(dataDir, HISTORY_FILE);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return ROOT_RECORD;
    throw e;
  }
  return decodeHistory(path, bytes);
}

/** Writes history.json durably (a temp file fsynced, renamed, the directory fsynced). */
export function writeDataDirHistory(dataDir: string, history: HistoryRecord): void {
  const path = join(dataDir, HISTORY_FILE);
  const temp = `${path}.tmp`;
  const fd = openSync(temp, "w", 0o600);
  try {
    const bytes = encodeHistory(history);
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  const dir = openSync(dataDir, "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
