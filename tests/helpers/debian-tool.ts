/**
 * The one detection of the Debian tools the test suites drive (chromium,
 * nginx, openssl, curl, promtool, systemd-analyze, strace, nats-server, wrk,
 * PostgreSQL). Outside CI a missing tool skips the suites that need it, with the
 * reason printed once and carried in the test name; in CI (`CI=true`, where
 * `.ci/run` installs every one of them) a missing tool is an error at load, so
 * no such suite is ever skipped there (README "Tests").
 */

export interface DebianTool {
  command: string;
  /** Absolute path, when installed. */
  path: string | undefined;
  /** `""` when installed, else ` (skipped: … not installed; apt-get install …)` for a test name. */
  skipReason: string;
}

export interface DetectOptions {
  /** The environment to read PATH and CI from (default: this process's). */
  env?: Record<string, string | undefined>;
  /** Where else to look when the command is not on PATH (PostgreSQL keeps its binaries off PATH). */
  find?: () => string | undefined;
}

const printed = new Set<string>();

export function debianTool(
  command: string,
  debianPackage: string,
  options: DetectOptions = {},
): DebianTool {
  const env = options.env ?? process.env;
  const path = Bun.which(command, { PATH: env.PATH ?? "" }) ?? options.find?.() ?? undefined;
  if (path !== undefined) return { command, path, skipReason: "" };
  if (env.CI === "true") {
    throw new Error(
      `${command} is missing in CI (CI=true): .ci/run must apt-get install ${debianPackage}`,
    );
  }
  const why = `${command} not installed; apt-get install ${debianPackage}`;
  if (!printed.has(command)) {
    printed.add(command);
    console.warn(`skipping the tests that need ${command}: ${why}`);
  }
  return { command, path, skipReason: ` (skipped: ${why})` };
}

/** Every tool in `tools` is installed; the first missing one's reason otherwise. */
export function allInstalled(...tools: DebianTool[]): { ok: boolean; skipReason: string } {
  const missing = tools.find((t) => t.path === undefined);
  return { ok: missing === undefined, skipReason: missing?.skipReason ?? "" };
}
