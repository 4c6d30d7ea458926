/**
 * Small files and directories that must survive a power cut (SPEC §5,
 * ops/docs/durability.md). POSIX makes a file's bytes durable at its fsync and
 * a name durable at its directory's fsync; without both, a cut can leave the
 * name without the bytes (an empty file) or no name at all. These helpers do
 * both, in the order that never exposes a half-written file under its name:
 * bytes to a private temporary name, fsync, then the name, then the directory.
 * tests/powerloss/ checks each caller on a file system that forgets whatever
 * was not synced.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants as fsConstants,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname } from "node:path";

/** fsync a directory: the names in it (created, renamed, removed) become durable. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, fsConstants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** `mkdir -p` whose new directories' names are durable once it returns. */
export function mkdirDurable(dir: string, mode?: number): void {
  const first = mkdirSync(dir, { recursive: true, mode });
  if (first === undefined) return; // nothing was created
  // Every directory from `first` down to `dir` is new: sync the parent of each.
  for (let d = dir; ; d = dirname(d)) {
    syncDirectory(dirname(d));
    if (d === first || dirname(d) === d) break;
  }
}

function writeTemp(path: string, content: string, mode: number): string {
  const tmp = `${dirname(path)}/.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  const fd = openSync(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } catch (e) {
    unlinkSync(tmp); // a full disk must not leave temporary files behind
    throw e;
  } finally {
    closeSync(fd);
  }
  return tmp;
}

/**
 * Creates `path` holding `content` unless it exists; true if this call made it.
 * After a cut `path` is either absent or complete, and two processes racing
 * end up with one file (the loser reads the winner's).
 */
export function createFileOnce(path: string, content: string, mode: number): boolean {
  const tmp = writeTemp(path, content, mode);
  let created = true;
  try {
    linkSync(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    created = false;
  } finally {
    unlinkSync(tmp);
  }
  syncDirectory(dirname(path));
  return created;
}

/** Replaces `path` with `content` atomically: after a cut it holds the old or the new bytes. */
export function writeFileDurable(path: string, content: string, mode = 0o644): void {
  const tmp = writeTemp(path, content, mode);
  try {
    renameSync(tmp, path);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
  syncDirectory(dirname(path));
}
