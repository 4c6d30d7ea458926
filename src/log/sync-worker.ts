/**
 * Worker entry of the log's I/O thread (see sync-thread.ts): for each job,
 * writes all bytes at the position (pwrite, looping over short writes), then
 * fdatasync(2)s the file, and answers with the seconds the fdatasync call
 * itself took, timed here, beside the syscall, where no event-loop delay can
 * creep in (`stemedb_log_fsync_duration_seconds`). Errors travel as plain data
 * (message, errno code, syscall). In the compiled binary this file is an extra
 * entry point of `bun build`.
 */
import { fdatasyncSync, writeSync } from "node:fs";
import type { SyncJob, SyncReply } from "./sync-messages.ts";

declare const self: Worker;

self.onmessage = (event: MessageEvent<SyncJob>) => {
  const { job, fd, bytes, position } = event.data;
  let reply: SyncReply;
  try {
    let done = 0;
    while (done < bytes.length) {
      const n = writeSync(fd, bytes, done, bytes.length - done, position + done);
      if (n <= 0) throw new Error(`write returned ${n} bytes`);
      done += n;
    }
    const t0 = performance.now();
    fdatasyncSync(fd);
    reply = { job, ok: true, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    reply = {
      job,
      ok: false,
      message: err instanceof Error ? err.message : String(e),
      code: err?.code,
      syscall: err?.syscall,
    };
  }
  self.postMessage(reply);
};

const ready: SyncReply = { job: 0, ok: true, seconds: 0 };
self.postMessage(ready);
