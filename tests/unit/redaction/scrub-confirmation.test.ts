/**
 * Durable scrub confirmations (SPEC §12, scrub-confirmation.ts): a server that
 * restarts does not download the archive objects and snapshots it already
 * confirmed clean. Counted on the target's reads: after a first pass, a new
 * job (a restart) on the same state reads no archive object and no snapshot;
 * after one more shipped run, only that object; a new redaction makes the
 * pass read everything again, and the URL ends clean of both markers.
 */
import { expect, test } from "bun:test";
import type { BackupTarget } from "../../../src/backup/backup-target.ts";
import { DirTarget } from "../../../src/backup/dir-target.ts";
import { takeBackup } from "../../../src/backup/take-backup.ts";
import { readScrubConfirmation, SCRUBS_PREFIX } from "../../../src/redaction/scrub-confirmation.ts";
import { prepare, testAgent } from "../../helpers/agents.ts";
import { objectsHolding } from "../../helpers/byte-search.ts";
import { scrubJobFor } from "../../helpers/redact-engine.ts";
import { shipDataDir } from "../../helpers/ship-data-dir.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { openTestApp } from "../http/http-test-helpers.ts";

/** The directory target, with every object read (get or getChunks) recorded. */
function counting(inner: DirTarget, reads: string[]): BackupTarget {
  return {
    url: inner.url,
    put: (k, b) => inner.put(k, b),
    putChunks: (k, c) => inner.putChunks(k, c),
    get: (k) => {
      reads.push(k);
      return inner.get(k);
    },
    getChunks: (k) => {
      reads.push(k);
      return inner.getChunks(k);
    },
    list: (p, s) => inner.list(p, s),
    delete: (k) => inner.delete(k),
    purge: (k) => inner.purge(k),
  };
}

const dataReads = (reads: readonly string[]) =>
  reads.filter((k) => k.startsWith("archive/") || k.startsWith("snapshots/"));

test("a restarted scrub job reads only what its URL's confirmation does not cover", async () => {
  using out = tempDir();
  const t = await openTestApp({ archiveTo: out.path });
  const dir = new DirTarget(out.path);
  const reads: string[] = [];
  const target = counting(dir, reads);
  const job = () => scrubJobFor(t, target);
  const ship = () => shipDataDir(dir, t.dir);
  const operator = testAgent(98);
  const writer = testAgent(99);
  const write = async (value: string) => {
    const r = await t.engine.ingest([
      prepare(writer.sign({ concept: "acme/x", predicate: "note", value })),
    ]);
    return (r.outcomes[0] as { id: string }).id;
  };
  const redact = async (id: string) => {
    await t.engine.ingest([
      prepare(
        operator.sign({
          concept: "_stemedb/redactions",
          predicate: "redacts",
          value: { target: id, reason: "personal_data" },
        }),
      ),
    ]);
    await t.engine.redactions.scrub();
    await ship();
  };
  try {
    await t.engine.updateAgent({ agent: operator.key, role: "operator" });
    const marker1 = `MARKER-${crypto.randomUUID()}`;
    const first = await write(marker1);
    await ship();
    await takeBackup({ dataDir: t.dir, target: dir, version: "t" });
    for (let i = 0; i < 3; i++) {
      await write(`filler ${i}`);
      await ship();
    }
    await redact(first);
    const archived = (await dir.list("archive/")).length;
    expect(archived).toBeGreaterThanOrEqual(5);

    // The first pass reads every archive object and the snapshot, and confirms them.
    const j1 = job();
    await j1.run();
    expect(j1.backlog()).toBe(1); // scrubbed; confirmed by a pass that finds nothing left
    await j1.run();
    expect(j1.backlog()).toBe(0);
    expect(objectsHolding(out.path, marker1)).toEqual([]);
    const firstReads = dataReads(reads);
    expect(firstReads.filter((k) => k.startsWith("archive/")).length).toBe(archived);
    expect(firstReads.some((k) => k.startsWith("snapshots/"))).toBe(true);
    const confirmed = await readScrubConfirmation(dir);
    expect(confirmed?.targets).toEqual([first]);
    expect(confirmed?.snapshots.length).toBe(1);
    // Confirmed: the passes that follow (one a second on a server) fetch nothing, not even
    // the ledger's objects, which were checked once.
    reads.length = 0;
    for (let i = 0; i < 3; i++) await j1.run();
    expect(reads).toEqual([]);
    await j1.stop();

    // A restart: the same redaction is pending in memory, but nothing is downloaded again.
    reads.length = 0;
    const j2 = job();
    expect(j2.backlog()).toBe(1);
    await j2.run();
    expect(j2.backlog()).toBe(0);
    expect(dataReads(reads)).toEqual([]);
    await j2.stop();

    // One more shipped run: the next restart reads that object only.
    await write("after the confirmation");
    await ship();
    const newest = (await dir.list("archive/")).at(-1)?.key;
    reads.length = 0;
    const j3 = job();
    await j3.run();
    expect(dataReads(reads)).toEqual([newest as string]);
    expect((await dir.list(SCRUBS_PREFIX)).length).toBe(1); // older confirmations deleted

    // A new redaction: every object is read again, for every target.
    const marker2 = `MARKER-${crypto.randomUUID()}`;
    const second = await write(marker2);
    await ship();
    await redact(second);
    reads.length = 0;
    await j3.run();
    expect(j3.backlog()).toBe(1);
    await j3.run();
    expect(j3.backlog()).toBe(0);
    expect(dataReads(reads).filter((k) => k.startsWith("archive/")).length).toBe(
      (await dir.list("archive/")).length,
    );
    expect(objectsHolding(out.path, marker1)).toEqual([]);
    expect(objectsHolding(out.path, marker2)).toEqual([]);
    expect((await readScrubConfirmation(dir))?.targets).toEqual([first, second].sort());
    await j3.stop();
  } finally {
    await t.close();
  }
});
