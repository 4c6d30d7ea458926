/**
 * `stemedb verify --backup URL [--operator-key K]...` under the verifier rule
 * (SPEC §12), on a real directory target and a real s3rver: a URL holding a
 * redaction — its target a stub in the archive objects, its row gone from a
 * snapshot's state — verifies with the operator's key pinned, names the key
 * when nothing is pinned, and fails under another pin; a stub that no
 * redaction accounts for fails, whether a restore replays it or only the
 * archive pass reads it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { ArchiveShipper } from "../../../src/backup/archive-shipper.ts";
import { readDataDirHistory } from "../../../src/backup/data-dir-history.ts";
import { DirTarget } from "../../../src/backup/dir-target.ts";
import { takeBackup } from "../../../src/backup/take-backup.ts";
import { verifyBackup } from "../../../src/backup/verify-backup.ts";
import { dataDirWalSource } from "../../../src/backup/wal-source.ts";
import type { Engine } from "../../../src/engine/engine.ts";
import { scrubArchive } from "../../../src/redaction/archive-scrub.ts";
import type { VerifyCheck, VerifyReport } from "../../../src/verify/verify-report.ts";
import { prepare, testAgent } from "../../helpers/agents.ts";
import { redactThrough } from "../../helpers/redact-engine.ts";
import { type S3rverProcess, startS3rver } from "../../helpers/s3rver-process.ts";
import { type TempDir, tempDir } from "../../helpers/temp-dir.ts";
import { openLive, testClock, writeAssertions } from "../backup/backup-fixture.ts";
import { run } from "../cli/cli-test-io.ts";

let tmp: TempDir;
let live: Engine;
let liveDir: string;
/** Snapshot, then the archive of what followed (the restore replays the archive's stub). */
let replayed: string;
/** The same, then a newer snapshot (the archive's stub is read only by the archive pass). */
let walked: string;
/** The same, then a newer snapshot still (the redacted row of `walked`'s is read only by the snapshot pass). */
let older: string;
let targetId: string;
let plainIds: string[];
const operator = testAgent(71);
const other = testAgent(72);

const ship = (url: string) =>
  new ArchiveShipper({
    target: new DirTarget(url),
    source: dataDirWalSource(liveDir),
    history: readDataDirHistory(liveDir),
  }).ship();
const backup = (url: string) =>
  takeBackup({
    dataDir: liveDir,
    target: new DirTarget(url),
    version: "t",
    now: () => testClock.t,
  });

beforeAll(async () => {
  tmp = tempDir("stemedb-verify-backup-redactions-");
  liveDir = join(tmp.path, "live");
  replayed = join(tmp.path, "replayed");
  walked = join(tmp.path, "walked");
  older = join(tmp.path, "older");
  live = await openLive(liveDir);
  await live.updateAgent({ agent: operator.key, role: "operator" });
  await writeAssertions(live, 10);
  await backup(replayed);
  const r = await live.ingest([
    prepare(testAgent(73).sign({ concept: "acme/people/ann", predicate: "email", value: "a@x" })),
  ]);
  targetId = (r.outcomes[0] as { id: string }).id;
  plainIds = await writeAssertions(live, 10);
  await redactThrough(live, operator, targetId, "personal_data");
  await writeAssertions(live, 5);
  await ship(replayed); // the local log already holds the stub: so do the archive objects
  cpSync(replayed, walked, { recursive: true });
  await backup(walked); // its state.sqlite has the row redacted
  cpSync(walked, older, { recursive: true });
  await writeAssertions(live, 3);
  await backup(older);
}, 60_000);

afterAll(async () => {
  await live.close();
  tmp[Symbol.dispose]();
});

const check = (report: VerifyReport, name: string): VerifyCheck[] =>
  report.checks.filter((c) => c.name === name);
const failures = (report: VerifyReport) => report.checks.filter((c) => !c.ok);

