/**
 * Runs a state transaction again when SQLite answers SQLITE_BUSY. Seen under
 * load in profiled 1M benchmark runs: an apply transaction that had its write
 * lock (BEGIN IMMEDIATE) failed with `database is locked` ~80 ms in, with no
 * busy-timeout wait, beside the checkpoint worker's and reader threads'
 * connections. The transaction rolled back whole, so running the same records
 * again is safe (apply skips what is at or below `last_lsn`); refusing the
 * group instead would answer durable records with 503. After `attempts`
 * tries the error stands and the caller's failure path (the storage breaker)
 * takes it. The pause blocks the thread: it is short, and the writer has
 * nothing else to do until its transaction commits.
 */

export function isSqliteBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

export interface BusyRetryOptions {
  /** Tries in all (default 5). */
  attempts?: number;
  /** Before try `attempt` + 1, after a busy failure of try `attempt`. */
  onRetry?: (attempt: number, error: unknown) => void;
  /** Pause before the next try (default 10 ms × attempt). */
  pauseMs?: (attempt: number) => number;
}

export function retryWhileBusy<T>(fn: () => T, options: BusyRetryOptions = {}): T {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return fn();
    } catch (e) {
      if (!isSqliteBusy(e) || attempt >= attempts) throw e;
      options.onRetry?.(attempt, e);
      const pause = options.pauseMs?.(attempt) ?? 10 * attempt;
      if (pause > 0) Bun.sleepSync(pause);
    }
  }
}
