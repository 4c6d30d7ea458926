/**
 * Runs WAL checkpoints of the state database on a worker thread (see
 * checkpoint-worker.ts). The engine's own connection has autocheckpoint off
 * while this runs; `stop()` closes the worker's connection first, so the
 * engine's close stays the last one and checkpoints what is left.
 */
import { workerEntry } from "../worker-entry.ts";

export type CheckpointCommand =
  | { kind: "start"; path: string; intervalMs: number; restartBytes: number }
  | { kind: "stop" };

const ENTRY = workerEntry("store/checkpoint-worker.ts", "checkpoint-worker.ts", import.meta.url);

export class Checkpointer {
  readonly #worker: Worker;

  constructor(path: string, options: { intervalMs?: number; restartBytes?: number } = {}) {
    this.#worker = new Worker(ENTRY);
    this.#worker.unref();
    const start: CheckpointCommand = {
      kind: "start",
      path,
      intervalMs: options.intervalMs ?? 500,
      restartBytes: options.restartBytes ?? 64 * 1024 * 1024,
    };
    this.#worker.postMessage(start);
  }

  async stop(): Promise<void> {
    const stopped = new Promise<void>((resolve) => {
      this.#worker.onmessage = () => resolve();
      this.#worker.onerror = () => resolve();
    });
    const stop: CheckpointCommand = { kind: "stop" };
    this.#worker.postMessage(stop);
    await stopped;
    this.#worker.terminate();
  }
}
