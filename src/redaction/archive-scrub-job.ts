/**
 * The server's background scrub of the archive URL (SPEC §12): while a
 * redaction this process has not confirmed is known — in the state (redacted
 * here) or in the URL's ledger — it runs `scrubArchive` over the URL, then
 * counts those redactions done. Its backlog is health's
 * `redactions.archive_backlog` and `/metrics`' `stemedb_redaction_archive_backlog`.
 * Confirmations live in memory: after a start every redaction is pending again
 * until one pass over the archive (which then replaces nothing) confirms it.
 * Runs only on a server that ships (`--archive-to` with `--archive-ship`).
 */

import type { BackupTarget } from "../backup/backup-target.ts";
import { toHex } from "../hex.ts";
import type { Logger } from "../logger.ts";
import type { State } from "../store/state.ts";
import { scrubArchive } from "./archive-scrub.ts";
import { readLedger } from "./redaction-ledger.ts";

export interface ArchiveScrubJobOptions {
  state: State;
  open: () => Promise<BackupTarget>;
  logger: Logger;
  intervalMs: number;
}

export class ArchiveScrubJob {
  readonly #o: ArchiveScrubJobOptions;
  readonly #confirmed = new Set<string>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<void> | undefined;
  #ledgerPending = 0;
  #target: Promise<BackupTarget> | undefined;

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

  #localPending(): Set<string> {
    const { state } = this.#o;
    const out = new Set<string>();
    if (state.redacted.size === 0) return out;
    for (const row of state.db.query<{ id: Uint8Array }, []>("SELECT id FROM redacted").all()) {
      const id = toHex(row.id);
      if (!this.#confirmed.has(id)) out.add(id);
    }
    return out;
  }

  async #pass(): Promise<void> {
    try {
      this.#target ??= this.#o.open();
      const target = await this.#target.catch((e) => {
        this.#target = undefined; // opened again next tick
        throw e;
      });
      const pending = this.#localPending();
      const ledger = (await readLedger(target)).filter((e) => !this.#confirmed.has(e.target));
      for (const e of ledger) pending.add(e.target);
      this.#ledgerPending = ledger.filter((e) => !this.#localPending().has(e.target)).length;
      if (pending.size === 0) return;
      const report = await scrubArchive(target, pending);
      for (const id of pending) this.#confirmed.add(id);
      this.#ledgerPending = 0;
      this.#o.logger.info("archive URL scrubbed of redacted assertions", {
        redactions: pending.size,
        ...report,
      });
    } catch (e) {
      this.#o.logger.warn("archive URL scrub failed; retried at the next tick", {
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }
}
