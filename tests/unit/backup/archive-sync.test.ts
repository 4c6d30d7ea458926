/**
 * `archiveSync` (SPEC §7, §11: RPO 0 as an option): a write is answered only
 * once the archive holds it. In-process through `app.request()` on a real
 * engine and a real directory target, with rounds on the real archive worker
 * and an interval of an hour, so only the writes themselves start rounds:
 *
 * - the 200 arrives with the records already in the target's directory;
 * - an unreachable target answers 503 `archive_unavailable` after the sync
 *   timeout, the record stays stored, and the same write retried once the
 *   target is back is answered (a duplicate) with the archive holding it;
 * - `--archive-sync` without a shipping `--archive-to` is refused at start.
 */
import { expect, test } from "bun:test";
import { ShipperRounds } from "../../../src/backup/archive-rounds.ts";
import { ArchiveThread } from "../../../src/backup/archive-thread.ts";
import { Archiver } from "../../../src/backup/archiver.ts";
import { serverArchiver } from "../../../src/backup/server-archiver.ts";
import { parseConfig } from "../../../src/config.ts";
import { isStemeError } from "../../../src/errors.ts";
import { createApp } from "../../../src/http/app.ts";
import { segmentLogOf } from "../../../src/log/segment-log.ts";
import { silentLogger } from "../../../src/logger.ts";
import { archivedThrough, switchableTarget } from "../../helpers/archive-dir.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import {
  ADMIN_TOKEN,
  json,
  openTestApp,
  type TestApp,
  testAgent,
} from "../http/http-test-helpers.ts";

const HOUR = 3_600_000;

function syncApp(t: TestApp, archiver: Archiver) {
  return createApp({
    engine: t.engine,
    config: t.config,
    logger: silentLogger,
    adminToken: ADMIN_TOKEN,
    archive: archiver,
  });
}

test("a write is answered once the archive holds it", async () => {
  using out = tempDir();
  const t = await openTestApp({ archiveTo: out.path, archiveSync: true });
  const archiver = new Archiver({
    rounds: new ArchiveThread({
      url: out.path,
      config: { s3ForcePathStyle: false },
      env: {},
      logger: silentLogger,
    }),
    ship: true,
    intervalMs: HOUR,
    log: segmentLogOf(t.engine.log),
    logger: silentLogger,
    clock: { now: () => Date.now() },
  });
  const app = syncApp(t, archiver);
  try {
    const agent = testAgent();
    for (let i = 0; i < 5; i++) {
      const r = await app.request("/v1/assert", json([agent.sign({ value: i })]));
      expect(r.status).toBe(200);
      // No waiting here: the answer itself means the archive holds the record.
      expect(archivedThrough(out.path)).toBe(t.engine.log.lastLsn);
    }
    // Concurrent writes share rounds and are all answered archived.
    const many = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        app.request("/v1/assert", json([agent.sign({ value: 100 + i })])),
      ),
    );
    expect(many.map((r) => r.status)).toEqual(many.map(() => 200));
    expect(archivedThrough(out.path)).toBe(t.engine.log.lastLsn);
    expect(t.engine.log.lastLsn).toBe(25);
    expect(archiver.status().shipped.objects).toBeLessThan(25);
  } finally {
    await archiver.stop(0);
    await t.close();
  }
}, 30_000);

test("an unreachable archive: 503 archive_unavailable, the write is stored; retried later it is answered", async () => {
  using out = tempDir();
  const t = await openTestApp({ archiveTo: out.path, archiveSync: true });
  const target = switchableTarget(out.path);
  const archiver = new Archiver({
    rounds: new ShipperRounds({ target }),
    ship: true,
    intervalMs: 50,
    log: segmentLogOf(t.engine.log),
    logger: silentLogger,
    clock: { now: () => Date.now() },
    syncTimeoutMs: 300,
  });
  const app = syncApp(t, archiver);
  try {
    const agent = testAgent();
    const assertion = agent.sign({ value: "kept" });
    const refused = await app.request("/v1/assert", json([assertion]));
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).not.toBeNull();
    const problem = (await refused.json()) as { code: string; detail: string };
    expect(problem.code).toBe("archive_unavailable");
    expect(problem.detail).toContain("ECONNREFUSED");
    expect(t.engine.log.lastLsn).toBe(1); // stored locally all the same
    expect(archivedThrough(out.path)).toBe(0);

    target.down = false;
    const retried = await app.request("/v1/assert", json([assertion]));
    expect(retried.status).toBe(200);
    const body = (await retried.json()) as { results: { status: string }[] };
    expect(body.results.map((r) => r.status)).toEqual(["duplicate"]);
    expect(archivedThrough(out.path)).toBe(1);
  } finally {
    await archiver.stop(0);
    await t.close();
  }
}, 30_000);

test("--archive-sync without a shipping --archive-to is refused at start", async () => {
  const t = await openTestApp();
  try {
    for (const flags of [
      { archiveSync: true },
      { archiveSync: true, archiveTo: "/tmp/x", archiveShip: false },
    ]) {
      const config = parseConfig({ dataDir: t.dir, ...flags });
      let err: unknown;
      try {
        serverArchiver(config, t.engine, silentLogger);
      } catch (e) {
        err = e;
      }
      expect(isStemeError(err, "config_invalid")).toBe(true);
    }
  } finally {
    await t.close();
  }
});
