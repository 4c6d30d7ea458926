/**
 * The server's background scrub of the archive URL (SPEC §12): while a
 * redaction this process has not confirmed is known — in the state (redacted
 * here) or in the URL's ledger — it runs `scrubArchive` over the URL, then
 * counts those redactions done. Its backlog is health's
 * `redactions.archive_backlog` and `/metrics`' `stemedb_redaction_archive_backlog`.
 * A redaction is confirmed by a pass that finds nothing left to replace (so
 * the pass after the one that scrubbed, which reads only what was shipped
 * since, catches an upload that was in flight). Confirmations live in memory
 * and in the URL (scrub-confirmation.ts): after a start every redaction is
 * pending again until a pass confirms it, but that pass reads only the archive
 * objects and snapshots the URL's confirmation does not cover (what was
 * shipped since), unless a redaction is new to it.
 * Each pass writes the state's redactions to the ledger first, then replaces
 * archive objects (archive-scrub.ts) and rebuilds snapshots (snapshot-scrub.ts)
 * holding a pending target; a redaction new to the URL also removes, on a
 * bucket that keeps versions, the versions of archive objects and snapshots
 * deleted before (`purgeDeleted`). While every redaction is confirmed, a pass every
 * minute reads the snapshots taken since (only those): a cluster node that had
 * not applied a redaction yet may back up its row after the scrub.
 *
 * Runs on every server given `--archive-to`: one that ships, one that leaves
 * shipping to `stemedb archive-wal` (`--archive-ship false`), and cluster
 * nodes, whose URL holds the snapshots `stemedb backup` writes. Nodes that
 * share a URL through a cluster take turns (`turn`, a lease in the stream):
 * one scrubs; the others read the URL's confirmation every 5 s and count a redaction done once it lists it as
 * confirmed, so `stemedb redact --wait` works against any node.
 */

import { ARCHIVE_PREFIX, SNAPSHOTS_PREFIX } from "../backup/backup-layout.ts";
import type { BackupTarget } from "../backup/backup-target.ts";
import { toHex } from "../hex.ts";
import type { Logger } from "../logger.ts";
import type { NativeSigner } from "../protocol/native-ed25519.ts";
import type { State } from "../store/state.ts";
import { type ArchiveScrubReport, scrubArchive } from "./archive-scrub.ts";
import {
  type LedgerEntry,
  readLedger,
  redactionsInState,
  writeLedger,
} from "./redaction-ledger.ts";
import {
  readScrubConfirmation,
  type ScrubConfirmation,
  writeScrubConfirmation,
} from "./scrub-confirmation.ts";
import { scrubSnapshots } from "./snapshot-scrub.ts";

export interface ArchiveScrubJobOptions {
  state: State;
  open: () => Promise<BackupTarget>;
  logger: Logger;
  intervalMs: number;
  /** This server's key, to sign rebuilt snapshots; without it snapshots are not rebuilt. */
  signer?: NativeSigner;
  /**
   * Whether this pass is this node's to run (cluster mode: one node of those
   * sharing the URL scrubs; `EngineLog.takeTurn`). Without it every pass is.
   */
  turn?: () => Promise<boolean>;
  /** How often a node that is not scrubbing reads the URL's confirmation while it waits (default 5 s). */
  observeIntervalMs?: number;
  /** How often snapshots taken since the last confirmation are read while nothing is pending (default 1 min). */
  recheckIntervalMs?: number;
}

/** How long a cluster node holds its turn to scrub the URL (renewed at every pass). */
export const SCRUB_TURN_MS = 60_000;

const NOTHING_REPLACED: Omit<ArchiveScrubReport, "checked"> = {
  objects: 0,
  replaced: 0,
  frames: 0,
  leftovers: 0,
  skipped: 0,
  versions: 0,
};

