/**
 * A restore applies every redaction the URL's ledger knows (SPEC §12, issue 19
 * deliverable 4): from a snapshot taken BEFORE the redaction (its state holds
 * the target's row), to the latest point and to a point between the target
 * and its redaction. The restored data dir holds no byte of the target, passes
 * `verify`, and the redacted id's inclusion proof verifies.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { DirTarget } from "../../../src/backup/dir-target.ts";
import { restoreDataDir } from "../../../src/backup/restore-data-dir.ts";
import { takeBackup } from "../../../src/backup/take-backup.ts";
import { Engine } from "../../../src/engine/engine.ts";
import { fromHex, toHex } from "../../../src/hex.ts";
import { silentLogger } from "../../../src/logger.ts";
import { leafHash } from "../../../src/merkle/hash.ts";
import { verifyInclusion } from "../../../src/merkle/verify-proofs.ts";
import { verifyDataDir } from "../../../src/verify/verify-data-dir.ts";
import { prepare, testAgent } from "../../helpers/agents.ts";
import { filesHolding } from "../../helpers/byte-search.ts";
import { redactThrough } from "../../helpers/redact-engine.ts";
import { shipDataDir } from "../../helpers/ship-data-dir.ts";
import { type TempDir, tempDir } from "../../helpers/temp-dir.ts";
import { openLive, testClock, writeAssertions } from "../backup/backup-fixture.ts";

let tmp: TempDir;
let live: Engine;
let target: DirTarget;
let liveDir: string;
let targetId: string;
let targetSeq: number;
let redactionSeq: number;
let snapshot: string;
const marker = `MARKER-${crypto.randomUUID()}`;
const operator = testAgent(94);

beforeAll(async () => {
  tmp = tempDir("stemedb-redaction-restore-");
  liveDir = join(tmp.path, "live");
  target = new DirTarget(join(tmp.path, "target"));
  live = await openLive(liveDir);
  await live.updateAgent({ agent: operator.key, role: "operator" });
  await writeAssertions(live, 10);
  const r = await live.ingest([
    prepare(
      testAgent(95).sign({ concept: "acme/people/ivy", predicate: "note", value: `${marker}` }),
    ),
  ]);
  targetId = (r.outcomes[0] as { id: string }).id;
  targetSeq = (r.outcomes[0] as { seq: number }).seq;
  await writeAssertions(live, 5);
  // The only snapshot: taken before the redaction, its state holds the target's row.
  snapshot = (await takeBackup({ dataDir: liveDir, target, version: "t", now: () => testClock.t }))
    .prefix;
  const red = await redactThrough(live, operator, targetId, "personal_data");
  redactionSeq = red.seq;
  await writeAssertions(live, 5);
  // The archiver ships after the scrub (the stub), and writes the ledger.
  await shipDataDir(target, liveDir);
}, 60_000);

afterAll(async () => {
  await live.close();
  tmp[Symbol.dispose]();
});

async function expectScrubbed(dir: string, treeSize: number): Promise<void> {
  expect(filesHolding(dir, marker)).toEqual([]);
  const engine = await Engine.open({ dataDir: dir, logger: silentLogger });
  try {
    expect(engine.tree.size).toBe(treeSize);
    expect(engine.getRedacted(fromHex(targetId, 32))?.seq).toBe(targetSeq);
    const proof = engine.tree.inclusionProof(targetSeq - 1, treeSize);
    expect(
      verifyInclusion(
        leafHash(fromHex(targetId, 32)),
        targetSeq - 1,
        treeSize,
        proof,
        engine.tree.root(treeSize),
      ),
    ).toBe(true);
    expect(toHex(engine.tree.root(treeSize))).toBe(toHex(live.tree.root(treeSize)));
  } finally {
    await engine.close();
  }
  expect(filesHolding(dir, marker)).toEqual([]);
  expect((await verifyDataDir(dir)).checks.filter((c) => !c.ok)).toEqual([]);
}

test("restore latest from the snapshot taken before the redaction", async () => {
  const dir = join(tmp.path, "r-latest");
  const r = await restoreDataDir({ target, dataDir: dir, point: { kind: "latest" } });
  expect(r.plan.snapshot).toBe(snapshot);
  expect(r.redactions).toBe(1);
  await expectScrubbed(dir, live.tree.size);
});

test("restore to a point between the target and its redaction, from that snapshot", async () => {
  const dir = join(tmp.path, "r-before");
  const r = await restoreDataDir({
    target,
    dataDir: dir,
    point: { kind: "seq", seq: redactionSeq - 1 },
  });
  expect(r.plan.snapshot).toBe(snapshot);
  await expectScrubbed(dir, redactionSeq - 1);
});
