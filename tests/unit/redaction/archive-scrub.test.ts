/**
 * The archive URL's scrub (SPEC §12, backup contract item 4): archive objects
 * shipped BEFORE a redaction hold the target's frame; `scrubArchive` replaces
 * each by one of the same range (new BLAKE3) holding the stub, then deletes
 * the old. A crash between the two leaves both, each valid; the next pass
 * deletes the old one. The decompressed objects and data dirs restored from
 * the URL (latest, and a point before the redaction) hold no byte of it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ArchiveShipper } from "../../../src/backup/archive-shipper.ts";
import { parseArchiveKey } from "../../../src/backup/backup-layout.ts";
import { readDataDirHistory } from "../../../src/backup/data-dir-history.ts";
import { DirTarget } from "../../../src/backup/dir-target.ts";
import { restoreDataDir } from "../../../src/backup/restore-data-dir.ts";
import { takeBackup } from "../../../src/backup/take-backup.ts";
import { dataDirWalSource } from "../../../src/backup/wal-source.ts";
import type { Engine } from "../../../src/engine/engine.ts";
import { toHex } from "../../../src/hex.ts";
import { scrubArchive } from "../../../src/redaction/archive-scrub.ts";
import { verifyDataDir } from "../../../src/verify/verify-data-dir.ts";
import { prepare, testAgent } from "../../helpers/agents.ts";
import { filesHolding, objectsHolding } from "../../helpers/byte-search.ts";
import { redactThrough } from "../../helpers/redact-engine.ts";
import { type TempDir, tempDir } from "../../helpers/temp-dir.ts";
import { openLive, testClock, writeAssertions } from "../backup/backup-fixture.ts";

let tmp: TempDir;
let live: Engine;
let liveDir: string;
let targetDir: string;
let target: DirTarget;
let targetId: string;
let redactionSeq: number;
const marker = `MARKER-${crypto.randomUUID()}`;
const operator = testAgent(96);

const ship = () =>
  new ArchiveShipper({
    target,
    source: dataDirWalSource(liveDir),
    history: readDataDirHistory(liveDir),
  }).ship();

const archiveKeys = () =>
  readdirSync(join(targetDir, "archive"), { recursive: true })
    .map(String)
    .filter((n) => n.endsWith(".zst"));

beforeAll(async () => {
  tmp = tempDir("stemedb-archive-scrub-");
  liveDir = join(tmp.path, "live");
  targetDir = join(tmp.path, "target");
  target = new DirTarget(targetDir);
  live = await openLive(liveDir);
  await live.updateAgent({ agent: operator.key, role: "operator" });
  await writeAssertions(live, 10);
  await takeBackup({ dataDir: liveDir, target, version: "t", now: () => testClock.t });
  const r = await live.ingest([
    prepare(testAgent(97).sign({ concept: "acme/people/joe", predicate: "note", value: marker })),
  ]);
  targetId = (r.outcomes[0] as { id: string }).id;
  await writeAssertions(live, 5);
  await ship(); // before the redaction: the archive holds the frame
  const red = await redactThrough(live, operator, targetId, "personal_data");
  redactionSeq = red.seq;
  await writeAssertions(live, 5);
  await ship(); // the redaction, and the ledger
}, 60_000);

afterAll(async () => {
  await live.close();
  tmp[Symbol.dispose]();
});

test("before the scrub the archive holds the target; a crash after the put leaves both objects", async () => {
  expect(objectsHolding(targetDir, marker).length).toBe(1);
  const before = archiveKeys();
  const crash = new Error("killed after the put");
  await expect(
    scrubArchive(target, new Set([targetId]), {
      afterPut: () => {
        throw crash;
      },
    }),
  ).rejects.toBe(crash);
  const after = archiveKeys();
  expect(after.length).toBe(before.length + 1);
  // The pair: the same range, two BLAKE3s.
  const ranges = after.map((k) => parseArchiveKey(`archive/${k}`));
  const added = ranges.find((r) => r !== undefined && !before.includes(r.key.slice(8)));
  expect(
    ranges.filter((r) => r?.firstLsn === added?.firstLsn && r?.lastLsn === added?.lastLsn).length,
  ).toBe(2);
  // Either is valid: a restore now still ends scrubbed (the ledger applies).
  const dir = join(tmp.path, "r-crash");
  await restoreDataDir({ target, dataDir: dir, point: { kind: "latest" } });
  expect(filesHolding(dir, marker)).toEqual([]);
});

test("the next pass deletes the old object; nothing at the URL holds the target", async () => {
  const report = await scrubArchive(target, new Set([targetId]));
  expect(report.leftovers).toBe(1);
  expect(objectsHolding(targetDir, marker)).toEqual([]);
  const again = await scrubArchive(target, new Set([targetId]));
  expect(again).toMatchObject({ replaced: 0, leftovers: 0, frames: 0 });
});

test("restored data dirs (latest, and before the redaction) hold no byte of it and verify", async () => {
  for (const [name, point] of [
    ["r-latest", { kind: "latest" as const }],
    ["r-before", { kind: "seq" as const, seq: redactionSeq - 1 }],
  ] as const) {
    const dir = join(tmp.path, name);
    const r = await restoreDataDir({ target, dataDir: dir, point });
    expect(r.root).toBe(toHex(live.tree.root(r.staged.tree_size)));
    expect(filesHolding(dir, marker)).toEqual([]);
    expect((await verifyDataDir(dir)).checks.filter((c) => !c.ok)).toEqual([]);
  }
});
