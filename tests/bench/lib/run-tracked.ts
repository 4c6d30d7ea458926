/**
 * Runs a load generator (wrk, pgbench) to completion and collects its output;
 * while it runs it is registered for cleanup, so an interrupted benchmark kills
 * it instead of leaving it hammering a port.
 */
import { onCleanup } from "./cleanup.ts";

export interface Finished {
  out: string;
  err: string;
  code: number;
}

export async function runTracked(argv: string[]): Promise<Finished> {
  const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe" });
  const release = onCleanup(`${argv[0]} ${proc.pid}`, async () => {
    proc.kill("SIGKILL");
    await proc.exited;
  });
  try {
    const [out, err, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { out, err, code };
  } finally {
    await release();
  }
}
