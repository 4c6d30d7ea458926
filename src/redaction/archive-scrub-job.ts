/**
 * The server's background scrub of the archive URL (SPEC §12): while a
 * redaction this process has not confirmed is known — in the state (redacted
 * here) or in the URL's ledger — it runs `scrubArchive` over the URL, then
 * counts those redactions done. Its backlog is health's
 * `redactions.archive_backlog` and `/metrics`' `stemedb_redaction_archive_backlog`.
 * Confirmations live in memory: after a start every redaction is pending again
 * until one pass over the archive (which then replaces nothing) confirms it.
 * Each pass writes the state's redactions to the ledger first, then replaces
 * archive objects (archive-scrub.ts) and rebuilds snapshots (snapshot-scrub.ts)
 * holding a pending target. Runs only on a server that ships (`--archive-to`
 * with `--archive-ship`).
 */

import type { BackupTarget } from "../backup/backup-target.ts";
import { toHex } from "../hex.ts";
import type { Logger } from "../logger.ts";
import type { NativeSigner } from "../protocol/native-ed25519.ts";
import type { State } from "../store/state.ts";
import { scrubArchive } from "./archive-scrub.ts";
import { readLedger, redactionsInState, writeLedger } from "./redaction-ledger.ts";
import { scrubSnapshots } from "./snapshot-scrub.ts";

export interface ArchiveScrubJobOptions {
  state: State;
  open: () => Promise<BackupTarget>;
  logger: Logger;
  intervalMs: number;
  /** This server's key, to sign rebuilt snapshots; without it snapshots are not rebuilt. */
  signer?: NativeSigner;
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

  /** Redacted here and not confirmed yet: target id (hex) → reason. */
  #localPending(): Map<string, string> {
    const { state } = this.#o;
    const out = new Map<string, string>();
    if (state.redacted.size === 0) return out;
    const rows = state.db
      .query<{ id: Uint8Array; reason: string | null }, []>("SELECT id, reason FROM redacted")
      .all();
    for (const row of rows) {
      const id = toHex(row.id);
      if (!this.#confirmed.has(id)) out.set(id, row.reason ?? "");
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
      if (pending.size > 0) {
        // The ledger holds every redaction before any object is scrubbed of it (a restore needs it).
        await writeLedger(target, redactionsInState(this.#o.state.db));
      }
      const ledger = (await readLedger(target)).filter((e) => !this.#confirmed.has(e.target));
      this.#ledgerPending = ledger.filter((e) => !pending.has(e.target)).length;
      for (const e of ledger) if (!pending.has(e.target)) pending.set(e.target, e.reason);
      if (pending.size === 0) return;
      const report = await scrubArchive(target, new Set(pending.keys()));
      const snapshots =
        this.#o.signer === undefined
          ? []
          : await scrubSnapshots(target, { targets: pending, signer: this.#o.signer });
      for (const id of pending.keys()) this.#confirmed.add(id);
      this.#ledgerPending = 0;
      this.#o.logger.info("archive URL scrubbed of redacted assertions", {
        redactions: pending.size,
        ...report,
        snapshots_rebuilt: snapshots.length,
      });
    } catch (e) {
      this.#o.logger.warn("archive URL scrub failed; retried at the next tick", {
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }
}
