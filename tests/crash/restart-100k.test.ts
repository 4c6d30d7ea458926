/**
 * Restart after a crash at 100,000 assertions (SPEC §5, §9): a child writes
 * 100k records and is SIGKILLed; the data dir must reopen with the same root.
 * Reports how long the open took with SQLite current, and how long a full
 * rebuild of the state from the log alone takes. Timings are printed, never
 * asserted (SPEC §9 figures belong to the benchmark).
 */
import { expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { Engine } from "../../src/engine/engine.ts";
import { silentLogger } from "../../src/logger.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const COUNT = 100_000;

test(`restart after SIGKILL with ${COUNT} assertions keeps the root; recovery time reported`, async () => {
  using dir = tempDir("stemedb-restart-");
  const child = Bun.spawn(
    [process.execPath, join(import.meta.dir, "bulk-child.ts"), dir.path, String(COUNT)],
    {
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const reader = child.stdout.getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
  }
  child.kill("SIGKILL");
  await child.exited;
  const [word, size, root] = out.trim().split(" ");
  expect(word).toBe("done");
  expect(Number(size)).toBe(COUNT);

  let t = performance.now();
  let engine = await Engine.open({ dataDir: dir.path, logger: silentLogger });
  const reopenMs = performance.now() - t;
  expect(engine.tree.size).toBe(COUNT);
  expect(engine.treeHead().root).toBe(root as string);
  await engine.close();

  rmSync(join(dir.path, "db"), { recursive: true });
  t = performance.now();
  engine = await Engine.open({ dataDir: dir.path, logger: silentLogger });
  const rebuildMs = performance.now() - t;
  expect(engine.recovery.replayedRecords).toBe(COUNT);
  expect(engine.treeHead().root).toBe(root as string);
  await engine.close();
  console.log(
    `restart at ${COUNT}: reopen after SIGKILL ${reopenMs.toFixed(0)} ms; full rebuild from the log ${rebuildMs.toFixed(0)} ms (${((COUNT / rebuildMs) * 1000).toFixed(0)} records/s)`,
  );
}, 300_000);
