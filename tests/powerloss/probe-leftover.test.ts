/**
 * The storage breaker's probe (SPEC §6) writes and fdatasyncs
 * `wal/.storage-probe`, then unlinks it, without syncing `wal/`: a power cut
 * in between can keep the file's name (any later fsync of `wal/`, such as a
 * segment roll, makes it durable) while its bytes are lost or kept. What a
 * cut can leave is therefore a stray probe file, empty or full; the data dir
 * must start and verify with either.
 */
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Engine } from "../../src/engine/engine.ts";
import { silentLogger } from "../../src/logger.ts";
import { verifyDataDir } from "../../src/verify/verify-data-dir.ts";
import { tempDir } from "../helpers/temp-dir.ts";

for (const bytes of [0, 64 * 1024]) {
  test(`a ${bytes}-byte storage probe file left by a cut does not stop start or verify`, async () => {
    using dir = tempDir("stemedb-probe-left-");
    await (await Engine.open({ dataDir: dir.path, logger: silentLogger })).close();
    writeFileSync(join(dir.path, "wal", ".storage-probe"), new Uint8Array(bytes).fill(0x5a));
    await (await Engine.open({ dataDir: dir.path, logger: silentLogger })).close();
    const report = await verifyDataDir(dir.path);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  });
}
