/**
 * Finishes what the apply path starts (SPEC §12): once a redaction is applied
 * (its target's row securely deleted in the apply transaction), the bytes are
 * still in two places on this node — the SQLite WAL (frames of the pages as
 * they were) and the segment log (the target's frame). `scrub()` removes both
 * for every redaction marked unscrubbed:
 *
 *   1. the segment holding the frame is sealed if it is the open one, then
 *      rewritten with the frame replaced by its stub (`rewriteWithStub`);
 *   2. `PRAGMA wal_checkpoint(TRUNCATE)` copies the scrubbed pages into the
 *      database file and cuts the WAL to zero bytes (retried while a reader
 *      thread or the checkpoint worker holds it);
 *   3. a state written before `secure_delete` was always on (migration
 *      0006) is VACUUMed once, since free space may keep older copies;
 *   4. the redactions are marked scrubbed.
 *
 * The API answers a redaction only after `scrub()` (ingest calls it), and the
 * server runs it at start, so a crash at any step is finished by the next
 * start. Calls are serialized.
 *
 * Cluster mode has no segment log: step 1 is the stream's (`eraseRedacted`,
 * src/cluster): the target's message is erased from the JetStream stream,
 * its stub kept for nodes that read the stream later. Every node runs it
 * after applying a redaction (the first erases; the others find it gone).
 */
import { rmSync } from "node:fs";
import { StemeError } from "../errors.ts";
import type { EngineLog } from "../log/engine-log.ts";
import type { SegmentLog } from "../log/segment-log.ts";
import type { Logger } from "../logger.ts";
import type { State } from "../store/state.ts";
import { findAssertionFrame, type RewriteHooks, rewriteWithStub } from "./rewrite-segment.ts";

export interface ScrubberDeps {
  state: State;
  /** The node's segment log; undefined in cluster mode. */
  log: SegmentLog | undefined;
  /** Cluster mode: the stream that erases a redacted assertion's message. */
  stream?: Required<Pick<EngineLog, "eraseRedacted">> | undefined;
  logger: Logger;
  hooks?: RewriteHooks & {
    /** After the WAL checkpoint, before the redactions are marked scrubbed. */
    afterCheckpoint?(): void;
  };
}

export interface ScrubReport {
  redactions: number;
  /** Frames replaced by stubs in this run. */
  framesRewritten: number;
  /** Stream messages erased in this run (cluster mode). */
  messagesErased: number;
  logMillis: number;
  checkpointMillis: number;
  /** The one-time VACUUM of a state written before secure_delete was always on; 0 when none ran. */
  vacuumMillis: number;
}

const CHECKPOINT_TRIES = 100;
const CHECKPOINT_PAUSE_MS = 20;

export class RedactionScrubber {
  readonly #deps: ScrubberDeps;
  #running: Promise<ScrubReport> = Promise.resolve(emptyReport());

  constructor(deps: ScrubberDeps) {
    this.#deps = deps;
  }

  /** Scrubs the log and the WAL of every applied redaction not yet scrubbed. */
  scrub(): Promise<ScrubReport> {
    const next = this.#running.then(
      () => this.#scrub(),
      () => this.#scrub(),
    );
    this.#running = next;
    return next;
  }

  async #scrub(): Promise<ScrubReport> {
    const { state, log, stream, logger, hooks } = this.#deps;
    const pending = state.redacted.unscrubbed();
    const report = emptyReport();
    if (pending.length === 0) return report;
    report.redactions = pending.length;
    const t0 = performance.now();
    if (log !== undefined) {
      for (const entry of pending) {
        const found = findAssertionFrame(log.segmentList(), entry.id, entry.seq);
        if (found === undefined || found.stubbed) continue;
        if (found.segment.number === lastSegmentNumber(log)) {
          await log.seal();
          delete found.bytes; // read again: the open segment grew until it was sealed
        }
        rmSync(`${found.segment.path}.redact.tmp`, { force: true });
        rewriteWithStub(found, hooks);
        report.framesRewritten++;
      }
    }
    if (stream !== undefined) {
      const applied = { lsn: state.meta.get("last_lsn"), treeSize: state.meta.get("tree_size") };
      for (const entry of pending) {
        if (await stream.eraseRedacted(entry, applied)) report.messagesErased++;
      }
    }
    const t1 = performance.now();
    await truncateWal(state);
    if (state.meta.get("free_space_dirty") === 1) {
      // A state written before secure_delete was always on (migration 0006)
      // may keep old cells of the target in free space: rebuilt once, whole.
      const v0 = performance.now();
      state.db.run("VACUUM");
      state.meta.set("free_space_dirty", 0);
      await truncateWal(state);
      report.vacuumMillis = performance.now() - v0;
    }
    hooks?.afterCheckpoint?.();
    state.transaction(() => {
      for (const entry of pending) state.redacted.markScrubbed(entry.seq);
    });
    report.logMillis = t1 - t0;
    report.checkpointMillis = performance.now() - t1;
    logger.info("redactions scrubbed from the log and the SQLite WAL", { ...report });
    return report;
  }
}

function lastSegmentNumber(log: SegmentLog): number {
  const list = log.segmentList();
  return list[list.length - 1]?.number ?? 0;
}

/** `wal_checkpoint(TRUNCATE)` until it completes: afterwards no WAL page holds the old bytes. */
async function truncateWal(state: State): Promise<void> {
  for (let i = 0; i < CHECKPOINT_TRIES; i++) {
    const row = state.db.query("PRAGMA wal_checkpoint(TRUNCATE)").values()[0] as
      | number[]
      | undefined;
    if (row?.[0] === 0) return;
    await Bun.sleep(CHECKPOINT_PAUSE_MS); // a reader or the checkpoint worker holds the WAL
  }
  throw new StemeError(
    "storage_unavailable",
    "the SQLite WAL could not be truncated (readers held it); the scrub runs again with the next redaction or start",
  );
}

const emptyReport = (): ScrubReport => ({
  redactions: 0,
  framesRewritten: 0,
  messagesErased: 0,
  logMillis: 0,
  checkpointMillis: 0,
  vacuumMillis: 0,
});
