/**
 * `stemedb serve` (the compiled binary, or any command that prints
 * "listening on <url>") as a subprocess with its own STEMEDB_* environment:
 * started with only PATH and HOME from the outer environment plus `env`, its
 * stdout and stderr collected until exit, resolved once it prints the URL it
 * listens on (or rejected if it exits first). tests/e2e/binary.ts's
 * `startServe` is this with no extra environment.
 */

export interface ServeProcess {
  url: string;
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  output(): { stdout: string; stderr: string };
  /** Sends `signal` and resolves with the exit code and the whole output. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number; stdout: string; stderr: string }>;
}

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

export async function startServeProcess(
  bin: string,
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; script?: string },
): Promise<ServeProcess> {
  // `script`: run `bin script serve …` (e.g. bun src/main.ts) instead of a compiled binary.
  const argv = options.script === undefined ? [bin] : [bin, options.script];
  const proc = Bun.spawn([...argv, "serve", ...args], {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      ...options.env,
    },
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
  exited.catch(() => {}); // after listening, the exit is observed through stop()
  return {
    url: match[1] as string,
    proc,
    output: () => ({ stdout: out.text(), stderr: err.text() }),
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (proc.exitCode === null) proc.kill(signal);
      const code = await proc.exited;
      await Promise.all([out.done, err.done]);
      return { code, stdout: out.text(), stderr: err.text() };
    },
  };
}
