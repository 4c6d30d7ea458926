/**
 * The cutfs layer (cutfs.py beside this file) mounted for a test: a temp mount
 * point whose unsynced writes and name changes a `cut()` throws away, as a
 * power cut would. The test SIGKILLs whatever process used the mount after
 * `cut()`, then `resume()`s and restarts it on what remains.
 *
 * FUSE needs root, /dev/fuse and Debian's python3-fusepy: `cutfsTitle` says
 * SKIPPED with the reason when one is missing, except under CI=true, where
 * the test must run (and fails naming what is missing).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SCRIPT = join(import.meta.dir, "cutfs.py");
const PYTHON = "/usr/bin/python3";

/** Why cutfs cannot run here, or undefined when it can. */
function missing(): string | undefined {
  if (process.getuid?.() !== 0) return "not root: mounting FUSE needs root";
  if (!existsSync("/dev/fuse")) return "no /dev/fuse";
  const probe = Bun.spawnSync([PYTHON, "-c", "import fusepy"], { stderr: "pipe" });
  if (probe.exitCode !== 0)
    return "python3-fusepy is not installed (apt-get install python3-fusepy)";
  return undefined;
}

const why = missing();
export const cutfsAvailable = why === undefined || process.env.CI === "true";

/** The test's title, or a SKIPPED one naming why (printed once). */
export function cutfsTitle(file: string, title: string): string {
  if (cutfsAvailable) return title;
  const skipped = `SKIPPED (${why}) ${title}`;
  console.log(`${file}: ${skipped}`);
  return skipped;
}

export interface CutfsStats {
  counts: Record<string, number>;
  cuts: number;
  dropped_bytes: number;
  dropped_names: number;
  frozen: boolean;
}

export interface Cutfs {
  /** The mount point: put the data dir under it. */
  dir: string;
  /**
   * Freezes the layer (EIO from now on) and drops everything unsynced. With
   * `tornSeed`, each file keeps a random part of its unsynced pages (and maybe
   * its unsynced size): torn writes, as when the kernel had written some back.
   */
  cut(tornSeed?: number): Promise<void>;
  /** Unfreezes: the next process sees only what was synced before the cut. */
  resume(): Promise<void>;
  /** Everything becomes durable (test set-up only). */
  sync(): Promise<void>;
  stats(): Promise<CutfsStats>;
  /** Unmounts, stops the layer and removes its files; idempotent. */
  unmount(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function command(socket: string, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = createConnection(socket);
    let answer = "";
    conn.on("error", reject);
    conn.on("data", (chunk) => {
      answer += chunk.toString();
      if (answer.endsWith("\n")) {
        conn.end();
        resolve(answer.trim());
      }
    });
    conn.write(`${cmd}\n`);
  });
}

function mounted(dir: string): boolean {
  return readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .some((line) => line.split(" ")[1] === dir);
}

export async function mountCutfs(): Promise<Cutfs> {
  if (why !== undefined) throw new Error(`cutfs cannot run here: ${why}`);
  const root = mkdtempSync(join(tmpdir(), "stemedb-cutfs-"));
  const dir = join(root, "mnt");
  const socket = join(root, "control.sock");
  mkdirSync(dir);
  const proc = Bun.spawn([PYTHON, SCRIPT, dir, join(root, "store"), socket], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const stderr = new Response(proc.stderr).text();
  for (let i = 0; !mounted(dir) || !existsSync(socket); i++) {
    if (proc.exitCode !== null || i > 400) {
      proc.kill();
      throw new Error(`cutfs did not mount (${proc.exitCode}): ${await stderr}`);
    }
    await Bun.sleep(10);
  }
  const ask = async (cmd: string) => {
    const answer = await command(socket, cmd);
    if (cmd !== "stats" && answer !== "ok") throw new Error(`cutfs ${cmd}: ${answer}`);
    return answer;
  };
  let done = false;
  const unmount = async () => {
    if (done) return;
    done = true;
    await ask("resume").catch(() => undefined);
    const u = Bun.spawnSync(["umount", dir], { stderr: "pipe" });
    if (u.exitCode !== 0) Bun.spawnSync(["umount", "-l", dir]);
    if (proc.exitCode === null) proc.kill("SIGTERM");
    await proc.exited;
    rmSync(root, { recursive: true, force: true });
  };
  return {
    dir,
    cut: async (tornSeed?: number) =>
      void (await ask(tornSeed === undefined ? "cut" : `cut-torn ${tornSeed}`)),
    resume: async () => void (await ask("resume")),
    sync: async () => void (await ask("sync")),
    stats: async () => JSON.parse(await ask("stats")) as CutfsStats,
    unmount,
    [Symbol.asyncDispose]: unmount,
  };
}
