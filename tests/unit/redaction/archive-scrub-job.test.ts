/**
 * The server's archive scrub job (SPEC §12): a redaction of a target the
 * archive shipped before is pending in health (`redactions.archive_backlog`)
 * and `/metrics` until a pass replaces the object; then 0, and no
 * decompressed object at the URL holds the target's marker.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ArchiveShipper } from "../../../src/backup/archive-shipper.ts";
import { readDataDirHistory } from "../../../src/backup/data-dir-history.ts";
import { DirTarget } from "../../../src/backup/dir-target.ts";
import { decodeObject } from "../../../src/backup/object-codec.ts";
import { dataDirWalSource } from "../../../src/backup/wal-source.ts";
import { createApp } from "../../../src/http/app.ts";
import { silentLogger } from "../../../src/logger.ts";
import { ArchiveScrubJob } from "../../../src/redaction/archive-scrub-job.ts";
import { prepare, testAgent } from "../../helpers/agents.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { ADMIN_TOKEN, openTestApp } from "../http/http-test-helpers.ts";

function holding(dir: string, needle: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const raw = readFileSync(path);
        const plain = name.endsWith(".zst") ? Buffer.from(decodeObject(path, raw)) : raw;
        if (plain.includes(Buffer.from(needle))) found.push(path);
      }
    }
  };
  walk(dir);
  return found;
}

test("archive_backlog counts a redaction until the URL is scrubbed", async () => {
  using out = tempDir();
  const t = await openTestApp({ archiveTo: out.path });
  const target = new DirTarget(out.path);
  const job = new ArchiveScrubJob({
    state: t.engine.state,
    open: async () => target,
    logger: silentLogger,
    intervalMs: 3_600_000,
  });
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
    const marker = `MARKER-${crypto.randomUUID()}`;
    const operator = testAgent(98);
    await t.engine.updateAgent({ agent: operator.key, role: "operator" });
    const r = await t.engine.ingest([
      prepare(testAgent(99).sign({ concept: "acme/x", predicate: "note", value: marker })),
    ]);
    const targetId = (r.outcomes[0] as { id: string }).id;
    const ship = () =>
      new ArchiveShipper({
        target,
        source: dataDirWalSource(t.dir),
        history: readDataDirHistory(t.dir),
      }).ship();
    await ship();
    expect(holding(out.path, marker).length).toBe(1);
    expect(await backlog()).toBe(0);
    await t.engine.ingest([
      prepare(
        operator.sign({
          concept: "_stemedb/redactions",
          predicate: "redacts",
          value: { target: targetId, reason: "leaked_secret" },
        }),
      ),
    ]);
    await t.engine.redactions.scrub();
    await ship();
    expect(await backlog()).toBe(1);
    const metrics = await (await app.request("/metrics")).text();
    expect(metrics).toContain("stemedb_redaction_archive_backlog 1");
    await job.run();
    expect(await backlog()).toBe(0);
    expect(await (await app.request("/metrics")).text()).toContain(
      "stemedb_redaction_archive_backlog 0",
    );
    expect(holding(out.path, marker)).toEqual([]);
  } finally {
    await job.stop();
    await t.close();
  }
});
