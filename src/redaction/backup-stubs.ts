/**
 * `stemedb verify --backup`'s view of redaction stubs in the URL's log objects
 * (archive objects and snapshots' log.zst, SPEC §12): each stub is a leaf
 * without a body, valid only under the verifier rule (`checkBodylessLeaf`) —
 * a redaction of that id later in the tree, by an operator key (trusted when
 * pinned with `--operator-key`, else reported). The evidence is the URL's
 * ledger (redaction-ledger.ts: each record's id, signature and shape already
 * checked), which the contract writes before any object holding a stub.
 *
 * The objects a restore verified are not walked again (verify-backup.ts): their
 * stubs are checked in the restored data dir by `verifyDataDir` under the
 * same rule and the same pinned keys.
 */
import type { LogObjectFrame } from "../backup/log-object.ts";
import { decodeStubRecord, RecordType } from "../engine/log-records.ts";
import { toHex } from "../hex.ts";
import type { CheckCollector } from "../verify/verify-report.ts";
import { type LedgerEntry, ledgerAssertion } from "./redaction-ledger.ts";
import { checkBodylessLeaf } from "./redaction-rule.ts";

const CHECK = "backup.redactions";

interface FoundStub {
  id: string;
  seq: number;
  object: string;
}

export class BackupStubs {
  /** By id and seq: the same stub in several objects (overlaps, snapshot and archive) is judged once. */
  readonly #stubs = new Map<string, FoundStub>();
  #undecodable: { object: string; detail: string }[] = [];

  /** Notes a frame of a walked log object (a `walkLogObject` callback's argument); true to go on. */
  frame(object: string, f: LogObjectFrame): boolean {
    if (f.type !== RecordType.stub) return true;
    try {
      const stub = decodeStubRecord(f.payload);
      const id = toHex(stub.id);
      const key = `${id}@${stub.seq}`;
      if (!this.#stubs.has(key)) this.#stubs.set(key, { id, seq: stub.seq, object });
    } catch (e) {
      this.#undecodable.push({ object, detail: `lsn ${f.lsn}: ${(e as Error).message}` });
    }
    return true;
  }

  /**
   * Judges every stub found against the ledger: one failure per stub that
   * breaks the rule; returns the summary (with the operator keys that
   * redacted) for the check's pass, or undefined when no stub was found.
   */
  check(
    ledger: readonly LedgerEntry[],
    checks: CheckCollector,
    trustedOperators?: ReadonlySet<string>,
  ): string | undefined {
    for (const u of this.#undecodable) {
      checks.fail(CHECK, `an undecodable redaction stub: ${u.detail}`, { object: u.object });
    }
    const byTarget = new Map(ledger.map((e) => [e.target, e]));
    const operators = new Set<string>();
    for (const stub of this.#stubs.values()) {
      const e = byTarget.get(stub.id);
      const evidence = e === undefined ? undefined : { seq: e.seq, assertion: ledgerAssertion(e) };
      const verdict = checkBodylessLeaf({ id: stub.id, seq: stub.seq }, evidence, trustedOperators);
      if (verdict.ok) operators.add(verdict.operator);
      else {
        checks.fail(CHECK, `a redaction stub for ${stub.id}: ${verdict.problem}`, {
          object: stub.object,
        });
      }
    }
    if (this.#stubs.size === 0) return undefined;
    return `${this.#stubs.size} redaction stub(s) in log objects no restore replayed, each with a later redaction in the ledger by operator key(s) ${[...operators].join(", ") || "-"}`;
  }
}
