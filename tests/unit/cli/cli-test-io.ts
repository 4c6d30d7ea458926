/** An in-memory CliIo for running `runCli` in-process: captured output, scripted stdin. */
import { Readable } from "node:stream";
import type { CliIo } from "../../../src/cli/cli-io.ts";
import { runCli } from "../../../src/cli/program.ts";
import type { FetchLike } from "../../../src/client/steme-client.ts";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestIoOptions {
  stdin?: string;
  env?: Record<string, string | undefined>;
  fetch?: FetchLike;
  now?: number;
}

export async function run(argv: string[], options: TestIoOptions = {}): Promise<RunResult> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    stdin: () => Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    stdinIsTTY: options.stdin === undefined,
    progressStream: undefined,
    env: options.env ?? {},
    now: () => options.now ?? Date.now(),
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}
