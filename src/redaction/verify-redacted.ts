/**
 * `stemedb verify`'s view of redacted leaves in the SQLite state (SPEC §12):
 * each `redacted` row is a leaf without a body, valid only under the
 * verifier rule (`checkBodylessLeaf`): a redaction of that id later in the
 * tree, by an operator key (trusted when pinned with `--operator-key`, else
 * reported). The redaction's own id and signature are checked with every
 * other row.
 */
import type { Database } from "bun:sqlite";
import { toHex } from "../hex.ts";
import type { Assertion } from "../protocol/assertion.ts";
import type { CheckCollector } from "../verify/verify-report.ts";
import { type LedgerEntry, ledgerAssertion } from "./redaction-ledger.ts";
import { checkBodylessLeaf } from "./redaction-rule.ts";

export interface RedactedLeaf {
  seq: number;
  id: Uint8Array;
}

const decoder = new TextDecoder();

/** Every redacted leaf, in seq order (few: loaded at once). */
export function redactedLeaves(db: Database): RedactedLeaf[] {
  return db.query<RedactedLeaf, []>("SELECT seq, id FROM redacted ORDER BY seq").all();
}

/** Checks every redacted leaf under the verifier rule; names the operator keys that redacted. */
export function checkRedactedLeaves(
  db: Database,
  leaves: readonly RedactedLeaf[],
  checks: CheckCollector,
  trustedOperators?: ReadonlySet<string>,
  /** A restored data dir's ledger (data-dir-ledger.ts): redactions past its tree. */
  ledger: readonly LedgerEntry[] = [],
): void {
  const fromLedger = new Map(ledger.map((e) => [e.target, e]));
  const redactionOf = db.query<{ seq: number; canonical: Uint8Array }, [Uint8Array]>(
    `SELECT a.seq, a.canonical FROM redacted AS r JOIN assertions AS a ON a.seq = r.redaction_seq
     WHERE r.id = ?`,
  );
  const operators = new Set<string>();
  for (const leaf of leaves) {
    const id = toHex(leaf.id);
    const row = redactionOf.get(leaf.id);
    let evidence: { seq: number; assertion: Assertion } | undefined;
    const known = fromLedger.get(id);
    try {
      evidence =
        row !== null
          ? { seq: row.seq, assertion: JSON.parse(decoder.decode(row.canonical)) as Assertion }
          : known === undefined
            ? undefined
            : { seq: known.seq, assertion: ledgerAssertion(known) };
    } catch {
      evidence = undefined; // its row fails the content check on its own
    }
    const verdict = checkBodylessLeaf({ id, seq: leaf.seq }, evidence, trustedOperators);
    if (verdict.ok) operators.add(verdict.operator);
    else checks.fail("assertions.redacted", verdict.problem, { seq: leaf.seq, id });
  }
  const trust =
    trustedOperators !== undefined && trustedOperators.size > 0
      ? "trusted (pinned)"
      : "not pinned: pass --operator-key to trust them";
  checks.finish(
    "assertions.redacted",
    leaves.length === 0
      ? "no redacted assertion"
      : `${leaves.length} redacted assertion(s), each with a later redaction by operator key(s) ${[...operators].join(", ")} (${trust})`,
  );
}
