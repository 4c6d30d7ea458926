/**
 * A memory logger whose lines can be awaited: `nth(msg, n)` resolves once the
 * n-th line with that message is logged (at once if it already was), so a
 * test waits for the event itself, never for time.
 */
import { type LogLevel, memoryLogger } from "../../src/logger.ts";

export interface LogLine {
  level: LogLevel;
  msg: string;
  ctx?: Record<string, unknown>;
}

export function watchedLogger() {
  const log = memoryLogger();
  const lines = () => log.lines as LogLine[];
  const all = (msg: string) => lines().filter((l) => l.msg === msg);
  let waiting: { msg: string; n: number; resolve: (line: LogLine) => void }[] = [];
  const watch =
    (level: LogLevel) =>
    (msg: string, ctx?: Record<string, unknown>): void => {
      log[level](msg, ctx);
      waiting = waiting.filter((w) => {
        const line = all(w.msg)[w.n - 1];
        if (line !== undefined) w.resolve(line);
        return line === undefined;
      });
    };
  return {
    lines,
    all,
    debug: watch("debug"),
    info: watch("info"),
    warn: watch("warn"),
    error: watch("error"),
    /** The n-th line (1-based) with this message, once it is logged. */
    nth(msg: string, n = 1): Promise<LogLine> {
      const line = all(msg)[n - 1];
      if (line !== undefined) return Promise.resolve(line);
      return new Promise((resolve) => waiting.push({ msg, n, resolve }));
    },
  };
}
