/**
 * Runs the Debian tools the ops tests drive (systemd-analyze, promtool, nginx,
 * openssl, strace, curl); they are found by tests/helpers/debian-tool.ts
 * (skipped with a reason outside CI, an error in CI).
 */
import { type Result, runBinary } from "../../e2e/binary.ts";

/** Runs a command to completion: exit code, stdout and stderr together (tests/e2e/binary.ts's runner). */
export function run(
  cmd: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Result> {
  const [bin = "", ...args] = cmd;
  return runBinary(bin, args, { cwd: options.cwd ?? process.cwd(), env: options.env });
}
