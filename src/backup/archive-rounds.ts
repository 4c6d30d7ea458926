/**
 * One archive round (SPEC §7 continuous archival): ship what is durable and not
 * yet archived (or, in watch mode, only re-read the target's listing), and when
 * asked, look up the newest complete backup snapshot. `Archiver` (archiver.ts)
 * decides when rounds run and keeps the figures; an `ArchiveRounds` runs them:
 *
 * - `ShipperRounds` here, on the calling thread: what the archive worker runs
 *   (archive-worker.ts), and what tests drive with injected targets;
 * - `ArchiveThread` (archive-thread.ts): the server's, which hands every round
 *   to that worker so reading segments, zstd, BLAKE3 and uploads never take
 *   the event loop from ingest.
 *
 * A round never throws: a failure comes back as `ok: false` with its message,
 * and the archived LSN stays what the last successful listing showed.
 *
 * SPEC §7 ("a new URL reports itself restorable only once a snapshot is in
 * it"): with `firstSnapshot`, a ship round on a URL that holds no snapshot of
 * the server's history (or its parents' before the branch) first takes one
 * (take-backup.ts, beside the live server as `stemedb backup` does); and the
 * backup check also asks whether the URL can be restored from (restorable.ts).
 */
import type { LogSegment } from "../log/segment-log-config.ts";
import { ArchiveShipper } from "./archive-shipper.ts";
import { completeSnapshots, newestSnapshot } from "./backup-catalog.ts";
import type { BackupTarget } from "./backup-target.ts";
import { ensureFirstSnapshot } from "./first-snapshot.ts";
import type { HistoryRecord } from "./history.ts";
import { restorableThrough } from "./restorable.ts";

export interface RoundRequest {
  /** ship: ship every durable record not yet archived; refresh: only follow the listing. */
  kind: "ship" | "refresh";
  /** The log's segments now, each lastLsn its last durable record (SegmentLog.segmentList()). */
  segments: LogSegment[];
  /** Also look up the newest complete backup snapshot. */
  checkBackup: boolean;
}

export interface RoundResult {
  ok: boolean;
  /** What failed, when !ok. */
  error?: string;
  /** Every local LSN up to this is archived; undefined until a listing succeeded. */
  archivedLsn: number | undefined;
  /** What this round shipped. */
  shipped: { objects: number; records: number; bytes: number };
  /** created_at (ms) of the newest complete snapshot, null for none; absent when not looked up or the look-up failed. */
  backupLastMs?: number | null;
  /** The last LSN a restore from the URL reaches, null when it cannot be restored; absent when not looked up. */
  restorableLsn?: number | null;
  /** A first snapshot was taken this round (its prefix). */
  snapshotTaken?: string;
}

export interface ShipperRoundsOptions {
  target: BackupTarget;
  maxObjectBytes?: number;
  /** The data dir's history (the root when not given). */
  history?: HistoryRecord;
  /** Take a first snapshot of this data dir when the URL has none of its history. */
  firstSnapshot?: { dataDir: string; version: string };
}

export interface ArchiveRounds {
  /** The target's URL, for reports. */
  readonly url: string;
  /** Times the thread running the rounds died and was replaced (0 in-process). */
  readonly restarts: number;
  /** Runs one round; never rejects. Rounds run one at a time, in call order. */
  run(request: RoundRequest): Promise<RoundResult>;
  /** Releases the thread, if any; a round still running resolves as failed. */
  close(): Promise<void>;
}

export const noShipment = () => ({ objects: 0, records: 0, bytes: 0 });

export const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Rounds on the calling thread, over one ArchiveShipper whose source is each round's segment list. */
export class ShipperRounds implements ArchiveRounds {
  readonly url: string;
  readonly restarts = 0;
  readonly #shipper: ArchiveShipper;
  readonly #target: BackupTarget;
  readonly #first: ShipperRoundsOptions["firstSnapshot"];
  /** A snapshot of the lineage is known to be in the URL. */
  #based = false;
  /** The last restorable check said yes. */
  #restorable = false;
  #segments: LogSegment[] = [];

  constructor(options: ShipperRoundsOptions) {
    this.#target = options.target;
    this.url = options.target.url;
    this.#first = options.firstSnapshot;
    this.#shipper = new ArchiveShipper({
      target: options.target,
      source: { segments: () => this.#segments },
      ...(options.maxObjectBytes === undefined ? {} : { maxObjectBytes: options.maxObjectBytes }),
      ...(options.history === undefined ? {} : { history: options.history }),
    });
  }

  /** SPEC §7: a URL with no snapshot of this history gets one before anything else is shipped. */
  async #ensureSnapshot(result: RoundResult): Promise<void> {
    if (this.#first === undefined || this.#based) return;
    const taken = await ensureFirstSnapshot(this.#target, this.#shipper.history, this.#first);
    if (taken !== undefined) result.snapshotTaken = taken;
    this.#based = true;
  }

  async run(request: RoundRequest): Promise<RoundResult> {
    this.#segments = request.segments;
    const result: RoundResult = { ok: true, archivedLsn: undefined, shipped: noShipment() };
    try {
      if (request.kind === "ship") {
        await this.#ensureSnapshot(result);
        const r = await this.#shipper.ship();
        result.shipped = { objects: r.objects, records: r.records, bytes: r.storedBytes };
      } else {
        await this.#shipper.refresh();
      }
    } catch (e) {
      result.ok = false;
      result.error = errorText(e);
    }
    result.archivedLsn = this.#shipper.archivedLsn;
    // Until the URL is restorable, every round that shipped asks again (not only every backupCheckMs).
    const shipped = result.shipped.objects > 0 || result.snapshotTaken !== undefined;
    if (request.checkBackup || (shipped && !this.#restorable)) {
      try {
        result.backupLastMs =
          newestSnapshot(await completeSnapshots(this.#target))?.createdAtMs ?? null;
        result.restorableLsn = await restorableThrough(this.#target, this.#shipper.history);
        this.#restorable = result.restorableLsn !== null;
      } catch {
        // The next check tries again; the figures keep their last values.
      }
    }
    return result;
  }

  async close(): Promise<void> {}
}
