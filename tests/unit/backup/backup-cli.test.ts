/**
 * The backup commands in-process through `runCli`, beside a real server on
 * port 0: `backup --json`, `verify --backup`, `restore` (and its refusal of a
 * non-empty dir), `restore --dry-run --json`, and `dr-drill --source`, which
 * serves the restored dir and proves it consistent with the live server's
 * later tree head — reporting the records written after the last shipment as
 * the RPO gap.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BackupListing } from "../../../src/backup/backup-listing.ts";
import { DirTarget } from "../../../src/backup/dir-target.ts";
import { latestDrill } from "../../../src/backup/drill-record.ts";
import { parseConfig } from "../../../src/config.ts";
import { type RunningServer, startServer } from "../../../src/http/server.ts";
import { silentLogger } from "../../../src/logger.ts";
import { shipRange } from "../../helpers/ship-archive.ts";
import { type TempDir, tempDir } from "../../helpers/temp-dir.ts";
import { run } from "../cli/cli-test-io.ts";
import { writeAssertions } from "./backup-fixture.ts";

let tmp: TempDir;
let server: RunningServer;
let liveDir: string;
let targetDir: string;
let backup: { tree_size: number; last_lsn: number; prefix: string };
let shippedSize: number;
let sthAtShipped: string;
let sthLater: string;

beforeAll(async () => {
  tmp = tempDir("stemedb-backup-cli-");
  liveDir = join(tmp.path, "live");
  targetDir = join(tmp.path, "target");
  server = await startServer(parseConfig({ dataDir: liveDir, port: 0 }, {}), silentLogger);
  await writeAssertions(server.engine, 40);
  const r = await run(["backup", "--data-dir", liveDir, "--to", targetDir, "--json"]);
  expect([r.code, r.stderr]).toEqual([0, ""]);
  backup = JSON.parse(r.stdout);
  await writeAssertions(server.engine, 20);
  await shipRange(
    liveDir,
    new DirTarget(targetDir),
    backup.last_lsn + 1,
    server.engine.log.lastLsn,
  );
  shippedSize = server.engine.tree.size;
  sthAtShipped = join(tmp.path, "sth-shipped.json");
  writeFileSync(sthAtShipped, JSON.stringify({ sth: server.engine.treeHead() })); // a receipt
  await writeAssertions(server.engine, 5); // acknowledged, never shipped
  sthLater = join(tmp.path, "sth-later.json");
  writeFileSync(sthLater, JSON.stringify(server.engine.treeHead()));
}, 30_000);

afterAll(async () => {
  await server.stop();
  tmp[Symbol.dispose]();
});

describe("backup commands", () => {
  test("backup --json summarises the snapshot", () => {
    expect(backup.tree_size).toBe(40);
    // Under the data dir's own history (SPEC §7): snapshots/<history>/<lsn>-<time>/
    expect(backup.prefix).toMatch(/^snapshots\/\d{8}T\d{9}Z-[0-9a-f]{8}\/\d{16}-\d{8}T\d{9}Z\/$/);
  });

  test("verify --backup passes on a sound backup", async () => {
    const r = await run(["verify", "--backup", targetDir]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("PASS  backup.snapshots");
    expect(r.stdout).toContain("PASS  backup.restore");
    expect(r.stdout).toContain("PASS  merkle.root");
    // The backed-up server's key (from the snapshot's tree head), not the scratch restore's.
    const serverKey = server.engine.treeHead().server_key;
    expect(r.stdout).toContain(`PASS  backup.server_key: server key ${serverKey}`);
    expect(r.stdout).not.toContain("PASS  node_key");
    expect(r.code).toBe(0);
  }, 30_000);

  test("restore places it; a second restore into the same dir is refused", async () => {
    const dir = join(tmp.path, "restored");
    const r = await run(["restore", "--from", targetDir, "--data-dir", dir]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toContain(`tree_size ${shippedSize}`);
    expect(r.stdout).toContain(`next: stemedb serve --data-dir ${dir}`);
    const again = await run(["restore", "--from", targetDir, "--data-dir", dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("data_dir_not_empty");
  }, 30_000);

  test("restore --sth checks tree heads the operator holds, and warns about one it cannot reach", async () => {
    const dir = join(tmp.path, "with-sth");
    const r = await run([
      "restore",
      "--from",
      targetDir,
      "--data-dir",
      dir,
      "--sth",
      sthAtShipped,
      "--sth",
      sthLater,
    ]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toContain("one for exactly this size");
    expect(r.stdout).toContain(
      `warning:  ${sthLater} signs tree_size ${shippedSize + 5}; the restore ends at ${shippedSize}: 5 acknowledged`,
    );
    const forged = join(tmp.path, "forged.json");
    const sth = JSON.parse(readFileSync(sthLater, "utf8"));
    writeFileSync(forged, JSON.stringify({ ...sth, tree_size: 1 }));
    const bad = await run([
      "restore",
      "--from",
      targetDir,
      "--data-dir",
      join(tmp.path, "forged"),
      "--sth",
      forged,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("not a signed tree head whose signature verifies");
  }, 30_000);

  test("restore --dry-run --json prints the plan and places nothing", async () => {
    const dir = join(tmp.path, "dry");
    const r = await run([
      "restore",
      "--from",
      targetDir,
      "--data-dir",
      dir,
      "--until-seq",
      "50",
      "--dry-run",
      "--json",
    ]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const report = JSON.parse(r.stdout);
    expect(report.dry_run).toBe(true);
    expect(report.plan.snapshot).toBe(backup.prefix);
    expect(report.staged.tree_size).toBe(50);
    expect(await Bun.file(dir).exists()).toBe(false);
  });

  test("--until-seq and --until-time together are a usage error", async () => {
    const r = await run([
      "restore",
      "--from",
      targetDir,
      "--data-dir",
      "x",
      "--until-seq",
      "3",
      "--until-time",
      "2026-11-30T00:00:00Z",
    ]);
    expect(r.code).toBe(2);
  });

  test("dr-drill serves the restore and proves it consistent with the live server", async () => {
    const r = await run(["dr-drill", "--from", targetDir, "--source", server.url, "--json"]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(true);
    expect(report.consistency).toBe("verified");
    expect(report.restored.tree_size).toBe(shippedSize);
    expect(report.source.tree_size).toBe(server.engine.tree.size);
    expect(report.rpo.records).toBe(5);
    expect(report.rto_ms.total).toBeGreaterThan(0);
    // Recorded at the URL for the dashboard (GET /v1/backup's last_drill).
    expect(report.recorded).toMatch(new RegExp(`^${targetDir}/drills/\\d{8}T\\d{9}Z\\.json$`));
    const drill = await latestDrill(new DirTarget(targetDir));
    expect(drill).toMatchObject({ ok: true, restored_tree_size: shippedSize, rpo_records: 5 });
    expect(drill?.consistency).toBe("verified");
  }, 30_000);

  test("dr-drill fails against a source with another history", async () => {
    const other = await startServer(
      parseConfig({ dataDir: join(tmp.path, "other"), port: 0 }, {}),
      silentLogger,
    );
    try {
      await writeAssertions(other.engine, shippedSize + 3);
      const r = await run(["dr-drill", "--from", targetDir, "--source", other.url]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("FAIL: dr-drill");
      expect(r.stdout).toContain("consistency proof: failed");
      expect(r.stdout).toContain(`recorded: ${targetDir}/drills/`);
    } finally {
      await other.stop();
    }
  }, 30_000);
});

describe("what the URL holds, for the dashboard (issue 18)", () => {
  test("BackupListing: snapshots newest first and the last drill, cached for its ttl", async () => {
    let now = Date.parse("2026-12-01T00:00:00Z");
    const listing = new BackupListing({
      url: targetDir,
      open: async () => new DirTarget(targetDir),
      ttlMs: 60_000,
      now: () => now,
    });
    const first = await listing.overview();
    expect(first.error).toBeNull();
    expect(first.snapshot_count).toBe(1);
    expect(first.snapshots[0]).toMatchObject({
      prefix: backup.prefix,
      last_lsn: backup.last_lsn,
    });
    expect(first.snapshots[0]?.stored_bytes).toBeGreaterThan(0);
    // The drill above that failed ran last.
    expect(first.last_drill?.ok).toBe(false);
    expect(first.last_drill?.problems.length).toBeGreaterThan(0);

    const drill = await run(["dr-drill", "--from", targetDir, "--json"]);
    expect(drill.code).toBe(0);
    now += 30_000;
    expect((await listing.overview()).last_drill?.ok).toBe(false); // cached
    now += 31_000;
    expect((await listing.overview()).last_drill?.ok).toBe(true);
  }, 30_000);

  test("GET /v1/backup on a server watching the URL; {configured: false} without one", async () => {
    const watcher = await startServer(
      parseConfig(
        {
          dataDir: join(tmp.path, "watcher"),
          port: 0,
          archiveTo: targetDir,
          archiveShip: "false",
        },
        {},
      ),
      silentLogger,
    );
    try {
      const body = (await (await fetch(`${watcher.url}/v1/backup`)).json()) as {
        configured: boolean;
        snapshot_count: number;
        last_drill: { ok: boolean } | null;
      };
      expect(body).toMatchObject({ configured: true, snapshot_count: 1 });
      expect(body.last_drill?.ok).toBe(true);
    } finally {
      await watcher.stop();
    }
    expect(await (await fetch(`${server.url}/v1/backup`)).json()).toEqual({ configured: false });
  }, 30_000);
});
