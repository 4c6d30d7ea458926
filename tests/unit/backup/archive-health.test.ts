/**
 * The archiver's figures in `/v1/health` and `/metrics` (SPEC §7), in-process
 * through `app.request()` on a real engine and a directory target: without
 * archival `archive` is `{configured: false}` and no archive gauge exists;
 * with it, the archived LSN, backlog and lag follow the ticks, and
 * `stemedb_backup_last_success_timestamp_seconds` is the created_at of the
 * newest complete snapshot in the target's listing (an incomplete one, with
 * no metadata.json, does not count).
 */
import { expect, test } from "bun:test";
import { ShipperRounds } from "../../../src/backup/archive-rounds.ts";
import { Archiver, type ArchiveStatus } from "../../../src/backup/archiver.ts";
import { snapshotPrefix } from "../../../src/backup/backup-layout.ts";
import { DirTarget } from "../../../src/backup/dir-target.ts";
import { ROOT_HISTORY } from "../../../src/backup/history.ts";
import { createApp } from "../../../src/http/app.ts";
import { segmentLogOf } from "../../../src/log/segment-log.ts";
import { silentLogger } from "../../../src/logger.ts";
import { switchableTarget } from "../../helpers/archive-dir.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { ADMIN_TOKEN, json, openTestApp, testAgent } from "../http/http-test-helpers.ts";

async function metricsOf(app: ReturnType<typeof createApp>): Promise<Map<string, number>> {
  const text = await (await app.request("/metrics")).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^(stemedb_(?:archive|backup)_[a-z_]+) (\S+)$/gm)) {
    out.set(m[1] as string, Number(m[2]));
  }
  return out;
}

test("without archival: archive {configured: false}, no archive gauges", async () => {
  const t = await openTestApp();
  try {
    const h = (await (await t.app.request("/v1/health")).json()) as { archive: unknown };
    expect(h.archive).toEqual({ configured: false });
    expect((await metricsOf(t.app)).size).toBe(0);
  } finally {
    await t.close();
  }
});

test("with archival: LSN, backlog, lag and the newest complete backup", async () => {
  const t = await openTestApp();
  using out = tempDir();
  let now = Date.UTC(2026, 10, 30, 12, 0, 0);
  const clock = { now: () => now };
  const target = new DirTarget(out.path);
  const archiver = new Archiver({
    rounds: new ShipperRounds({ target }),
    ship: true,
    intervalMs: 1000,
    log: segmentLogOf(t.engine.log),
    logger: silentLogger,
    clock,
    backupCheckMs: 0,
  });
  const app = createApp({
    engine: t.engine,
    config: t.config,
    logger: silentLogger,
    adminToken: ADMIN_TOKEN,
    archive: archiver,
  });
  const health = async () =>
    ((await (await app.request("/v1/health")).json()) as { archive: ArchiveStatus }).archive;
  try {
    const agent = testAgent();
    await app.request("/v1/assert", json([agent.sign({ value: 1 }), agent.sign({ value: 2 })]));
    let a = await health();
    expect(a).toMatchObject({
      configured: true,
      mode: "ship",
      archived_lsn: null,
      backlog_records: 2,
    });

    await archiver.tick(); // marks the log at lsn 2, then ships it
    a = await health();
    expect(a).toMatchObject({
      archived_lsn: 2,
      backlog_records: 0,
      backlog_bytes: 0,
      lag_seconds: 0,
    });
    expect(a.last_success_at).toBe(new Date(now).toISOString());
    expect(a.backup_last_success_at).toBeNull();

    await app.request("/v1/assert", json([agent.sign({ value: 3 })]));
    now += 500;
    await target.put("archive/not-a-range", new Uint8Array(0)); // not an archive key: ignored
    expect(archiver.status().backlog_records).toBe(1);
    const snapshotMs = now - 3_600_000;
    await target.put(
      `${snapshotPrefix(ROOT_HISTORY, 1, snapshotMs)}metadata.json`,
      new Uint8Array([123, 125]),
    );
    await target.put(`${snapshotPrefix(ROOT_HISTORY, 3, now)}state.sqlite.zst`, new Uint8Array(1)); // incomplete
    await archiver.tick();
    now += 250;
    a = await health();
    expect(a.archived_lsn).toBe(3);
    expect(a.backup_last_success_at).toBe(new Date(snapshotMs).toISOString());
    const m = await metricsOf(app);
    expect(m.get("stemedb_archive_archived_lsn")).toBe(3);
    expect(m.get("stemedb_archive_backlog_records")).toBe(0);
    expect(m.get("stemedb_archive_lag_seconds")).toBe(0);
    expect(m.get("stemedb_archive_consecutive_failures")).toBe(0);
    expect(m.get("stemedb_archive_last_success_timestamp_seconds")).toBe((now - 250) / 1000);
    expect(m.get("stemedb_backup_last_success_timestamp_seconds")).toBe(snapshotMs / 1000);
  } finally {
    await archiver.stop(0);
    await t.close();
  }
});

test("a failing target: failures count up, lag grows from when the log moved; retention gets 0, then the last known LSN", async () => {
  const t = await openTestApp();
  using out = tempDir();
  let now = Date.UTC(2026, 10, 30, 12, 0, 0);
  const target = switchableTarget(out.path);
  const archiver = new Archiver({
    rounds: new ShipperRounds({ target }),
    ship: true,
    intervalMs: 1000,
    log: segmentLogOf(t.engine.log),
    logger: silentLogger,
    clock: { now: () => now },
  });
  try {
    const agent = testAgent();
    await t.app.request("/v1/assert", json([agent.sign({ value: 1 })]));
    await archiver.tick();
    now += 4000;
    await t.app.request("/v1/assert", json([agent.sign({ value: 2 })]));
    await archiver.tick();
    const s = archiver.status();
    expect(s).toMatchObject({ archived_lsn: null, backlog_records: 2, consecutive_failures: 2 });
    expect(s.lag_seconds).toBe(4);
    expect(s.last_error).toContain("ECONNREFUSED");
    // Retention before any listing succeeded: nothing counts as archived.
    expect(await archiver.archivedLsnForRetention()).toBe(0);
    target.down = false;
    await archiver.tick();
    target.down = true;
    // Down again: retention uses the last archived LSN the listing showed.
    expect(await archiver.archivedLsnForRetention()).toBe(2);
    target.down = false;
    expect(archiver.status()).toMatchObject({
      archived_lsn: 2,
      backlog_records: 0,
      consecutive_failures: 0,
      last_error: null,
    });
  } finally {
    await archiver.stop(0);
    await t.close();
  }
});
