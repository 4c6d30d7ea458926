/**
 * Structured JSON logs, one object per line on stderr. Callers pass context
 * objects, never whole payloads or secrets. Injected everywhere (STYLE.md §5),
 * so tests can capture or silence it.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];
export const LOG_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  /**
   * Whether lines of `level` are kept (default: all). Lets another thread skip
   * posting lines this logger would drop (the reader threads, SPEC §11).
   */
  enabled?(level: LogLevel): boolean;
  debug(msg: string, ctx?: Record<string, unknown>): void;
  info(msg: string, ctx?: Record<string, unknown>): void;
  warn(msg: string, ctx?: Record<string, unknown>): void;
  error(msg: string, ctx?: Record<string, unknown>): void;
}

export function jsonLogger(
  level: LogLevel = "info",
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const min = LOG_RANK[level];
  const emit = (lvl: LogLevel) => (msg: string, ctx?: Record<string, unknown>) => {
    if (LOG_RANK[lvl] < min) return;
    write(`${JSON.stringify({ t: new Date().toISOString(), level: lvl, msg, ...ctx })}\n`);
  };
  return {
    enabled: (lvl) => LOG_RANK[lvl] >= min,
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
  };
}

export const silentLogger: Logger = {
  enabled: () => false,
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** Logs into an array: for tests that assert what was reported. */
export function memoryLogger(): Logger & {
  lines: { level: LogLevel; msg: string; ctx?: object }[];
} {
  const lines: { level: LogLevel; msg: string; ctx?: object }[] = [];
  const push = (level: LogLevel) => (msg: string, ctx?: Record<string, unknown>) => {
    lines.push(ctx === undefined ? { level, msg } : { level, msg, ctx });
  };
  return {
    lines,
    debug: push("debug"),
    info: push("info"),
    warn: push("warn"),
    error: push("error"),
  };
}
