/**
 * Helpers for the segment log tests: throw-away directories under the OS temp
 * dir (removed by `using`), record factories, and a FileOps wrapper around the
 * real node:fs/promises that injects failures (ENOSPC, EIO) on demand.
 */

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type FileOps,
  nodeFileOps,
  type WritableFile,
  writeThenSync,
} from "../../../src/log/file-ops.ts";
import type { LogRecordInput } from "../../../src/log/record-frame.ts";

export interface TempDir extends Disposable {
  path: string;
  /** The log directory inside it, as the engine lays it out (`<dataDir>/wal`). */
  wal: string;
}

export function tempDir(): TempDir {
  const path = mkdtempSync(join(tmpdir(), "stemedb-log-"));
  return {
    path,
    wal: join(path, "wal"),
    [Symbol.dispose]() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** A record whose payload encodes `n` so tests can check what came back. */
export function record(n: number, size = 100, type = 1): LogRecordInput {
  const payload = new Uint8Array(size);
  const view = new DataView(payload.buffer);
  if (size >= 4) view.setUint32(0, n);
  for (let i = 4; i < size; i++) payload[i] = (n + i) & 0xff;
  return { type, payload };
}

export function payloadNumber(payload: Uint8Array): number {
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0);
}

export function fileSize(path: string): number {
  return statSync(path).size;
}

/** XORs one byte of a file in place. */
export function flipByte(path: string, offset: number): void {
  const bytes = readFileSync(path);
  bytes[offset] = (bytes[offset] as number) ^ 0xff;
  writeFileSync(path, bytes);
}

export function errno(code: string, syscall: string): Error {
  return Object.assign(new Error(`${code}: injected failure, ${syscall}`), { code, syscall });
}

/** How many upcoming calls of each kind fail. `write` failures first write half the bytes for real. */
export interface Faults {
  open: number;
  write: number;
  datasync: number;
  truncate: number;
}

/** Real file operations with injectable failures and a log of calls. */
export function faultyFileOps(): { ops: FileOps; faults: Faults; calls: string[] } {
  const faults: Faults = { open: 0, write: 0, datasync: 0, truncate: 0 };
  const calls: string[] = [];
  const ops: FileOps = {
    async open(path, flags) {
      calls.push(`open ${flags}`);
      if (faults.open > 0) {
        faults.open--;
        // Fail after creating the file, as a full disk can: the caller must clean it up.
        await (await nodeFileOps.open(path, flags)).close();
        throw errno("ENOSPC", "open");
      }
      return wrap(await nodeFileOps.open(path, flags));
    },
    syncDir: (dir) => nodeFileOps.syncDir(dir),
    unlink: (path) => nodeFileOps.unlink(path),
  };
  function wrap(file: WritableFile): WritableFile {
    return {
      async write(buffer, offset, length, position) {
        calls.push("write");
        if (faults.write > 0) {
          faults.write--;
          const half = Math.floor(length / 2);
          if (half > 0) await file.write(buffer, offset, half, position);
          throw errno("ENOSPC", "write");
        }
        return file.write(buffer, offset, length, position);
      },
      async datasync() {
        calls.push("datasync");
        if (faults.datasync > 0) {
          faults.datasync--;
          throw errno("EIO", "fdatasync");
        }
        return file.datasync();
      },
      sync: () => file.sync(),
      async truncate(length) {
        calls.push("truncate");
        if (faults.truncate > 0) {
          faults.truncate--;
          throw errno("EIO", "ftruncate");
        }
        return file.truncate(length);
      },
      close: () => file.close(),
      writeAndSync(bytes, position) {
        return writeThenSync(this, bytes, position); // through the faulty write and datasync above
      },
    };
  }
  return { ops, faults, calls };
}
