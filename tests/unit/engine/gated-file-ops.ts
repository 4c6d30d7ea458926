/**
 * Real file operations (node:fs, the log's I/O thread) whose batch writes
 * (`writeAndSync`) each wait at a gate the test opens: `release()` lets the
 * real write + fdatasync run, `fail()` writes the batch for real and then
 * fails as an fdatasync with EIO would — so the writer must cut a fully
 * written but not durable batch back off. Each call is announced in `events`.
 */
import {
  type FileOps,
  nodeFileOps,
  type WritableFile,
  writeFully,
} from "../../../src/log/file-ops.ts";

export interface Gate {
  /** Bytes the batch writes. */
  bytes: number;
  release(): void;
  fail(): void;
}

export interface GatedFileOps {
  ops: FileOps;
  /** Resolves with the next batch write once it is waiting at its gate. */
  next(): Promise<Gate>;
  /** What happened, in order ("write+fdatasync N started", plus what the test adds). */
  events: string[];
}

export function gatedFileOps(): GatedFileOps {
  const events: string[] = [];
  const waiting: Gate[] = [];
  let wake: (() => void) | undefined;
  let started = 0;
  const ops: FileOps = {
    ...nodeFileOps,
    async open(path, flags) {
      const f = await nodeFileOps.open(path, flags);
      const file: WritableFile = {
        ...f,
        writeAndSync(bytes, position) {
          events.push(`write+fdatasync ${++started} started`);
          return new Promise<number>((resolve, reject) => {
            waiting.push({
              bytes: bytes.length,
              release: () => void f.writeAndSync(bytes, position).then(resolve, reject),
              fail: () =>
                void writeFully(f, bytes, position).then(() =>
                  reject(Object.assign(new Error("EIO: injected, fdatasync"), { code: "EIO" })),
                ),
            });
            wake?.();
          });
        },
      };
      return file;
    },
  };
  return {
    ops,
    events,
    async next() {
      while (waiting.length === 0) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      return waiting.shift() as Gate;
    },
  };
}
