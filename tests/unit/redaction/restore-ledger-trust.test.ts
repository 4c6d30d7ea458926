/**
 * Restore applies a ledger entry only when its redaction is signed by an
 * operator (SPEC §12, ledger-trust.ts): one of the restored registry's
 * operators — here granted after the snapshot, so known from the replayed log
 * — or a key pinned with `operatorKeys` (`restore --operator-key`). An entry
 * validly signed by any other key makes the restore refuse with
 * `operator_required` before anything is placed (also through `stemedb
 * restore`); pinning that key (`--operator-key`) restores and applies it. The
 * DR drill restores the same way: it fails with `operator_required` where
 * restore refuses, passes with the key pinned by `--operator-key` or
 * STEMEDB_OPERATOR_KEYS, and records which keys were pinned.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DirTarget } from "../../../src/backup/dir-target.ts";
import type { DrillReport } from "../../../src/backup/dr-drill.ts";
import { DRILLS_PREFIX } from "../../../src/backup/drill-record.ts";
import { restoreDataDir } from "../../../src/backup/restore-data-dir.ts";
import { takeBackup } from "../../../src/backup/take-backup.ts";
import { Engine } from "../../../src/engine/engine.ts";
import { Status } from "../../../src/engine/log-records.ts";
import { fromHex } from "../../../src/hex.ts";
import { silentLogger } from "../../../src/logger.ts";
import { ledgerEntryOf, writeLedger } from "../../../src/redaction/redaction-ledger.ts";
import { prepare, testAgent } from "../../helpers/agents.ts";
import { filesHolding } from "../../helpers/byte-search.ts";
import { redactThrough } from "../../helpers/redact-engine.ts";
import { shipDataDir } from "../../helpers/ship-data-dir.ts";
import { type TempDir, tempDir } from "../../helpers/temp-dir.ts";
import { openLive, testClock, writeAssertions } from "../backup/backup-fixture.ts";
import { run } from "../cli/cli-test-io.ts";

let tmp: TempDir;
let live: Engine;
let target: DirTarget;
const operator = testAgent(81);
const forger = testAgent(82); // a registered key, never an operator
const real = `REAL-${crypto.randomUUID()}`;
const other = `OTHER-${crypto.randomUUID()}`;
let realId: string;
let otherId: string;

const write = async (value: string) => {
  const r = await live.ingest([
    prepare(testAgent(83).sign({ concept: "acme/people/kim", predicate: "note", value })),
  ]);
  return (r.outcomes[0] as { id: string }).id;
};

beforeAll(async () => {
  tmp = tempDir("stemedb-ledger-trust-");
  const liveDir = join(tmp.path, "live");
  target = new DirTarget(join(tmp.path, "target"));
  live = await openLive(liveDir);
  await writeAssertions(live, 5);
  // The snapshot's registry has no operator: the role comes from the log after it.
  await takeBackup({ dataDir: liveDir, target, version: "t", now: () => testClock.t });
  await live.updateAgent({ agent: operator.key, role: "operator" });
  realId = await write(real);
  otherId = await write(other);
  await redactThrough(live, operator, realId, "personal_data");
  await writeAssertions(live, 3);
  await shipDataDir(target, liveDir);
}, 60_000);

afterAll(async () => {
  await live.close();
  tmp[Symbol.dispose]();
});

test("a redaction by an operator granted after the snapshot is applied (the registry replayed to the point)", async () => {
  const dir = join(tmp.path, "r-ok");
  const r = await restoreDataDir({ target, dataDir: dir, point: { kind: "latest" } });
  expect(r.redactions).toBe(1);
  expect(filesHolding(dir, real)).toEqual([]);
  expect(filesHolding(dir, other).length).toBeGreaterThan(0);
});

test("a ledger entry validly signed by a non-operator: refused before placing anything; pinned with operatorKeys: applied", async () => {
  // Validly signed, well formed — by a key that is no operator anywhere.
  const forged = prepare(
    forger.sign({
      concept: "_stemedb/redactions",
      predicate: "redacts",
      value: { target: otherId, reason: "personal_data" },
    }),
  );
  const entry = ledgerEntryOf({
    seq: 10_000,
    status: Status.accepted,
    receivedAt: testClock.t,
    id: forged.id,
    sig: forged.sig,
    reasons: [],
    canonical: forged.canonical,
  });
  expect(entry).toBeDefined();
  expect(await writeLedger(target, [entry as NonNullable<typeof entry>])).toBe(1);

  const dir = join(tmp.path, "r-forged");
  const err = await restoreDataDir({ target, dataDir: dir, point: { kind: "latest" } }).catch(
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ code: "operator_required" });
  expect((err as Error).message).toContain(forged.idHex);
  expect((err as Error).message).toContain(forger.key);
  expect(!existsSync(dir) || readdirSync(dir).length === 0).toBe(true);

  // The same through the CLI: exit 1 naming the code; a malformed pin is a usage error.
  const cli = await run(["restore", "--from", target.url, "--data-dir", dir]);
  expect(cli.code).toBe(1);
  expect(cli.stderr).toContain("operator_required");
  expect(!existsSync(dir) || readdirSync(dir).length === 0).toBe(true);
  const malformed = await run([
    ...["restore", "--from", target.url, "--data-dir", dir, "--operator-key", "xyz"],
  ]);
  expect(malformed.code).toBe(2);

  // The operator checked the key and pins it: restored, and the entry applied.
  const pinned = await run([
    ...["restore", "--from", target.url, "--data-dir", dir, "--json"],
    ...["--operator-key", forger.key, "--operator-key", operator.key],
  ]);
  expect([pinned.code, pinned.stderr]).toEqual([0, ""]);
  expect((JSON.parse(pinned.stdout) as { redactions: number }).redactions).toBe(2);
  expect(filesHolding(dir, real)).toEqual([]);
  expect(filesHolding(dir, other)).toEqual([]);
  const engine = await Engine.open({ dataDir: dir, logger: silentLogger });
  try {
    expect(engine.getRedacted(fromHex(otherId, 32))).toBeDefined();
  } finally {
    await engine.close();
  }
});

test("dr-drill on that URL: fails with operator_required naming the key; --operator-key or STEMEDB_OPERATOR_KEYS pins it, and the record says which", async () => {
  const drill = async (args: string[], env: Record<string, string> = {}) => {
    const r = await run(["dr-drill", "--from", target.url, "--json", ...args], { env });
    return { ...r, report: JSON.parse(r.stdout || "{}") as DrillReport & { recorded: string } };
  };
  const recorded = async (url: string) =>
    JSON.parse(
      new TextDecoder().decode(await target.get(url.slice(target.url.length + 1))),
    ) as DrillReport;

  const refused = await drill([]);
  expect([refused.code, refused.stderr]).toEqual([1, ""]);
  expect(refused.report.ok).toBe(false);
  expect(refused.report.operator_keys).toEqual([]);
  expect(refused.report.problems).toHaveLength(1);
  expect(refused.report.problems[0]).toStartWith("operator_required: ");
  expect(refused.report.problems[0]).toContain(`signed by ${forger.key}`);
  expect(refused.report.problems[0]).toContain("pass --operator-key");
  expect((await recorded(refused.report.recorded)).problems).toEqual(refused.report.problems);

  // Parsed and validated as restore's flag: a malformed key is a usage error.
  const malformed = await drill(["--operator-key", "xyz"]);
  expect(malformed.code).toBe(2);
  expect(malformed.stderr).toContain("must be 64 lowercase hex chars");

  const pinned = await drill(["--operator-key", forger.key]);
  expect([pinned.code, pinned.stderr]).toEqual([0, ""]);
  expect(pinned.report.ok).toBe(true);
  expect(pinned.report.problems).toEqual([]);
  expect(pinned.report.operator_keys).toEqual([forger.key]);
  expect(pinned.report.restored?.tree_size).toBe(live.tree.size);
  expect((await recorded(pinned.report.recorded)).operator_keys).toEqual([forger.key]);

  // A timer pins them in its environment file; a flag wins over it.
  const fromEnv = await drill(["--no-record"], {
    STEMEDB_OPERATOR_KEYS: `${operator.key},${forger.key}`,
  });
  expect([fromEnv.code, fromEnv.stderr]).toEqual([0, ""]);
  expect(fromEnv.report.operator_keys).toEqual([operator.key, forger.key]);
  const flagWins = await drill(["--no-record", "--operator-key", operator.key], {
    STEMEDB_OPERATOR_KEYS: forger.key,
  });
  expect(flagWins.code).toBe(1);
  expect(flagWins.report.operator_keys).toEqual([operator.key]);
  const text = await run(["dr-drill", "--from", target.url, "--no-record"], {
    env: { STEMEDB_OPERATOR_KEYS: forger.key },
  });
  expect(text.stdout).toContain(`PASS: dr-drill from ${target.url}`);
  expect(text.stdout).toContain(`operator keys pinned: ${forger.key}`);
  expect((await target.list(DRILLS_PREFIX)).length).toBe(2);
}, 60_000);
