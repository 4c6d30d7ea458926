/**
 * The external programs the benchmark drives (SPEC §9): `wrk` (Debian package
 * `wrk`) and PostgreSQL (Debian `postgresql`, binaries in
 * /usr/lib/postgresql/<major>/bin). When one is missing and we run as root with
 * apt-get available, it is installed (`apt-get update` runs once per process);
 * otherwise `ensureTools` throws a `MissingToolError` that says how to install it.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { progress } from "./progress.ts";

export class MissingToolError extends Error {
  override readonly name = "MissingToolError";
}

export interface Tools {
  wrk: string;
  /** Directory holding initdb, pg_ctl, pgbench. */
  pgBin: string;
}

function onPath(name: string): string | undefined {
  return Bun.which(name) ?? undefined;
}

function findPgBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const majors = readdirSync(root)
      .filter((d) => /^\d+$/.test(d))
      .sort((a, b) => Number(b) - Number(a));
    // Prefer 15 (the SPEC's baseline), else the newest installed.
    for (const major of ["15", ...majors]) {
      const bin = join(root, major, "bin");
      if (existsSync(join(bin, "initdb")) && existsSync(join(bin, "pgbench"))) return bin;
    }
  }
  const initdb = onPath("initdb");
  return initdb === undefined ? undefined : join(initdb, "..");
}

let updated = false;

function aptInstall(pkg: string): void {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || onPath("apt-get") === undefined) {
    throw new MissingToolError(
      `${pkg} is not installed and cannot be installed here (${isRoot ? "no apt-get" : "not root"}); install it with: sudo apt-get install -y ${pkg}`,
    );
  }
  const run = (args: string[]) => {
    progress(`$ ${args.join(" ")}`);
    const r = Bun.spawnSync(args, {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      stdout: "ignore",
      stderr: "pipe",
    });
    if (r.exitCode !== 0) {
      throw new MissingToolError(`${args.join(" ")} failed: ${r.stderr.toString().slice(-500)}`);
    }
  };
  if (!updated) {
    run(["apt-get", "update"]);
    updated = true;
  }
  run(["apt-get", "install", "-y", "--no-install-recommends", pkg]);
}

/** Finds wrk and PostgreSQL, installing them through apt-get when root. */
export function ensureTools(): Tools {
  let wrk = onPath("wrk");
  if (wrk === undefined) {
    aptInstall("wrk");
    wrk = onPath("wrk");
  }
  let pgBin = findPgBin();
  if (pgBin === undefined) {
    aptInstall("postgresql");
    pgBin = findPgBin();
  }
  if (wrk === undefined) throw new MissingToolError("wrk still not found after installing it");
  if (pgBin === undefined) {
    throw new MissingToolError("PostgreSQL binaries still not found after installing postgresql");
  }
  return { wrk, pgBin };
}
