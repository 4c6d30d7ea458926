/**
 * The server's archive rounds on their worker thread (archive-thread.ts,
 * SPEC §7): on a real engine and a real directory target,
 *
 * - shipping goes on while the main thread is busy: the main thread hands a
 *   round over, then spins on the CPU without yielding, and the target's
 *   directory gains the objects during the spin (in-process rounds could not
 *   ship before the spin ends, so this fails without the worker);
 * - a worker that dies shows in the status (last_error, failures,
 *   worker_restarts) and in the log, writes go on, and the next round runs on
 *   a new worker that catches up.
 */
import { expect, test } from "bun:test";
import { ArchiveThread } from "../../../src/backup/archive-thread.ts";
import { Archiver } from "../../../src/backup/archiver.ts";
import { segmentLogOf } from "../../../src/log/segment-log.ts";
import type { Logger } from "../../../src/logger.ts";
import { silentLogger } from "../../../src/logger.ts";
import { archivedThrough } from "../../helpers/archive-dir.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { json, openTestApp, type TestApp, testAgent } from "../http/http-test-helpers.ts";

const CRASH_ONCE = new URL("./crash-once-archive-worker.ts", import.meta.url).href;

async function write(t: TestApp, records: number): Promise<void> {
  const agent = testAgent();
  for (let done = 0; done < records; done += 250) {
    const batch = Array.from({ length: Math.min(250, records - done) }, (_, i) =>
      agent.sign({ value: done + i, concept: `acme/host-${done + i}/disk` }),
    );
    const r = await t.app.request("/v1/assert", json(batch));
    expect(r.status).toBe(200);
  }
}

function archiver(t: TestApp, dir: string, logger: Logger = silentLogger, entry?: string) {
  const rounds = new ArchiveThread({
    url: dir,
    config: { s3ForcePathStyle: false },
    env: {},
    logger,
    maxObjectBytes: 64 * 1024, // many objects, so progress is visible while they ship
    ...(entry === undefined ? {} : { entry }),
  });
  return new Archiver({
    rounds,
    ship: true,
    intervalMs: 1000,
    log: segmentLogOf(t.engine.log),
    logger,
    clock: { now: () => Date.now() },
  });
}

test("the worker ships while the main thread is busy", async () => {
  const t = await openTestApp();
  using out = tempDir();
  const a = archiver(t, out.path);
  try {
    await write(t, 10);
    await a.tick(); // the worker is up and has listed the target
    expect(a.status().archived_lsn).toBe(10);
    await write(t, 3000);
    const last = t.engine.log.lastLsn;
    const round = a.tick(); // hands the durable segment list to the worker, synchronously
    // Spin without yielding to the event loop (at most 60 s), watching the target's directory.
    const spinStart = performance.now();
    let seen = 0;
    let shippedDuringSpin = false;
    while (performance.now() - spinStart < 60_000) {
      seen = archivedThrough(out.path);
      if (seen >= last) {
        shippedDuringSpin = true;
        break;
      }
      for (const until = performance.now() + 5; performance.now() < until; ) {}
    }
    expect({ seen, shippedDuringSpin }).toEqual({ seen: last, shippedDuringSpin: true });
    await round;
    const s = a.status();
    expect(s).toMatchObject({ archived_lsn: last, backlog_records: 0, last_error: null });
    expect(s.shipped.records).toBe(last);
    expect(s.shipped.objects).toBeGreaterThan(3);
  } finally {
    await a.stop(0);
    await t.close();
  }
}, 90_000);

test("a dead worker shows in health and the log, writes go on, a new worker catches up", async () => {
  const t = await openTestApp();
  using out = tempDir();
  const errors: { msg: string; ctx: Record<string, unknown> | undefined }[] = [];
  const logger: Logger = { ...silentLogger, error: (msg, ctx) => errors.push({ msg, ctx }) };
  const a = archiver(t, out.path, logger, CRASH_ONCE);
  try {
    await write(t, 20);
    await a.tick(); // the first worker dies on this round
    const s = a.status();
    expect(s).toMatchObject({
      archived_lsn: null,
      backlog_records: 20,
      consecutive_failures: 1,
      worker_restarts: 1,
    });
    expect(s.last_error).toContain("archive worker failed");
    expect(s.last_error).toContain("injected archive worker crash");
    expect(errors.map((e) => e.msg)).toEqual([s.last_error as string]);

    await write(t, 20); // writes never waited for the archiver
    await a.tick(); // a new worker
    expect(a.status()).toMatchObject({
      archived_lsn: 40,
      backlog_records: 0,
      consecutive_failures: 0,
      last_error: null,
      worker_restarts: 1,
    });
    expect(archivedThrough(out.path)).toBe(40);
  } finally {
    await a.stop(0);
    await t.close();
  }
}, 60_000);
