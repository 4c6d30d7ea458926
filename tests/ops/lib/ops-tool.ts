/**
 * The Debian tools the ops tests drive (systemd-analyze, promtool, nginx,
 * openssl, strace, curl). Outside CI a missing tool skips its suite with the
 * reason in the test name; in CI (`CI=true`, where `.ci/run` installs them) a
 * missing tool fails the file, so no ops suite is ever skipped there.
 */
import { type Result, runBinary } from "../../e2e/binary.ts";

export interface OpsTool {
  /** Absolute path, when installed. */
  path: string | undefined;
  /** `""` when installed, else ` (skipped: … not installed; apt-get install …)` for a test name. */
  skipReason: string;
}

export function opsTool(command: string, debianPackage: string): OpsTool {
  const path = Bun.which(command) ?? undefined;
  if (path === undefined && process.env.CI === "true") {
    throw new Error(`${command} is missing in CI: .ci/run must apt-get install ${debianPackage}`);
  }
  const skipReason =
    path === undefined
      ? ` (skipped: ${command} not installed; apt-get install ${debianPackage})`
      : "";
  return { path, skipReason };
}

/** Every tool in `tools` is installed; the first missing one's reason otherwise. */
export function allInstalled(...tools: OpsTool[]): { ok: boolean; skipReason: string } {
  const missing = tools.find((t) => t.path === undefined);
  return { ok: missing === undefined, skipReason: missing?.skipReason ?? "" };
}

/** Runs a command to completion: exit code, stdout and stderr together (tests/e2e/binary.ts's runner). */
export function run(
  cmd: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Result> {
  const [bin = "", ...args] = cmd;
  return runBinary(bin, args, { cwd: options.cwd ?? process.cwd(), env: options.env });
}