export class ArchiveScrubJob {
  readonly #o: ArchiveScrubJobOptions;
  readonly #confirmed = new Set<string>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<void> | undefined;
  #ledgerPending = 0;
  #target: Promise<BackupTarget> | undefined;
  /** The URL's newest scrub confirmation (null: none), read at the first pass that needs it. */
  #stored: ScrubConfirmation | null | undefined;
  /** When snapshots are next read while nothing is pending; when a waiting node next reads the confirmation. */
  #recheckAt = 0;
  /** The URL's ledger as last listed (key → checked entry), and when it is next listed. */
  readonly #ledger = new Map<string, LedgerEntry>();
  #ledgerAt = 0;
  #observeAt = 0;

  constructor(options: ArchiveScrubJobOptions) {
    this.#o = options;
  }

  /** Redactions whose archive objects may still hold the target's bytes. */
  backlog(): number {
    return this.#localPending().size + this.#ledgerPending;
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.run(), this.#o.intervalMs);
    void this.run();
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One pass (joins the one running); never rejects: a failure is logged and retried next tick. */
  run(): Promise<void> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Redacted here and not confirmed yet: target id (hex) → reason. */
  #localPending(): Map<string, string> {
    const out = this.#redactedHere();
    for (const id of this.#confirmed) out.delete(id);
    return out;
  }

  /** Every redaction applied here: target id (hex) → reason. */
  #redactedHere(): Map<string, string> {
    const { state } = this.#o;
    const out = new Map<string, string>();
    if (state.redacted.size === 0) return out;
    const rows = state.db
      .query<{ id: Uint8Array; reason: string | null }, []>("SELECT id, reason FROM redacted")
      .all();
    for (const row of rows) out.set(toHex(row.id), row.reason ?? "");
    return out;
  }

