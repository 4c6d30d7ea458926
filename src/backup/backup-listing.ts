/**
 * What the backup URL holds, for the dashboard (SPEC §7, issue 18): its
 * complete snapshots (newest first, from the listing alone: LSN and time are
 * in each prefix, the size is the sum of its objects) and the last recorded
 * drill (drill-record.ts). Listing a bucket is not free, so the answer is
 * cached for `ttlMs` (default 60 s) and concurrent callers share one refresh;
 * a failed refresh keeps the last answer and says why in `error`.
 */
import { listSnapshots } from "./backup-catalog.ts";
import { parseSnapshotPrefix, SNAPSHOT_METADATA } from "./backup-layout.ts";
import type { BackupOverview } from "./backup-overview.ts";
import type { BackupTarget } from "./backup-target.ts";
import { latestDrill } from "./drill-record.ts";

/** Snapshots listed in full; the count covers all. */
export const LISTED_SNAPSHOTS = 20;

export interface BackupListingOptions {
  /** Opens the target (once, on first use). */
  open: () => Promise<BackupTarget>;
  url: string;
  ttlMs?: number;
  now?: () => number;
}

export class BackupListing {
  readonly #o: BackupListingOptions;
  readonly #ttlMs: number;
  #target: Promise<BackupTarget> | undefined;
  #answer: BackupOverview;
  #listedMs = Number.NEGATIVE_INFINITY;
  #refresh: Promise<BackupOverview> | undefined;

  constructor(options: BackupListingOptions) {
    this.#o = options;
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#answer = {
      url: options.url,
      listed_at: null,
      snapshot_count: 0,
      snapshots: [],
      last_drill: null,
      error: null,
    };
  }

  /** The cached answer while fresh; otherwise a new listing (shared by concurrent callers). */
  overview(): Promise<BackupOverview> {
    const now = (this.#o.now ?? Date.now)();
    if (now - this.#listedMs < this.#ttlMs) return Promise.resolve(this.#answer);
    this.#refresh ??= this.#list(now).finally(() => {
      this.#refresh = undefined;
    });
    return this.#refresh;
  }

  async #list(now: number): Promise<BackupOverview> {
    try {
      this.#target ??= this.#o.open();
      const target = await this.#target;
      const [{ snapshots }, lastDrill] = await Promise.all([
        listSnapshots(target),
        latestDrill(target),
      ]);
      const complete = snapshots
        .filter((s) => s.complete)
        .map((s) => ({
          prefix: s.prefix,
          last_lsn: s.snapshotLsn,
          created_at: new Date(
            parseSnapshotPrefix(s.prefix + SNAPSHOT_METADATA)?.createdAtMs ?? 0,
          ).toISOString(),
          stored_bytes: s.objects.reduce((a, o) => a + o.size, 0),
        }))
        .reverse();
      this.#answer = {
        url: this.#o.url,
        listed_at: new Date(now).toISOString(),
        snapshot_count: complete.length,
        snapshots: complete.slice(0, LISTED_SNAPSHOTS),
        last_drill: lastDrill,
        error: null,
      };
    } catch (e) {
      this.#target = undefined; // opened again next time (credentials may have been fixed)
      this.#answer = { ...this.#answer, error: e instanceof Error ? e.message : String(e) };
    }
    this.#listedMs = now;
    return this.#answer;
  }
}
