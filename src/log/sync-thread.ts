/**
 * The log's I/O thread (SPEC §5 group commit, §9): one worker per process that
 * runs a batch's pwrite + fdatasync, so
 *
 * - the write and the fdatasync of group N+1 proceed while the main thread is
 *   busy applying group N (with `node:fs/promises` the main thread would have
 *   to take the write's completion before it could even issue the fdatasync);
 * - the fdatasync is timed on the thread that makes the call, so the
 *   `stemedb_log_fsync_duration_seconds` figure is the syscall alone, never
 *   the time the completion waited for a busy event loop.
 *
 * File descriptors are process-wide, so the worker uses the segment's fd as
 * the main thread opened it. The worker starts on first use and keeps the
 * process alive only while a job is pending. Should it die, pending jobs fail
 * (the log then answers storage_unavailable) and the next job starts a new one.
 */
import { workerEntry } from "../worker-entry.ts";
import type { SyncJob, SyncReply } from "./sync-messages.ts";

const ENTRY = workerEntry("log/sync-worker.ts", "sync-worker.ts", import.meta.url);

interface Pending {
  resolve(seconds: number): void;
  reject(error: Error): void;
}

class SyncThread {
  #worker: Worker | undefined;
  #ready: Promise<void> | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextJob = 1;

  /**
   * Writes all of `bytes` at `position` of `fd`, then fdatasyncs it; resolves
   * with the seconds the fdatasync took. The message is posted synchronously
   * when the thread is up, so the I/O is under way when this returns.
   */
  writeAndSync(fd: number, bytes: Uint8Array, position: number): Promise<number> {
    const worker = this.#start();
    const job = this.#nextJob++;
    const done = new Promise<number>((resolve, reject) => {
      this.#pending.set(job, { resolve, reject });
    });
    if (this.#pending.size === 1) worker.ref();
    const message: SyncJob = { job, fd, bytes, position };
    const ready = this.#ready as Promise<void> | undefined;
    if (ready === undefined) worker.postMessage(message);
    else void ready.then(() => worker.postMessage(message));
    return done;
  }

  #start(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(ENTRY);
    this.#worker = worker;
    // Until the worker says it is ready, jobs wait (a message sent earlier could be lost).
    let markReady: () => void = () => {};
    this.#ready = new Promise<void>((resolve) => (markReady = resolve));
    worker.onmessage = (event: MessageEvent<SyncReply>) => {
      const reply = event.data;
      if (reply.job === 0) {
        this.#ready = undefined;
        return markReady();
      }
      const pending = this.#pending.get(reply.job);
      this.#pending.delete(reply.job);
      if (this.#pending.size === 0) worker.unref();
      if (pending === undefined) return;
      if (reply.ok) pending.resolve(reply.seconds);
      else {
        const error = Object.assign(new Error(reply.message), {
          code: reply.code,
          syscall: reply.syscall,
        });
        pending.reject(error);
      }
    };
    worker.onerror = (event) => {
      const error = new Error(`log I/O thread failed: ${event.message}`);
      for (const p of this.#pending.values()) p.reject(error);
      this.#pending.clear();
      worker.terminate();
      this.#worker = undefined;
      this.#ready = undefined;
      markReady();
    };
    worker.unref();
    return worker;
  }
}

/** The process's log I/O thread. */
export const syncThread = new SyncThread();
