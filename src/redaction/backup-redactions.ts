/**
 * `stemedb verify --backup`'s judge of the redacted records it reads in the
 * URL (SPEC §12), under the verifier rule (`checkBodylessLeaf`): a leaf
 * without a body is valid only with a redaction of that id later in the
 * tree, by an operator key (trusted when pinned with `--operator-key`, else
 * reported). Two kinds of such leaves:
 *
 * - stubs in log objects (archive objects, snapshots' log.zst): judged
 *   against the URL's ledger (redaction-ledger.ts: each record's id,
 *   signature and shape already checked), which the contract writes before
 *   any object holding a stub;
 * - rows a snapshot's state has redacted (its `redacted` table): judged as
 *   `stemedb verify` judges a data dir's (verify-redacted.ts), the redaction
 *   from that state or the ledger.
 *
 * Objects a restore verified are not read again (verify-backup.ts): their
 * leaves are judged in the restored data dir by `verifyDataDir`, under the
 * same rule and the same pinned keys.
 */
import type { Database } from "bun:sqlite";
import type { LogObjectFrame } from "../backup/log-object.ts";
import { decodeStubRecord, RecordType } from "../engine/log-records.ts";
import { toHex } from "../hex.ts";
import { openStateReadonly } from "../verify/open-state-readonly.ts";
import { CheckCollector } from "../verify/verify-report.ts";
import { type LedgerEntry, ledgerAssertion } from "./redaction-ledger.ts";
import { checkBodylessLeaf } from "./redaction-rule.ts";
import { checkRedactedLeaves, redactedLeaves } from "./verify-redacted.ts";

const CHECK = "backup.redactions";

export class BackupRedactions {
  readonly #ledger: readonly LedgerEntry[];
  readonly #byTarget: ReadonlyMap<string, LedgerEntry>;
  readonly #checks: CheckCollector;
  readonly #trusted: ReadonlySet<string> | undefined;
  /** Stubs judged, by id and seq: the same stub in several objects (overlaps, snapshot and archive) counts once. */
  readonly #stubs = new Set<string>();
  readonly #operators = new Set<string>();
  #snapshotRows = 0;

  constructor(
    ledger: readonly LedgerEntry[],
    checks: CheckCollector,
    trustedOperators?: ReadonlySet<string>,
  ) {
    this.#ledger = ledger;
    this.#byTarget = new Map(ledger.map((e) => [e.target, e]));
    this.#checks = checks;
    this.#trusted = trustedOperators;
  }

  /** Judges a frame of a walked log object when it is a stub (a `walkLogObject` callback); true to go on. */
  frame(object: string, f: LogObjectFrame): boolean {
    if (f.type !== RecordType.stub) return true;
    let stub: ReturnType<typeof decodeStubRecord>;
    try {
      stub = decodeStubRecord(f.payload);
    } catch (e) {
      this.#checks.fail(
        CHECK,
        `lsn ${f.lsn}: an undecodable redaction stub: ${(e as Error).message}`,
        {
          object,
        },
      );
      return true;
    }
    const id = toHex(stub.id);
    if (this.#stubs.has(`${id}@${stub.seq}`)) return true;
    this.#stubs.add(`${id}@${stub.seq}`);
    const e = this.#byTarget.get(id);
    const evidence = e === undefined ? undefined : { seq: e.seq, assertion: ledgerAssertion(e) };
    const verdict = checkBodylessLeaf({ id, seq: stub.seq }, evidence, this.#trusted);
    if (verdict.ok) this.#operators.add(verdict.operator);
    else this.#checks.fail(CHECK, `a redaction stub for ${id}: ${verdict.problem}`, { object });
    return true;
  }

  /** Judges the rows a snapshot's state (a plain SQLite file at `path`) has redacted. */
  snapshotState(path: string, object: string): void {
    const db = openStateReadonly(path);
    try {
      if (!hasTable(db, "redacted")) return; // a state from before redaction existed
      const leaves = redactedLeaves(db);
      const inner = new CheckCollector();
      checkRedactedLeaves(db, leaves, inner, this.#trusted, this.#ledger);
      for (const c of inner.checks) {
        if (!c.ok)
          this.#checks.fail(CHECK, `a row redacted in the snapshot: ${c.detail}`, { object });
      }
      this.#snapshotRows += leaves.length;
    } finally {
      db.close();
    }
  }

  /** What was judged beyond the restores, for the check's pass; undefined when nothing was. */
  summary(): string | undefined {
    if (this.#stubs.size === 0 && this.#snapshotRows === 0) return undefined;
    const keys = [...this.#operators].join(", ");
    return (
      `${this.#stubs.size} redaction stub(s) in log objects no restore replayed` +
      (keys === "" ? "" : ` (redacted by operator key(s) ${keys})`) +
      ` and ${this.#snapshotRows} redacted row(s) in snapshot states no restore used, each with a later redaction`
    );
  }
}

function hasTable(db: Database, name: string): boolean {
  return (
    db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== null
  );
}
