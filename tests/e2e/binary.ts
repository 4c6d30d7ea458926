/**
 * Helpers for end-to-end tests of the compiled binary: build it once into a
 * temp dir (never over dist/), run it as a subprocess with a clean environment
 * and collect stdout, stderr and the exit code together, and run `serve` in the
 * background until it prints the URL it listens on.
 */

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type ServeProcess, startServeProcess } from "../helpers/serve-process.ts";

export const REPO = resolve(import.meta.dir, "../..");

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Builds the binary exactly as `npm run build` does (its arguments are read from
 * package.json, so entry points such as the prepare worker never drift), into a
 * new temp dir; returns the binary's path.
 */
export async function buildBinary(): Promise<{ path: string; millis: number }> {
  const out = join(mkdtempSync(join(tmpdir(), "stemedb-bin-")), "stemedb");
  const started = performance.now();
  const script: string = (await Bun.file(join(REPO, "package.json")).json()).scripts.build;
  const args = script.split(/\s+/).slice(1); // drop "bun"
  args[args.indexOf("--outfile") + 1] = out;
  const proc = Bun.spawn([process.execPath, ...args], {
    cwd: REPO,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`bun build --compile failed (${code}): ${stderr}`);
  return { path: out, millis: performance.now() - started };
}

/** Only what the binary needs: no STEMEDB_* from the outer environment leaks in. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...extra };
}

export async function runBinary(
  bin: string,
  args: string[],
  options: { cwd: string; stdin?: string; env?: Record<string, string> },
): Promise<Result> {
  const proc = Bun.spawn([bin, ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code, stdout, stderr };
}

export type ServerProcess = ServeProcess;

/** Starts `serve` with a clean environment and waits for its "listening on <url>" line. */
export function startServe(bin: string, args: string[], cwd: string): Promise<ServerProcess> {
  return startServeProcess(bin, args, { cwd });
}