describe("verify --backup applies the verifier rule", () => {
  test("not pinned: passes and names the operator key that redacted", async () => {
    for (const url of [replayed, walked]) {
      const report = await verifyBackup(new DirTarget(url));
      expect(failures(report)).toEqual([]);
      const [summary] = check(report, "backup.redactions");
      expect(summary?.detail).toContain(`by operator key(s) ${operator.key}`);
      expect(summary?.detail).toContain("not pinned: pass --operator-key to trust them");
      // The restored state's redacted row, judged by the same rule.
      const redacted = check(report, "assertions.redacted").map((c) => c.detail);
      expect(redacted.join("\n")).toContain(`1 redacted assertion(s)`);
    }
    // The archive pass read the stub the newer snapshot's restore did not replay.
    const [summary] = check(await verifyBackup(new DirTarget(walked)), "backup.redactions");
    expect(summary?.detail).toContain("1 redaction stub(s) in log objects no restore replayed");
    expect(summary?.detail).toContain("0 redacted row(s) in snapshot states no restore used");
  });

  test("a snapshot no restore uses: its redacted rows are judged by the rule too", async () => {
    const unpinned = await verifyBackup(new DirTarget(older));
    expect(failures(unpinned)).toEqual([]);
    expect(check(unpinned, "backup.redactions")[0]?.detail).toContain(
      "1 redaction stub(s) in log objects no restore replayed (redacted by operator key(s) " +
        `${operator.key}) and 1 redacted row(s) in snapshot states no restore used`,
    );
    const refused = await verifyBackup(new DirTarget(older), {
      trustedOperators: new Set([other.key]),
    });
    expect(failures(refused).map((c) => c.detail)).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^a row redacted in the snapshot: seq \\d+ was redacted by ${operator.key}, which is not a trusted operator key$`,
        ),
      ),
    );
    const snapshotFailure = failures(refused).find((c) => c.detail.startsWith("a row redacted"));
    expect(snapshotFailure?.where).toMatchObject({
      object: expect.stringMatching(/state\.sqlite\.zst$/),
    });
  });

  test("pinned: passes as trusted; under another pin every redacted leaf fails", async () => {
    for (const url of [replayed, walked]) {
      const trusted = await verifyBackup(new DirTarget(url), {
        trustedOperators: new Set([operator.key]),
      });
      expect(failures(trusted)).toEqual([]);
      expect(check(trusted, "backup.redactions")[0]?.detail).toContain("trusted (pinned)");

      const refused = await verifyBackup(new DirTarget(url), {
        trustedOperators: new Set([other.key]),
      });
      expect(refused.ok).toBe(false);
      const problems = failures(refused).map((c) => `${c.name}: ${c.detail}`);
      expect(problems).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^backup.redactions: redaction \\w+ .*signed by ${operator.key}, which is not a trusted operator key$`,
          ),
        ),
      );
      expect(problems).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^assertions.redacted: .*redacted by ${operator.key}, which is not a trusted operator key$`,
          ),
        ),
      );
    }
    const walkedRefused = await verifyBackup(new DirTarget(walked), {
      trustedOperators: new Set([other.key]),
    });
    expect(failures(walkedRefused).map((c) => c.detail)).toContainEqual(
      expect.stringContaining(`a redaction stub for ${targetId}: seq `),
    );
  });

  test("a stub with no redaction fails, read by the archive pass or replayed by a restore", async () => {
    const forgedId = plainIds[3] as string;
    for (const name of ["walked", "replayed"] as const) {
      const url = join(tmp.path, `forged-${name}`);
      cpSync(name === "walked" ? walked : replayed, url, { recursive: true });
      // Content removed without a redaction: the archive object holding it rewritten with a stub.
      const scrub = await scrubArchive(new DirTarget(url), new Set([forgedId]));
      expect(scrub.frames).toBe(1);
      const report = await verifyBackup(new DirTarget(url), {
        trustedOperators: new Set([operator.key]),
      });
      expect(report.ok).toBe(false);
      const problems = failures(report).map((c) => `${c.name}: ${c.detail}`);
      if (name === "walked") {
        expect(problems).toContainEqual(
          expect.stringMatching(
            new RegExp(
              `^backup.redactions: a redaction stub for ${forgedId}: seq \\d+ has no body and no redaction names it$`,
            ),
          ),
        );
      } else {
        // Recovery refuses the orphan stub.
        expect(problems.join("\n")).toMatch(
          /backup\.restore: .*a redaction stub for seq \d+ but no redaction of that id/,
        );
      }
    }
  });
});

describe("stemedb verify --backup --operator-key (CLI)", () => {
  let s3: S3rverProcess;
  beforeAll(async () => {
    s3 = await startS3rver();
  }, 30_000);
  afterAll(async () => {
    await s3[Symbol.asyncDispose]();
  });

  test("a directory URL and an s3rver URL: pinned, not pinned, another pin", async () => {
    const s3Url = s3.url("redacted/node-1");
    const env = s3.env;
    const b = await run(["backup", "--data-dir", liveDir, "--to", s3Url], { env });
    expect([b.code, b.stderr]).toEqual([0, ""]);
    for (const url of [`file://${walked}`, s3Url]) {
      const unpinned = await run(["verify", "--backup", url], { env });
      expect([unpinned.code, unpinned.stderr]).toEqual([0, ""]);
      expect(unpinned.stdout).toMatch(
        new RegExp(
          `PASS  backup.redactions: .*by operator key\\(s\\) ${operator.key} \\(not pinned`,
        ),
      );
      const pinned = await run(["verify", "--backup", url, "--operator-key", operator.key], {
        env,
      });
      expect([pinned.code, pinned.stderr]).toEqual([0, ""]);
      expect(pinned.stdout).toContain("(trusted (pinned))");
      // Repeatable, as `stemedb verify --operator-key` takes it.
      const both = await run(
        ["verify", "--backup", url, "--operator-key", other.key, "--operator-key", operator.key],
        { env },
      );
      expect(both.code).toBe(0);
      const refused = await run(["verify", "--backup", url, "--operator-key", other.key], { env });
      expect(refused.code).toBe(1);
      expect(refused.stdout).toContain("which is not a trusted operator key");
      expect(refused.stdout).toMatch(/\nFAIL: /);
    }
    const bad = await run(["verify", "--backup", s3Url, "--operator-key", "nope"], { env });
    expect(bad.code).toBe(2);
  }, 120_000);
});