  async #pass(): Promise<void> {
    try {
      this.#target ??= this.#o.open();
      const target = await this.#target.catch((e) => {
        this.#target = undefined; // opened again next tick
        throw e;
      });
      const local = this.#redactedHere();
      if (this.#o.turn !== undefined && !(await this.#o.turn())) {
        await this.#observe(target, local);
        return;
      }
      const localPending = [...local.keys()].some((id) => !this.#confirmed.has(id));
      if (localPending) {
        // The ledger holds every redaction before any object is scrubbed of it (a restore needs it).
        await writeLedger(target, redactionsInState(this.#o.state.db));
      }
      // Every redaction known (here, or checked in the ledger), and those not confirmed yet.
      const known = new Map(local);
      // The ledger is listed each pass while a redaction here is pending, else once a
      // recheck interval (a redaction only another history made); objects read once.
      if (localPending || performance.now() >= this.#ledgerAt) {
        this.#ledgerAt = performance.now() + (this.#o.recheckIntervalMs ?? 60_000);
        await readLedger(target, this.#ledger);
      }
      for (const e of this.#ledger.values())
        if (!known.has(e.target)) known.set(e.target, e.reason);
      const pending = [...known.keys()].filter((id) => !this.#confirmed.has(id));
      this.#ledgerPending = pending.filter((id) => !local.has(id)).length;
      if (pending.length === 0) {
        if (known.size > 0 && performance.now() >= this.#recheckAt) {
          this.#recheckAt = performance.now() + (this.#o.recheckIntervalMs ?? 60_000);
          await this.#scrub(target, known, pending, { snapshotsOnly: true });
        }
        return;
      }
      await this.#scrub(target, known, pending);
      this.#ledgerPending = pending.filter(
        (id) => !local.has(id) && !this.#confirmed.has(id),
      ).length;
    } catch (e) {
      this.#o.logger.warn("archive URL scrub failed; retried at the next tick", {
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }

  /**
   * Another node scrubs the URL: this one learns from the URL's newest
   * confirmation which of its redactions that node confirmed (read every
   * `observeIntervalMs` while one is pending here).
   */
  async #observe(target: BackupTarget, local: ReadonlyMap<string, string>): Promise<void> {
    this.#ledgerPending = 0;
    this.#stored = undefined; // the scrubbing node writes newer ones: read afresh on a turn
    if (![...local.keys()].some((id) => !this.#confirmed.has(id))) return;
    if (performance.now() < this.#observeAt) return;
    this.#observeAt = performance.now() + (this.#o.observeIntervalMs ?? 5_000);
    const stored = await readScrubConfirmation(target);
    for (const id of stored?.confirmed ?? []) if (local.has(id)) this.#confirmed.add(id);
  }

  /**
   * Scrubs the URL of every known redaction. Objects the URL's confirmation
   * already covers are not read when it names every pending target (a restart:
   * only what was shipped since is read); a target it does not name makes the
   * pass read everything. Then a new confirmation is written. The confirmation
   * only ever saves reads: the targets applied are the verified ones (`known`:
   * the state's and the checked ledger's), never the confirmation's.
   */
  async #scrub(
    target: BackupTarget,
    known: ReadonlyMap<string, string>,
    pending: readonly string[],
    { snapshotsOnly = false } = {},
  ): Promise<void> {
    this.#stored ??= (await readScrubConfirmation(target)) ?? null;
    const before = this.#stored ?? undefined;
    const named = new Set(before?.targets ?? []);
    const incremental = before !== undefined && pending.every((id) => named.has(id));
    // Every target confirmed and named: the archive objects stay as the last pass left them.
    if (snapshotsOnly && !(incremental && known.size === named.size && this.#o.signer)) return;
    const started = performance.now();
    const report =
      snapshotsOnly && before !== undefined
        ? { ...NOTHING_REPLACED, checked: before.archive }
        : await scrubArchive(target, new Set(known.keys()), {
            checked: incremental ? before.archive : {},
          });
    const archived = performance.now();
    const snapshots =
      this.#o.signer === undefined
        ? undefined
        : await scrubSnapshots(target, {
            targets: known,
            signer: this.#o.signer,
            checked: new Set(incremental ? before.snapshots : []),
          });
    // A redaction new to the URL: on a bucket that keeps versions, objects deleted before
    // (by prune, before this pass could scrub them) leave versions behind a delete marker.
    // Before the confirmation is written, so a failure makes the next pass do it again.
    let deletedVersions = 0;
    if (!incremental && !snapshotsOnly && target.purgeDeleted !== undefined) {
      for (const prefix of [ARCHIVE_PREFIX, SNAPSHOTS_PREFIX]) {
        deletedVersions += (await target.purgeDeleted(prefix)).versions;
      }
    }
    // Confirmed by a pass that found nothing left to replace: an upload read from the log before
    // its scrub and still in flight during this pass lands past the watermark, read by the next.
    const clean = report.replaced + report.leftovers + (snapshots?.rebuilt.length ?? 0) === 0;
    if (clean) for (const id of known.keys()) this.#confirmed.add(id);
    const next: ScrubConfirmation = {
      targets: [...known.keys()].sort(),
      confirmed: [...known.keys()].filter((id) => this.#confirmed.has(id)).sort(),
      archive: report.checked,
      snapshots: snapshots?.clean ?? [],
      at: Date.now(),
    };
    const changed =
      before === undefined ||
      JSON.stringify([before.targets, before.confirmed, before.archive, before.snapshots]) !==
        JSON.stringify([next.targets, next.confirmed, next.archive, next.snapshots]);
    if (changed) {
      await writeScrubConfirmation(target, next);
      this.#stored = next;
    }
    if (snapshotsOnly && snapshots?.rebuilt.length === 0) return; // nothing new: no log line a minute
    this.#o.logger.info("archive URL scrubbed of redacted assertions", {
      redactions: known.size,
      incremental,
      ...report,
      snapshots_rebuilt: snapshots?.rebuilt.length ?? 0,
      snapshots_skipped: snapshots?.skipped ?? 0,
      deleted_objects_versions: deletedVersions,
      archive_ms: Math.round(archived - started),
      snapshots_ms: Math.round(performance.now() - archived),
    });
  }
}
