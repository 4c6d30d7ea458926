/**
 * Helpers for end-to-end tests of the compiled binary: build it once into a
 * temp dir (never over dist/), run it as a subprocess with a clean environment
 * and collect stdout, stderr and the exit code together, and run `serve` in the
 * background until it prints the URL it listens on.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

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

export interface ServerProcess {
  url: string;
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  /** stdout and stderr so far (both keep being collected until exit). */
  output(): { stdout: string; stderr: string };
  /** Sends `signal` and resolves with the exit code and the full output. */
  stop(signal?: NodeJS.Signals): Promise<Result>;
}

/** Collects a stream into a string; `waitFor` resolves once the text matches. */
function collect(stream: ReadableStream<Uint8Array>) {
  let text = "";
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const done = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      for (const w of waiters.splice(0)) {
        const m = text.match(w.re);
        if (m) w.resolve(m);
        else waiters.push(w);
      }
    }
  })();
  return {
    text: () => text,
    done,
    waitFor(re: RegExp): Promise<RegExpMatchArray> {
      const m = text.match(re);
      if (m) return Promise.resolve(m);
      return new Promise((resolve) => waiters.push({ re, resolve }));
    },
  };
}

/** Starts `serve` and waits for its "listening on <url>" line (or for it to exit first). */
export async function startServe(bin: string, args: string[], cwd: string): Promise<ServerProcess> {
  const proc = Bun.spawn([bin, "serve", ...args], {
    cwd,
    env: cleanEnv(),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const out = collect(proc.stdout);
  const err = collect(proc.stderr);
  const listening = out.waitFor(/listening on (http:\/\/\S+)/);
  const exited = proc.exited.then(async (code) => {
    await Promise.all([out.done, err.done]);
    throw new Error(`serve exited (${code}) before listening:\n${out.text()}\n${err.text()}`);
  });
  const match = await Promise.race([listening, exited]);
  exited.catch(() => {}); // after listening, exit is observed through stop()
  return {
    url: match[1] as string,
    proc,
    output: () => ({ stdout: out.text(), stderr: err.text() }),
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      proc.kill(signal);
      const code = await proc.exited;
      await Promise.all([out.done, err.done]);
      return { code, stdout: out.text(), stderr: err.text() };
    },
  };
}
