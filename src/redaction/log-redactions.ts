/**
 * `stemedb verify`'s log pass over redactions (SPEC §12). A stub record is
 * valid only when a redaction of its id is in the log, the state or the
 * data dir's ledger (a restore's, data-dir-ledger.ts), and —
 * once applied — only when the state has that id redacted at that seq. An
 * assertion frame whose row the state has redacted means the scrub has not
 * run yet (it runs at the next start): reported, since the bytes are still
 * on disk.
 */
import type { Database, Statement } from "bun:sqlite";
import type { AssertionRecord, StubRecord } from "../engine/log-records.ts";
import { toHex } from "../hex.ts";
import type { Assertion } from "../protocol/assertion.ts";
import type { CheckCollector, VerifyWhere } from "../verify/verify-report.ts";
import type { LedgerEntry } from "./redaction-ledger.ts";
import { REDACTIONS_CONCEPT, redactionOf } from "./redaction-shape.ts";

const NEEDLE = new TextEncoder().encode(`"concept":"${REDACTIONS_CONCEPT}"`);
const decoder = new TextDecoder();

export class LogRedactions {
  readonly #checks: CheckCollector;
  readonly #bySeq:
    | Statement<{ id: Uint8Array; redaction_seq: number | null }, [number]>
    | undefined;
  readonly #byId: Statement<{ redaction_seq: number | null }, [Uint8Array]> | undefined;
  readonly #stubs = new Map<string, { seq: number; where: VerifyWhere }>();
  readonly #targets = new Set<string>();

  constructor(
    db: Database | undefined,
    checks: CheckCollector,
    /** A restored data dir's ledger (data-dir-ledger.ts): redactions past its log. */
    ledger: readonly LedgerEntry[] = [],
  ) {
    this.#checks = checks;
    for (const e of ledger) this.#targets.add(e.target);
    this.#bySeq = db?.query("SELECT id, redaction_seq FROM redacted WHERE seq = ?");
    this.#byId = db?.query("SELECT redaction_seq FROM redacted WHERE id = ?");
  }

  stub(r: StubRecord, where: VerifyWhere, applied: boolean): void {
    const id = toHex(r.id);
    this.#stubs.set(id, { seq: r.seq, where });
    if (!applied || this.#bySeq === undefined) return;
    const row = this.#bySeq.get(r.seq);
    if (row === null || toHex(row.id) !== id) {
      this.#checks.fail(
        "log.redactions",
        `seq ${r.seq}: the log has a redaction stub for ${id}, but the state has not redacted it`,
        where,
      );
    }
  }

  /** Notes the target of every redaction the log holds. */
  assertion(r: AssertionRecord): void {
    if (
      Buffer.from(r.canonical.buffer, r.canonical.byteOffset, r.canonical.length).indexOf(NEEDLE) <
      0
    ) {
      return;
    }
    try {
      const made = redactionOf(JSON.parse(decoder.decode(r.canonical)) as Assertion);
      if (made !== undefined) this.#targets.add(made.target);
    } catch {
      // not JSON: the assertion checks report it
    }
  }

  /** True (and reported) when the state has this applied record's seq redacted: its frame is unscrubbed. */
  isRedacted(seq: number, id: Uint8Array): boolean {
    const row = this.#bySeq?.get(seq);
    if (row === null || row === undefined || toHex(row.id) !== toHex(id)) return false;
    this.#checks.fail(
      "log.redactions",
      `seq ${seq} is redacted, but the log still holds its frame: start the server to finish the scrub`,
      { seq, id: toHex(id) },
    );
    return true;
  }

  finish(): void {
    for (const [id, stub] of this.#stubs) {
      if (this.#targets.has(id)) continue;
      const known = this.#byId?.get(Buffer.from(id, "hex"));
      if (known !== null && known !== undefined && known.redaction_seq !== null) continue;
      this.#checks.fail(
        "log.redactions",
        `seq ${stub.seq}: a redaction stub for ${id} with no redaction of that id in the log or the state (tampering)`,
        stub.where,
      );
    }
    this.#checks.finish(
      "log.redactions",
      `${this.#stubs.size} redaction stub(s), each with its redaction`,
    );
  }
}
