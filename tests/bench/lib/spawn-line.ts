/**
 * A child process whose output lines the benchmark reacts to: spawned with
 * pipes, every stdout/stderr line handed to a listener, `waitFor(re)` resolving
 * on the first line that matches (or rejecting when the child exits first),
 * and always reaped through the cleanup registry.
 */
import type { Subprocess } from "bun";
import { onCleanup } from "./cleanup.ts";

export interface LineProcess {
  proc: Subprocess<"pipe", "pipe", "pipe">;
  waitFor(re: RegExp): Promise<RegExpMatchArray>;
  onLine(fn: (line: string) => void): void;
  tail(): string;
  kill(): Promise<void>;
}

export function spawnLines(argv: string[], env: Record<string, string> = {}): LineProcess {
  const proc = Bun.spawn(argv, {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...env },
  });
  const release = onCleanup(`${argv[1] ?? argv[0]} ${proc.pid}`, async () => {
    proc.kill("SIGKILL");
    await proc.exited;
  });
  const listeners: ((line: string) => void)[] = [];
  const recent: string[] = [];
  const emit = (line: string) => {
    recent.push(line);
    if (recent.length > 50) recent.shift();
    for (const l of listeners) l(line);
  };
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let buf = "";
    for await (const chunk of stream) {
      buf += decoder.decode(chunk, { stream: true });
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        emit(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    }
  };
  void pump(proc.stdout);
  void pump(proc.stderr);
  return {
    proc,
    onLine: (fn) => listeners.push(fn),
    tail: () => recent.join("\n"),
    waitFor(re) {
      return new Promise((resolve, reject) => {
        for (const line of recent) {
          const m = line.match(re);
          if (m) return resolve(m);
        }
        listeners.push((line) => {
          const m = line.match(re);
          if (m) resolve(m);
        });
        proc.exited.then((code) =>
          reject(
            new Error(`${argv.join(" ")} exited (${code}) before ${re}:\n${recent.join("\n")}`),
          ),
        );
      });
    },
    async kill() {
      proc.kill("SIGKILL");
      await proc.exited;
      await release();
    },
  };
}
