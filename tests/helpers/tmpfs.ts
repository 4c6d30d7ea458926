/**
 * Real full-disk fault injection for storage tests (SPEC §6): a tmpfs of a
 * given size mounted on a directory of a server's data dir, with the filler
 * of fill-disk.ts taking every free page. mount(8) needs root: `tmpfsTitle`
 * says SKIPPED with the reason when not root, except under CI=true, where the
 * test must run. Also the polling and id helpers these tests share.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Config } from "../../src/config.ts";
import { toHex } from "../../src/hex.ts";
import { type RunningServer, startServer } from "../../src/http/server.ts";
import { silentLogger } from "../../src/logger.ts";
import type { Assertion } from "../../src/protocol/assertion.ts";
import { assertionId } from "../../src/protocol/assertion-id.ts";
import { canonicalBytes } from "../../src/protocol/canonical.ts";

export const canMount = process.getuid?.() === 0 || process.env.CI === "true";

/** The test's title, or a SKIPPED one naming why (printed once). */
export function tmpfsTitle(file: string, title: string): string {
  if (canMount) return title;
  const skipped = `SKIPPED (not root: mount -t tmpfs needs root) ${title}`;
  console.log(`${file}: ${skipped}`);
  return skipped;
}

function run(cmd: string[]): void {
  const r = Bun.spawnSync(cmd, { stderr: "pipe", stdout: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${r.stderr.toString()}`);
}

/** Mounts a tmpfs of `size` (mount's syntax: 256k, 2m) on `dir`; `umount()` is idempotent. */
export function mountTmpfs(dir: string, size: string): { umount(): void } {
  run(["mount", "-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  let mounted = true;
  return {
    umount() {
      if (mounted) run(["umount", dir]);
      mounted = false;
    },
  };
}

export interface FullDiskFixture {
  /** The server's data dir (a temp dir). */
  dataDir: string;
  /** Mounts a tmpfs of `size` on `<dataDir>/<sub>`. */
  mount(size: string): void;
  /** Starts a server (stopped by `cleanup`). */
  start(config: Config): Promise<RunningServer>;
  /** Stops the servers, unmounts, removes the data dir: call it in afterAll. */
  cleanup(): Promise<void>;
}

/** A temp data dir whose `sub` directory (wal, db) becomes a small tmpfs, and the servers on it. */
export function fullDiskFixture(prefix: string, sub: string): FullDiskFixture {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const target = join(dataDir, sub);
  const servers: RunningServer[] = [];
  let mounted: { umount(): void } | undefined;
  return {
    dataDir,
    mount(size) {
      mkdirSync(target, { recursive: true });
      mounted = mountTmpfs(target, size);
    },
    async start(config) {
      const server = await startServer(config, silentLogger);
      servers.push(server);
      return server;
    },
    async cleanup() {
      for (const s of servers) await s.stop().catch(() => undefined);
      mounted?.umount();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The id a signed assertion gets (SPEC §2.2: BLAKE3 of the canonical bytes without `sig`). */
export function idOf(doc: Assertion): string {
  const { sig: _sig, ...unsigned } = doc;
  return toHex(assertionId(canonicalBytes(unsigned)));
}

/** Polls until `check` is true, at most `tries` times `everyMs` apart. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  tries = 400,
  everyMs = 25,
): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await Bun.sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A server's storage-breaker transitions to `to`, from its /metrics. */
export async function storageTransitions(url: string, to: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(
    `stemedb_breaker_transitions_total\\{breaker="storage",to="${to}"\\} (\\d+)`,
  ).exec(text);
  return Number(m?.[1] ?? 0);
}
