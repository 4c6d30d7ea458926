/**
 * A server under test as a child `bun` process (serve-for-bench.ts or
 * bare-server.ts): spawned, its URL read from the `listening <url>` line,
 * readiness polled with a bounded number of tries, stopped with SIGTERM (or
 * killed with SIGKILL), and always reaped through the cleanup registry.
 */

import { join } from "node:path";
import type { Subprocess } from "bun";
import { onCleanup } from "./cleanup.ts";

const START_TIMEOUT_MS = 300_000;

export interface ServerProcessOptions {
  script: string;
  args?: string[];
  /** Extra bun flags before the script, e.g. `--cpu-prof`. */
  bunFlags?: string[];
  env?: Record<string, string>;
}

export class ServerProcess {
  readonly url: string;
  readonly #proc: Subprocess<"ignore", "pipe", "pipe">;
  readonly #stderr: string[];
  readonly #release: () => Promise<void>;

  private constructor(
    url: string,
    proc: Subprocess<"ignore", "pipe", "pipe">,
    stderr: string[],
    release: () => Promise<void>,
  ) {
    this.url = url;
    this.#proc = proc;
    this.#stderr = stderr;
    this.#release = release;
  }

  get pid(): number {
    return this.#proc.pid;
  }

  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    const proc = Bun.spawn(
      [process.execPath, ...(options.bunFlags ?? []), options.script, ...(options.args ?? [])],
      { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...options.env } },
    );
    const release = onCleanup(`server ${proc.pid}`, async () => {
      proc.kill("SIGKILL");
      await proc.exited;
    });
    const stderr: string[] = [];
    void collect(proc.stderr, (s) => {
      stderr.push(s);
      if (stderr.length > 200) stderr.shift();
    });
    try {
      const url = await readListening(proc, stderr);
      return new ServerProcess(url, proc, stderr, release);
    } catch (e) {
      await release();
      throw e;
    }
  }

  /** Polls `path` until it answers 200; bounded (SPEC: wait for conditions, never sleep). */
  async waitReady(path = "/v1/health/ready", tries = 500): Promise<void> {
    for (let i = 0; i < tries; i++) {
      try {
        const res = await fetch(this.url + path);
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // not accepting yet
      }
      if (this.#proc.exitCode !== null) break;
    }
    throw new Error(`${this.url}${path} never answered 200\n${this.stderrTail()}`);
  }

  /** SIGTERM and wait for a clean exit (the server drains and closes its engine). */
  async stop(): Promise<number> {
    this.#proc.kill("SIGTERM");
    const code = await this.#proc.exited;
    await this.#release();
    return code;
  }

  /** SIGKILL, as a crash. */
  async kill(): Promise<void> {
    this.#proc.kill("SIGKILL");
    await this.#proc.exited;
    await this.#release();
  }

  stderrTail(): string {
    return this.#stderr.join("").slice(-2000);
  }
}

async function collect(stream: ReadableStream<Uint8Array>, sink: (s: string) => void) {
  const decoder = new TextDecoder();
  for await (const chunk of stream) sink(decoder.decode(chunk, { stream: true }));
}

async function readListening(
  proc: Subprocess<"ignore", "pipe", "pipe">,
  stderr: string[],
): Promise<string> {
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let out = "";
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`server did not start within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
  });
  try {
    while (!out.includes("\n")) {
      const { value, done } = await Promise.race([reader.read(), timeout]);
      if (done) break;
      out += decoder.decode(value, { stream: true });
    }
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
  const match = /^listening (\S+)/m.exec(out);
  if (match?.[1] === undefined) {
    await proc.exited;
    throw new Error(`server exited before listening: ${out}\n${stderr.join("").slice(-2000)}`);
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  void collect(proc.stdout, () => {});
  return match[1];
}

export const BENCH_DIR = join(import.meta.dir, "..");
