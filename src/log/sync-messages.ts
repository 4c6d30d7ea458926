/** Messages between the log's I/O thread (sync-worker.ts) and its client (sync-thread.ts). */

/** Write `bytes` at `position` of the open file `fd`, then fdatasync it. */
export interface SyncJob {
  job: number;
  fd: number;
  bytes: Uint8Array;
  position: number;
}

/** job 0 is the worker's "ready"; `seconds` is the fdatasync call alone. */
export type SyncReply =
  | { job: number; ok: true; seconds: number }
  | {
      job: number;
      ok: false;
      message: string;
      code: string | undefined;
      syscall: string | undefined;
    };
