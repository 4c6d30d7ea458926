/**
 * What a CLI command may touch of its process, injected so unit tests run
 * commands in-process and capture their output (STYLE.md §5): the two output
 * streams, stdin, the environment (read only by the config parser), a clock and
 * `fetch`. `processIo()` is the real one, used by src/main.ts.
 */
import type { FetchLike } from "../client/steme-client.ts";

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** stdin as a byte stream. */
  stdin(): NodeJS.ReadableStream;
  stdinIsTTY: boolean;
  /** The stream progress bars draw on, when stderr is a terminal; undefined otherwise. */
  progressStream: NodeJS.WriteStream | undefined;
  env: Record<string, string | undefined>;
  now(): number;
  fetch: FetchLike;
}

/** A failure the command has already explained; `exitCode` 1 = failed, 2 = usage error. */
export class CliExit extends Error {
  override readonly name = "CliExit";
  constructor(
    readonly exitCode: number,
    message = "",
  ) {
    super(message);
  }
}

/** A usage error: bad or missing arguments (exit 2). */
export function usageError(message: string): CliExit {
  return new CliExit(2, message);
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdin: () => process.stdin,
    stdinIsTTY: process.stdin.isTTY === true,
    progressStream: process.stderr.isTTY ? process.stderr : undefined,
    env: process.env,
    now: () => Date.now(),
    fetch: (input, init) => fetch(input, init),
  };
}
