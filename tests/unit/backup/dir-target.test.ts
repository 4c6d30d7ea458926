/**
 * The local directory target against the conformance suite. Interrupted puts
 * are real: the target lives on a small tmpfs, and a filler file leaves room
 * for only half of the body, so the write dies with ENOSPC mid-body (root
 * only: `mount -t tmpfs`; CI runs as root).
 */
import { afterAll, beforeAll } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirTarget } from "../../../src/backup/dir-target.ts";
import { targetConformance } from "./target-conformance.ts";

const isRoot = process.getuid?.() === 0;
const runnable = isRoot || process.env.CI === "true"; // under CI a missing root fails, never skips
const root = mkdtempSync(join(tmpdir(), "stemedb-dirtarget-"));
let mounted = false;
let n = 0;

function run(cmd: string[]): void {
  const r = Bun.spawnSync(cmd, { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr.toString()}`);
}

beforeAll(() => {
  if (runnable) {
    run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", root]);
    mounted = true;
  }
});

afterAll(() => {
  if (mounted) run(["umount", root]);
  rmSync(root, { recursive: true, force: true });
});

targetConformance(
  "DirTarget",
  async () => {
    const dir = join(root, `t${++n}`);
    mkdirSync(dir);
    const target = new DirTarget(dir);
    return {
      target,
      largeBytes: 1024 * 1024,
      async interruptedPut(key, body) {
        const filler = join(root, "filler");
        const s = statfsSync(root);
        const free = s.bavail * s.bsize;
        writeFileSync(filler, new Uint8Array(Math.max(0, free - Math.floor(body.length / 2))));
        try {
          const err = await target.put(key, body).catch((e: unknown) => e);
          if (!(err instanceof Error)) throw new Error("the put on a full disk succeeded");
        } finally {
          rmSync(filler, { force: true });
        }
      },
    };
  },
  runnable ? {} : { interruptSkip: "not root: mount -t tmpfs needs root" },
);
