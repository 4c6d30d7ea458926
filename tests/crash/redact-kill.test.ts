/**
 * SPEC §12 under real crashes: the scrub that follows a redaction (segment
 * rewrite through a temp file, fsync, rename, directory fsync; then the SQLite
 * WAL truncation) is SIGKILLed after each of its steps. Every time, the data
 * dir must open (the scrub finishes at start), hold the redaction, keep every
 * proof (the tree head from before the redaction is consistent with the
 * current one; the target's inclusion proof verifies), pass `stemedb verify`,
 * and hold the marker in no file at all.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { Engine } from "../../src/engine/engine.ts";
import { fromHex, toHex } from "../../src/hex.ts";
import { silentLogger } from "../../src/logger.ts";
import { leafHash } from "../../src/merkle/hash.ts";
import { verifyConsistency, verifyInclusion } from "../../src/merkle/verify-proofs.ts";
import { verifyDataDir } from "../../src/verify/verify-data-dir.ts";
import { filesHolding } from "../helpers/byte-search.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const CHILD = join(import.meta.dir, "redact-child.ts");
const STEPS = ["tmp-written", "tmp-synced", "renamed", "dir-synced", "checkpointed"] as const;

async function runChild(dataDir: string, step: string, marker: string) {
  const child = Bun.spawn([process.execPath, CHILD, dataDir, step, marker], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const out = await new Response(child.stdout).text();
  await child.exited;
  return { out, signal: child.signalCode, stderr: await new Response(child.stderr).text() };
}

for (const step of STEPS) {
  test(`SIGKILL after the scrub step ${step}: the next start finishes it`, async () => {
    using dir = tempDir("stemedb-redact-crash-");
    const marker = `MARKER-${crypto.randomUUID()}`;
    const { out, signal, stderr } = await runChild(dir.path, step, marker);
    expect({ signal, stderr }).toEqual({ signal: "SIGKILL", stderr: "" });
    expect(out).not.toContain("scrubbed");
    const [, size, root] = /head (\d+) ([0-9a-f]{64})/.exec(out) ?? [];
    const [, id, seq] = /target ([0-9a-f]{64}) (\d+)/.exec(out) ?? [];
    const engine = await Engine.open({ dataDir: dir.path, logger: silentLogger });
    try {
      const target = fromHex(id as string, 32);
      expect(engine.getAssertion(target)).toBeUndefined();
      expect(engine.getRedacted(target)).toMatchObject({ seq: Number(seq), logScrubbed: true });
      const now = engine.tree.size;
      const ok = verifyConsistency(
        Number(size),
        now,
        fromHex(root as string, 32),
        engine.tree.root(),
        engine.tree.consistencyProof(Number(size), now),
      );
      expect(ok).toBe(true);
      const leaf = Number(seq) - 1;
      expect(
        verifyInclusion(
          leafHash(target),
          leaf,
          now,
          engine.tree.inclusionProof(leaf, now),
          engine.tree.root(),
        ),
      ).toBe(true);
      expect(toHex(engine.tree.root(Number(size)))).toBe(root as string);
    } finally {
      await engine.close();
    }
    expect((await verifyDataDir(dir.path)).checks.filter((c) => !c.ok)).toEqual([]);
    expect(filesHolding(dir.path, marker)).toEqual([]);
  });
}
