/**
 * The redaction ledger in the backup URL (SPEC §12, backup contract item 3):
 * the archive shipper and `stemedb backup` each write every redaction they
 * carry to `redactions/<id>.json`; readers check the record (id, signature,
 * shape); prune's listing never reaches the prefix.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ArchiveShipper } from "../../../src/backup/archive-shipper.ts";
import { DirTarget } from "../../../src/backup/dir-target.ts";
import { takeBackup } from "../../../src/backup/take-backup.ts";
import { verifyBackup } from "../../../src/backup/verify-backup.ts";
import { dataDirWalSource } from "../../../src/backup/wal-source.ts";
import type { Engine } from "../../../src/engine/engine.ts";
import { ledgerKey, readLedger } from "../../../src/redaction/redaction-ledger.ts";
import { prepare, testAgent } from "../../helpers/agents.ts";
import { redactThrough } from "../../helpers/redact-engine.ts";
import { type TempDir, tempDir } from "../../helpers/temp-dir.ts";
import { openLive, testClock, writeAssertions } from "../backup/backup-fixture.ts";

let tmp: TempDir;
let live: Engine;
let liveDir: string;
let targetId: string;
let redactionId: string;
let redactionSeq: number;
const operator = testAgent(92);

beforeAll(async () => {
  tmp = tempDir("stemedb-redaction-ledger-");
  liveDir = join(tmp.path, "live");
  live = await openLive(liveDir);
  await live.updateAgent({ agent: operator.key, role: "operator" });
  await writeAssertions(live, 10);
  const r = await live.ingest([
    prepare(
      testAgent(93).sign({ concept: "acme/people/ann", predicate: "phone", value: "+1 555" }),
    ),
  ]);
  targetId = (r.outcomes[0] as { id: string }).id;
  const red = await redactThrough(live, operator, targetId, "personal_data");
  redactionId = red.id;
  redactionSeq = red.seq;
  await writeAssertions(live, 5);
}, 60_000);

afterAll(async () => {
  await live.close();
  tmp[Symbol.dispose]();
});

const expectEntry = async (target: DirTarget) => {
  const ledger = await readLedger(target);
  expect(ledger.map((e) => [e.id, e.target, e.reason, e.seq])).toEqual([
    [redactionId, targetId, "personal_data", redactionSeq],
  ]);
};

test("the archive shipper writes the redaction it ships to the ledger", async () => {
  const target = new DirTarget(join(tmp.path, "shipped"));
  const shipper = new ArchiveShipper({ target, source: dataDirWalSource(liveDir) });
  await shipper.ship();
  await expectEntry(target);
  expect(readdirSync(join(tmp.path, "shipped", "redactions"))).toEqual([`${redactionId}.json`]);
  // A second shipper over the same URL finds it there (already_exists is not an error).
  await new ArchiveShipper({ target, source: dataDirWalSource(liveDir) }).ship();
  await expectEntry(target);
});

test("stemedb backup writes every redaction of its snapshot", async () => {
  const target = new DirTarget(join(tmp.path, "backup"));
  await takeBackup({ dataDir: liveDir, target, version: "test", now: () => testClock.t });
  await expectEntry(target);
  const report = await verifyBackup(target);
  expect(report.checks.find((c) => c.name === "backup.redactions")).toMatchObject({ ok: true });
});

test("a ledger object whose record does not verify is corrupt_backup", async () => {
  const dir = join(tmp.path, "forged");
  const target = new DirTarget(dir);
  await takeBackup({ dataDir: liveDir, target, version: "test", now: () => testClock.t });
  const body = JSON.parse(new TextDecoder().decode(await target.get(ledgerKey(redactionId)))) as {
    record: string;
  };
  const record = Buffer.from(body.record, "base64");
  record[60] = (record[60] as number) ^ 1; // a bit of the signature
  body.record = record.toString("base64");
  writeFileSync(join(dir, ledgerKey(redactionId)), JSON.stringify(body));
  await expect(readLedger(target)).rejects.toMatchObject({ code: "corrupt_backup" });
  const report = await verifyBackup(target);
  expect(report.ok).toBe(false);
  expect(report.checks.find((c) => c.name === "backup.redactions")).toMatchObject({ ok: false });
});
