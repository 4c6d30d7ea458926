/**
 * Redaction and the backup URL, for what is shipped AFTER the redaction
 * (SPEC §12, §7): a snapshot taken after it, and archive objects whose range
 * holds the stub, restore through the one apply path to the same root with
 * the target redacted; the restored data dir, the URL's files and the
 * decompressed objects hold no byte of the target. A restore to a point
 * before the redaction applies it from the `redactions/` ledger.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { DirTarget } from "../../../src/backup/dir-target.ts";
import { restoreDataDir } from "../../../src/backup/restore-data-dir.ts";
import { takeBackup } from "../../../src/backup/take-backup.ts";
import type { Engine as EngineType } from "../../../src/engine/engine.ts";
import { Engine } from "../../../src/engine/engine.ts";
import { fromHex, toHex } from "../../../src/hex.ts";
import { silentLogger } from "../../../src/logger.ts";
import { verifyDataDir } from "../../../src/verify/verify-data-dir.ts";
import { prepare, testAgent } from "../../helpers/agents.ts";
import { filesHolding, objectsHolding } from "../../helpers/byte-search.ts";
import { redactThrough } from "../../helpers/redact-engine.ts";
import { shipRange } from "../../helpers/ship-archive.ts";
import { type TempDir, tempDir } from "../../helpers/temp-dir.ts";
import { openLive, testClock, writeAssertions } from "../backup/backup-fixture.ts";

let tmp: TempDir;
let live: EngineType;
let target: DirTarget;
let targetDir: string;
let liveDir: string;
let targetId: string;
let redactionSeq: number;
const marker = `MARKER-${crypto.randomUUID()}`;
const operator = testAgent(90);

beforeAll(async () => {
  tmp = tempDir("stemedb-redaction-backup-");
  liveDir = join(tmp.path, "live");
  targetDir = join(tmp.path, "target");
  target = new DirTarget(targetDir);
  live = await openLive(liveDir);
  await live.updateAgent({ agent: operator.key, role: "operator" });
  await writeAssertions(live, 20);
  // A snapshot before the target exists: the archive carries the rest.
  const backup = await takeBackup({
    dataDir: liveDir,
    target,
    version: "test",
    now: () => testClock.t,
  });
  const writer = testAgent(91);
  const r = await live.ingest([
    prepare(
      writer.sign({ concept: "acme/people/eve", predicate: "email", value: `${marker}@x.test` }),
    ),
  ]);
  targetId = (r.outcomes[0] as { id: string }).id;
  await writeAssertions(live, 20);
  const red = await redactThrough(live, operator, targetId, "personal_data");
  redactionSeq = red.seq;
  await writeAssertions(live, 5);
  // Shipped after the scrub: the range holds the stub, not the frame.
  await shipRange(liveDir, target, backup.last_lsn + 1, live.log.lastLsn);
  // And a second snapshot, taken after the redaction.
  testClock.t += 1000;
  await takeBackup({ dataDir: liveDir, target, version: "test", now: () => testClock.t });
}, 60_000);

afterAll(async () => {
  await live.close();
  tmp[Symbol.dispose]();
});

test("the URL's objects (decompressed) and files hold no byte of the target", () => {
  expect(objectsHolding(targetDir, marker)).toEqual([]);
  expect(filesHolding(liveDir, marker)).toEqual([]);
});

test("restore latest: the target stays redacted, verify passes, no file holds it", async () => {
  const dir = join(tmp.path, "r-latest");
  const r = await restoreDataDir({ target, dataDir: dir, point: { kind: "latest" } });
  expect(filesHolding(dir, marker)).toEqual([]);
  expect(r.root).toBe(toHex(live.tree.root(r.staged.tree_size)));
  const engine = await Engine.open({ dataDir: dir, logger: silentLogger });
  try {
    expect(engine.getRedacted(fromHex(targetId, 32))?.redaction?.seq).toBe(redactionSeq);
  } finally {
    await engine.close();
  }
  expect((await verifyDataDir(dir)).checks.filter((c) => !c.ok)).toEqual([]);
});

test("restore to a point between the target and its redaction applies the ledger's redaction", async () => {
  const dir = join(tmp.path, "r-before");
  const r = await restoreDataDir({
    target,
    dataDir: dir,
    point: { kind: "seq", seq: redactionSeq - 1 },
  });
  expect(r.redactions).toBe(1);
  expect(r.staged.tree_size).toBe(redactionSeq - 1);
  expect(r.root).toBe(toHex(live.tree.root(redactionSeq - 1)));
  expect(filesHolding(dir, marker)).toEqual([]);
  const engine = await Engine.open({ dataDir: dir, logger: silentLogger });
  try {
    const entry = engine.getRedacted(fromHex(targetId, 32));
    expect(entry?.seq).toBeLessThan(redactionSeq);
    expect(entry?.redaction).toBeNull(); // known from the ledger, past the restored tree
  } finally {
    await engine.close();
  }
  expect((await verifyDataDir(dir)).checks.filter((c) => !c.ok)).toEqual([]);
});
