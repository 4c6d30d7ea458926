/**
 * A throw-away PostgreSQL for the baseline (SPEC §9): `initdb` into a temp dir,
 * started with `pg_ctl` on a free loopback port with durable commits
 * (`synchronous_commit=on`, `fsync=on`), stopped and deleted afterwards — also
 * on failure, through the cleanup registry. PostgreSQL refuses to run as root,
 * so as root the cluster belongs to the `postgres` user (`runuser`).
 */

import { chownSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQL } from "bun";
import { onCleanup } from "./cleanup.ts";
import { progress } from "./progress.ts";

export interface Postgres {
  url: string;
  port: number;
  user: string;
  database: string;
  pgBin: string;
  /** Data directory (for sizes). */
  dataDir: string;
  stop(): Promise<void>;
}

const USER = "bench";

async function freePort(): Promise<number> {
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: { data() {} },
  });
  const port = listener.port;
  listener.stop(true);
  return port;
}

function runOrThrow(argv: string[], what: string): void {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) {
    throw new Error(
      `${what} failed (exit ${r.exitCode}): ${r.stderr.toString().slice(-1500)} ${r.stdout.toString().slice(-500)}`,
    );
  }
}

function postgresOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Bun.spawnSync(["id", flag, "postgres"]).stdout.toString().trim();
  const uid = Number(id("-u"));
  const gid = Number(id("-g"));
  if (!Number.isInteger(uid) || uid <= 0) {
    throw new Error("running as root, but there is no `postgres` user to run PostgreSQL as");
  }
  return { uid, gid };
}

export async function startPostgres(pgBin: string): Promise<Postgres> {
  const dir = mkdtempSync(join(tmpdir(), "stemedb-bench-pg-"));
  const owner = postgresOwner();
  const asOwner = owner === undefined ? [] : ["runuser", "-u", "postgres", "--"];
  const dataDir = join(dir, "data");
  let started = false;
  const stopNow = async () => {
    if (started) {
      const r = Bun.spawnSync(
        [...asOwner, join(pgBin, "pg_ctl"), "-D", dataDir, "-m", "immediate", "-w", "stop"],
        { stdout: "ignore", stderr: "pipe" },
      );
      if (r.exitCode !== 0) killPostmaster(dataDir);
      started = false;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const release = onCleanup(`postgres ${dir}`, stopNow);
  try {
    if (owner !== undefined) chownSync(dir, owner.uid, owner.gid);
    progress(`postgres: initdb in ${dir}`);
    runOrThrow(
      [
        ...asOwner,
        join(pgBin, "initdb"),
        "-D",
        dataDir,
        "-U",
        USER,
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
      ],
      "initdb",
    );
    const port = await freePort();
    const serverOptions = [
      `-p ${port}`,
      `-k ${dir}`,
      "-c listen_addresses=127.0.0.1",
      "-c synchronous_commit=on",
      "-c fsync=on",
      "-c max_connections=200",
      "-c shared_buffers=256MB",
    ].join(" ");
    started = true;
    runOrThrow(
      [
        ...asOwner,
        join(pgBin, "pg_ctl"),
        "-D",
        dataDir,
        "-l",
        join(dir, "server.log"),
        "-o",
        serverOptions,
        "-w",
        "-t",
        "120",
        "start",
      ],
      "pg_ctl start",
    );
    progress(`postgres: listening on 127.0.0.1:${port}`);
    return {
      url: `postgres://${USER}@127.0.0.1:${port}/postgres`,
      port,
      user: USER,
      database: "postgres",
      pgBin,
      dataDir,
      stop: release,
    };
  } catch (e) {
    await release();
    throw e;
  }
}

function killPostmaster(dataDir: string): void {
  try {
    const pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** A Bun.SQL client pool of `max` connections. */
export function connect(pg: Postgres, max: number): SQL {
  return new SQL({ url: pg.url, max });
}
