/**
 * Continuous archival inside `serve` (SPEC §7): with `--archive-to URL` a tick
 * every `--archive-interval-ms` ships the durable records not yet archived
 * (archive-shipper.ts). With `--archive-ship false` the server ships nothing
 * and only follows the target's listing — for deployments where
 * `stemedb archive-wal` ships from a systemd timer — so retention and the
 * figures below still know what is archived.
 *
 * A target that fails never stops writes: a tick that fails records the error
 * and the next tick retries (the SDK already retried with back-off inside the
 * tick); the backlog simply grows and is shipped when the target is back.
 * With `archiveSync` (SPEC §11: RPO 0 as an option) a write is acknowledged
 * only once the archive holds it: `waitArchived(lsn)` starts a round at once
 * (rounds follow each other without pause while writes wait, so concurrent
 * writes share an upload, like a group commit) and fails with
 * `archive_unavailable` after `syncTimeoutMs`; the write is stored locally
 * by then, so a retry finds it (`duplicate`) once the archive is back.
 *
 * Ticks never overlap. The rounds themselves run where `rounds` runs them: in
 * the server, on the archive worker thread (archive-thread.ts), so the main
 * thread only hands over the durable segment list. What the server reports (`status()`, for `/v1/health`
 * and `/metrics`): the archived LSN, the backlog in records and bytes, the lag
 * in seconds (age of the oldest unarchived record, to one tick), the last
 * success, and the newest complete backup snapshot in the target's listing
 * (checked every `backupCheckMs`).
 */
import type { Clock } from "../clock.ts";
import { StemeError } from "../errors.ts";
import type { LogSegment } from "../log/segment-log-config.ts";
import type { Logger } from "../logger.ts";
import type { ArchiveRounds, RoundResult } from "./archive-rounds.ts";

export interface ArchiverOptions {
  rounds: ArchiveRounds;
  /** false: follow the listing only (archive-wal ships). */
  ship: boolean;
  intervalMs: number;
  /** The engine's log: its segments and last durable LSN now. */
  log: { segmentList(): LogSegment[]; readonly lastLsn: number };
  logger: Logger;
  clock: Clock;
  /** How often the newest backup snapshot is looked up (default 60 s). */
  backupCheckMs?: number;
  /** How long `waitArchived` waits (default 10 s). */
  syncTimeoutMs?: number;
  /** The history this server archives under (SPEC §7), for reports. */
  history?: string;
}

export interface ArchiveStatus {
  configured: true;
  target: string;
  /** The history it ships under (SPEC §7: its data dir's; null when not given). */
  history: string | null;
  mode: "ship" | "watch";
  /** Every local LSN up to this is archived; null until the target was listed once. */
  archived_lsn: number | null;
  log_last_lsn: number;
  backlog_records: number;
  backlog_bytes: number;
  lag_seconds: number;
  last_success_at: string | null;
  last_error: string | null;
  consecutive_failures: number;
  shipped: { objects: number; records: number; bytes: number };
  /** created_at of the newest complete snapshot (its metadata.json is listed); null if none. */
  backup_last_success_at: string | null;
  /**
   * SPEC §7: the URL can be restored from (a snapshot of this server's history,
   * or an archive from lsn 1, and no gap): false until the backup check said so.
   */
  restorable: boolean;
  /** The last LSN a restore from the URL reaches (null when not restorable or not yet checked). */
  restorable_lsn: number | null;
  /** Times the archive worker thread died and was started again. */
  worker_restarts: number;
}

/** Marks of when the log reached an LSN, for the lag in seconds; bounded. */
const MAX_MARKS = 10_000;

export class Archiver {
  readonly #o: ArchiverOptions;
  readonly #backupCheckMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #marks: { lsn: number; at: number }[] = [];
  #archivedLsn: number | undefined;
  #lastSuccessMs: number | undefined;
  #lastError: string | undefined;
  #failures = 0;
  #backupCheckedMs = 0;
  #backupLastMs: number | undefined;
  #restorableLsn: number | null = null;
  readonly #shipped = { objects: 0, records: 0, bytes: 0 };
  /** Writes waiting for the archive to reach their LSN (archiveSync). */
  readonly #waiters = new Set<{ lsn: number; resolve(): void; reject(e: Error): void }>();

  constructor(options: ArchiverOptions) {
    this.#o = options;
    this.#backupCheckMs = options.backupCheckMs ?? 60_000;
  }

  start(): void {
    this.#schedule(0);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => this.#run(), ms);
  }

