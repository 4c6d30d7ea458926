/**
 * Every process and directory the benchmark starts is registered here, so it is
 * stopped and removed on success, on error, and on SIGINT/SIGTERM of the harness.
 * Cleanups run last-registered first; each runs at most once.
 */
type Cleanup = () => void | Promise<void>;

const cleanups: { name: string; fn: Cleanup }[] = [];
let signalsInstalled = false;

/** Registers `fn`; the returned function runs it now (once) and unregisters it. */
export function onCleanup(name: string, fn: Cleanup): () => Promise<void> {
  installSignals();
  const entry = { name, fn };
  cleanups.push(entry);
  return async () => {
    const i = cleanups.indexOf(entry);
    if (i === -1) return;
    cleanups.splice(i, 1);
    await entry.fn();
  };
}

export async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const entry = cleanups.pop();
    if (entry === undefined) break;
    try {
      await entry.fn();
    } catch (e) {
      process.stderr.write(`[bench] cleanup ${entry.name} failed: ${String(e)}\n`);
    }
  }
}

/**
 * Runs a benchmark script's body, then every cleanup, and exits: 0, or 1 with
 * the error on stderr when the body threw.
 */
export async function benchMain(body: () => Promise<void>): Promise<never> {
  let exitCode = 0;
  try {
    await body();
  } catch (e) {
    exitCode = 1;
    process.stderr.write(
      `[bench] FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
  } finally {
    await runCleanups();
  }
  process.exit(exitCode);
}

function installSignals(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      process.stderr.write(`[bench] ${signal}: cleaning up\n`);
      runCleanups().finally(() => process.exit(130));
    });
  }
}
