/**
 * `verify --backup` never reports a mixed history as passing (SPEC §7; issue
 * 18 case 1 as the code before histories left it): a URL whose root history
 * holds a server's archive of lsn 1..N and, beside it, what a server restored
 * to an earlier point shipped there under the same history — objects whose
 * records differ from the first ones at the same LSNs. Such a URL exists in
 * deployments that ran the old code; verify names the mixed objects and
 * fails, and restore refuses to take them (a point before them restores). The shipper of today would ship that restored server under its own
 * history instead (tests/e2e/histories.e2e.test.ts).
 */

import { expect, test } from "bun:test";
import { join } from "node:path";
import { ArchiveShipper } from "../../../src/backup/archive-shipper.ts";
import { archiveKey } from "../../../src/backup/backup-layout.ts";
import { DirTarget } from "../../../src/backup/dir-target.ts";
import { ROOT_HISTORY, ROOT_RECORD } from "../../../src/backup/history.ts";
import { readLogFrames } from "../../../src/backup/log-range.ts";
import { encodeObject } from "../../../src/backup/object-codec.ts";
import { restoreDataDir } from "../../../src/backup/restore-data-dir.ts";
import { verifyBackup } from "../../../src/backup/verify-backup.ts";
import { segmentLogOf } from "../../../src/log/segment-log.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { openLive, writeAssertions } from "./backup-fixture.ts";

test("two histories shipped into one (the old code's PITR on the same URL) fail verify --backup", async () => {
  using tmp = tempDir();
  const target = new DirTarget(join(tmp.path, "target"));
  const ship = (engine: Awaited<ReturnType<typeof openLive>>) =>
    new ArchiveShipper({
      target,
      source: { segments: () => segmentLogOf(engine.log).segmentList() },
      history: ROOT_RECORD, // what every data dir was before histories
    }).ship();
  const live = await openLive(join(tmp.path, "live"));
  await writeAssertions(live, 30);
  await ship(live);
  await live.close();
  // Restored to seq 20, then 4 new writes: lsn 21..24 now hold other records.
  const point = { kind: "seq" as const, seq: 20 };
  await restoreDataDir({ target, dataDir: join(tmp.path, "branch"), point });
  const branch = await openLive(join(tmp.path, "branch"));
  await writeAssertions(branch, 4);
  await ship(branch); // the old shipper's mistake, made on purpose
  await branch.close();

  const report = await verifyBackup(target);
  expect(report.ok).toBe(false);
  const mixed = report.checks.filter((c) => !c.ok && c.detail.includes("mixes records"));
  expect(mixed.length).toBeGreaterThan(0);
  expect(mixed[0]?.detail).toContain("hold different records at lsn 21");
  // restore refuses to take the mixed records, and restores a point before them.
  const latest = restoreDataDir({
    target,
    dataDir: join(tmp.path, "r1"),
    point: { kind: "latest" },
  });
  await expect(latest).rejects.toMatchObject({
    code: "corrupt_backup",
    message: expect.stringContaining("mixes records"),
  });
  const before = await restoreDataDir({ target, dataDir: join(tmp.path, "r2"), point });
  expect(before.staged.tree_size).toBe(20);
});

test("two objects of the same range in one history (a redaction's replacement, SPEC §12) are not a mix", async () => {
  using tmp = tempDir();
  const target = new DirTarget(join(tmp.path, "target"));
  const dirs = [join(tmp.path, "a"), join(tmp.path, "b")];
  const a = await openLive(dirs[0] as string);
  const b = await openLive(dirs[1] as string);
  await writeAssertions(a, 10);
  await writeAssertions(b, 10);
  const last = a.log.lastLsn;
  expect(b.log.lastLsn).toBe(last);
  // The same LSN range twice under the root history, with other frames in the second.
  for (const dir of dirs) {
    const encoded = encodeObject(readLogFrames(dir, 1, last));
    await target.put(archiveKey(ROOT_HISTORY, 1, last, encoded.blake3), encoded.body);
  }
  await a.close();
  await b.close();
  const report = await verifyBackup(target);
  expect(report.checks.filter((c) => c.detail.includes("mixes records"))).toEqual([]);
  expect(report.checks.find((c) => c.name === "backup.archive" && c.ok)?.detail).toContain(
    "2 archive object(s) verify",
  );
});