  /** A tick now; then the next at once while writes wait, else after the interval. */
  #run(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#running = this.tick().finally(() => {
      this.#running = undefined;
      // After a failure the next try waits the interval, so a dead target is not hammered.
      this.#schedule(this.#waiters.size > 0 && this.#failures === 0 ? 0 : this.#o.intervalMs);
    });
  }

  /**
   * Resolves once every LSN up to `lsn` is archived (archiveSync); rejects
   * with `archive_unavailable` after the sync timeout or when stopping.
   */
  waitArchived(lsn: number): Promise<void> {
    if ((this.#archivedLsn ?? 0) >= lsn) return Promise.resolve();
    if (this.#stopped) return Promise.reject(archiveUnavailable(lsn, "the server is stopping"));
    const timeoutMs = this.#o.syncTimeoutMs ?? 10_000;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(archiveUnavailable(lsn, this.#lastError ?? `not archived within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        lsn,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.#waiters.add(waiter);
      if (this.#running === undefined && !this.#stopped) this.#run();
    });
  }

  /** One round: ship (or only list), and the backup check when due. Never throws. */
  async tick(): Promise<void> {
    const { rounds, log, logger, clock } = this.#o;
    this.#mark();
    const now = clock.now();
    const checkBackup = now - this.#backupCheckedMs >= this.#backupCheckMs;
    if (checkBackup) this.#backupCheckedMs = now;
    const r = await rounds.run({
      kind: this.#o.ship ? "ship" : "refresh",
      segments: log.segmentList(),
      checkBackup,
    });
    this.#take(r);
    this.#shipped.objects += r.shipped.objects;
    this.#shipped.records += r.shipped.records;
    this.#shipped.bytes += r.shipped.bytes;
    if (r.backupLastMs !== undefined) this.#backupLastMs = r.backupLastMs ?? undefined;
    if (r.restorableLsn !== undefined) this.#restorableLsn = r.restorableLsn;
    if (r.snapshotTaken !== undefined) {
      logger.info("took a first snapshot: the archive URL held none of this history", {
        snapshot: r.snapshotTaken,
      });
    }
    if (r.ok) {
      this.#lastSuccessMs = clock.now();
      if (this.#failures > 0) {
        logger.info("archive target reachable again", { after_failures: this.#failures });
      }
      this.#failures = 0;
      this.#lastError = undefined;
      return;
    }
    this.#failures++;
    this.#lastError = r.error ?? "unknown error";
    // Log the first failure and then every 60th, not every tick of an outage.
    if (this.#failures % 60 === 1) {
      logger.warn("archiving failed; writes go on, the backlog grows", {
        error: this.#lastError,
        consecutive_failures: this.#failures,
      });
    }
  }

  /** The archived LSN only grows; a round that could not list keeps the last known. */
  #take(r: RoundResult): void {
    if (r.archivedLsn !== undefined && r.archivedLsn > (this.#archivedLsn ?? -1)) {
      this.#archivedLsn = r.archivedLsn;
    }
    for (const w of this.#waiters) {
      if (w.lsn > (this.#archivedLsn ?? 0)) continue;
      this.#waiters.delete(w);
      w.resolve();
    }
  }

  #mark(): void {
    const lsn = this.#o.log.lastLsn;
    const last = this.#marks.at(-1);
    if (last !== undefined && last.lsn >= lsn) return;
    this.#marks.push({ lsn, at: this.#o.clock.now() });
    if (this.#marks.length > MAX_MARKS) this.#marks.splice(1, 1); // keep the oldest: lag stays an upper figure
  }

  /** The archived LSN for retention: refreshed from the listing, else the last known (0 = none). */
  async archivedLsnForRetention(): Promise<number> {
    const r = await this.#o.rounds.run({
      kind: "refresh",
      segments: this.#o.log.segmentList(),
      checkBackup: false,
    });
    if (!r.ok) {
      this.#o.logger.warn("archive listing failed before retention; using the last known", {
        error: r.error,
      });
    }
    this.#take(r);
    return this.#archivedLsn ?? 0;
  }

  status(): ArchiveStatus {
    const { rounds, log, clock } = this.#o;
    const archived = this.#archivedLsn;
    const segments = log.segmentList();
    const logLast = log.lastLsn;
    const firstLocal = segments[0]?.firstLsn ?? 1;
    const through = archived ?? firstLocal - 1;
    this.#marks = this.#marks.filter((m) => m.lsn > through);
    const pending = this.#marks.find((m) => m.lsn > through);
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    return {
      configured: true,
      target: rounds.url,
      history: this.#o.history ?? null,
      mode: this.#o.ship ? "ship" : "watch",
      archived_lsn: archived ?? null,
      log_last_lsn: logLast,
      backlog_records: Math.max(0, logLast - through),
      backlog_bytes: logLast > through ? backlogBytes(segments, through) : 0,
      lag_seconds:
        logLast > through && pending !== undefined
          ? Math.max(0, (clock.now() - pending.at) / 1000)
          : 0,
      last_success_at: iso(this.#lastSuccessMs),
      last_error: this.#lastError ?? null,
      consecutive_failures: this.#failures,
      shipped: { ...this.#shipped },
      backup_last_success_at: iso(this.#backupLastMs),
      restorable: this.#restorableLsn !== null,
      restorable_lsn: this.#restorableLsn,
      worker_restarts: rounds.restarts,
    };
  }

  /**
   * Stops ticking and waits for a running tick; then, in ship mode, ships once
   * more so a clean stop leaves no backlog — bounded by `finalShipMs`, since an
   * unreachable target must not hold up a shutdown. Then releases the rounds' thread.
   */
  async stop(finalShipMs = 10_000): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    while (this.#running) await this.#running;
    if (this.#o.ship && finalShipMs > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, finalShipMs);
      });
      await Promise.race([this.tick(), timeout]);
      clearTimeout(timer);
    }
    for (const w of this.#waiters) w.reject(archiveUnavailable(w.lsn, "the server is stopping"));
    this.#waiters.clear();
    await this.#o.rounds.close();
  }
}

function archiveUnavailable(lsn: number, why: string): StemeError {
  return new StemeError(
    "archive_unavailable",
    `the write is stored but not yet archived (archive-sync): ${why}; retry it, it will be reported as a duplicate once archived`,
    { lsn, retryAfterS: 1 },
  );
}

/** Bytes of the local log after `through` (pro rata by LSN inside the segment where archiving stands). */
export function backlogBytes(segments: readonly LogSegment[], through: number): number {
  let bytes = 0;
  for (const s of segments) {
    if (s.lastLsn <= through) continue;
    if (s.firstLsn > through) {
      bytes += s.bytes;
      continue;
    }
    const records = s.lastLsn - s.firstLsn + 1;
    bytes += Math.round((s.bytes * (s.lastLsn - through)) / records);
  }
  return bytes;
}
