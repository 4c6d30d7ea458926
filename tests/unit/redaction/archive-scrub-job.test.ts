/**
 * The server's archive scrub job (SPEC §12): a redaction of a target the
 * archive shipped before is pending in health (`redactions.archive_backlog`)
 * and `/metrics` until a pass replaced the object and the next found nothing
 * left; then 0, and no decompressed object at the URL holds the target's marker.
 */
import { expect, test } from "bun:test";
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ArchiveShipper } from "../../../src/backup/archive-shipper.ts";
import { listSnapshots } from "../../../src/backup/backup-catalog.ts";
import { readDataDirHistory } from "../../../src/backup/data-dir-history.ts";
import { DirTarget } from "../../../src/backup/dir-target.ts";
import { restoreDataDir } from "../../../src/backup/restore-data-dir.ts";
import { takeBackup } from "../../../src/backup/take-backup.ts";
import { verifyBackup } from "../../../src/backup/verify-backup.ts";
import { dataDirWalSource } from "../../../src/backup/wal-source.ts";
import { createApp } from "../../../src/http/app.ts";
import { silentLogger } from "../../../src/logger.ts";
import { filesHolding, objectsHolding } from "../../helpers/byte-search.ts";
import { redactThrough, scrubJobFor, writeMarked } from "../../helpers/redact-engine.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { ADMIN_TOKEN, openTestApp } from "../http/http-test-helpers.ts";

test("archive_backlog counts a redaction until the URL is scrubbed", async () => {
  using out = tempDir();
  const t = await openTestApp({ archiveTo: out.path });
  const target = new DirTarget(out.path);
  const job = scrubJobFor(t, target);
  const app = createApp({
    engine: t.engine,
    config: t.config,
    logger: silentLogger,
    adminToken: ADMIN_TOKEN,
    redactionArchive: job,
  });
  const backlog = async () =>
    (
      (await (await app.request("/v1/health")).json()) as {
        redactions: { archive_backlog: number };
      }
    ).redactions.archive_backlog;
  try {
    const { marker, operator, targetId } = await writeMarked(t.engine);
    const ship = () =>
      new ArchiveShipper({
        target,
        source: dataDirWalSource(t.dir),
        history: readDataDirHistory(t.dir),
      }).ship();
    await ship();
    // A snapshot whose state holds the target's row.
    const backup = await takeBackup({ dataDir: t.dir, target, version: "t" });
    expect(objectsHolding(out.path, marker).length).toBe(2);
    expect(await backlog()).toBe(0);
    const redactionSeq = (await redactThrough(t.engine, operator, targetId, "leaked_secret")).seq;
    await ship();
    expect(await backlog()).toBe(1);
    const metrics = await (await app.request("/metrics")).text();
    expect(metrics).toContain("stemedb_redaction_archive_backlog 1");
    await job.run(); // replaces the object and rebuilds the snapshot
    expect(await backlog()).toBe(1);
    await job.run(); // reads what was shipped since (nothing), finds nothing left: confirmed
    expect(await backlog()).toBe(0);
    expect(await (await app.request("/metrics")).text()).toContain(
      "stemedb_redaction_archive_backlog 0",
    );
    expect(objectsHolding(out.path, marker)).toEqual([]);
    // The snapshot: rebuilt under the same lsn with a newer created time, the old one gone.
    const { snapshots } = await listSnapshots(target);
    expect(snapshots.map((x) => x.snapshotLsn)).toEqual([backup.snapshot_lsn]);
    expect(snapshots[0]?.prefix).not.toBe(backup.prefix);
    expect(snapshots[0]?.complete).toBe(true);
    expect((await verifyBackup(target)).checks.filter((c) => !c.ok)).toEqual([]);
    // Restored from the scrubbed URL: latest and before the redaction, no byte of the target.
    for (const [name, point] of [
      ["latest", { kind: "latest" as const }],
      ["before", { kind: "seq" as const, seq: redactionSeq - 1 }],
    ] as const) {
      const dir = join(out.path, "..", `${out.path.split("/").pop()}-${name}`);
      try {
        await restoreDataDir({ target, dataDir: dir, point });
        expect(filesHolding(dir, marker)).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await job.stop();
    await t.close();
  }
});

test("nodes sharing a URL take turns: one scrubs, the other counts it done from the URL; a snapshot uploaded late is rebuilt", async () => {
  using out = tempDir();
  using late = tempDir();
  const t = await openTestApp({ archiveTo: out.path });
  const target = new DirTarget(out.path);
  const jobOf = (turn: boolean) =>
    scrubJobFor(t, target, {
      turn: async () => turn,
      observeIntervalMs: 0,
      recheckIntervalMs: 0,
    });
  // Two nodes' jobs over one state: what the cluster's nodes each hold after applying the redaction.
  const scrubber = jobOf(true);
  const waiter = jobOf(false);
  try {
    const { marker, operator, targetId } = await writeMarked(t.engine);
    await takeBackup({ dataDir: t.dir, target, version: "t" });
    // A node that lags behind backs up the row too; its snapshot reaches the URL after the scrub.
    await takeBackup({ dataDir: t.dir, target: new DirTarget(late.path), version: "t" });
    await redactThrough(t.engine, operator, targetId, "leaked_secret");
    expect(objectsHolding(out.path, marker).length).toBeGreaterThan(0);

    await waiter.run(); // not its turn: it only reads the URL (no confirmation yet)
    expect([waiter.backlog(), objectsHolding(out.path, marker).length > 0]).toEqual([1, true]);
    await scrubber.run(); // rebuilds the snapshot
    expect(objectsHolding(out.path, marker)).toEqual([]);
    await waiter.run(); // the confirmation names the target, not yet confirmed by a clean pass
    expect(waiter.backlog()).toBe(1);
    await scrubber.run(); // finds nothing left: confirmed, and says so in the URL
    expect(scrubber.backlog()).toBe(0);
    await waiter.run();
    expect(waiter.backlog()).toBe(0);

    cpSync(join(late.path, "snapshots"), join(out.path, "snapshots"), { recursive: true });
    expect(objectsHolding(out.path, marker).length).toBeGreaterThan(0);
    await waiter.run(); // not its turn: it touches nothing
    expect(objectsHolding(out.path, marker).length).toBeGreaterThan(0);
    await scrubber.run(); // every redaction confirmed: it reads the snapshots taken since
    expect(objectsHolding(out.path, marker)).toEqual([]);
    expect((await verifyBackup(target)).checks.filter((c) => !c.ok)).toEqual([]);
  } finally {
    await scrubber.stop();
    await waiter.stop();
    await t.close();
  }
});
