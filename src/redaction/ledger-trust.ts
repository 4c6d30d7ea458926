/**
 * Restore trusts a ledger entry only when its redaction is signed by an
 * operator (SPEC §12: "signed by an operator key"). The URL's ledger
 * (redaction-ledger.ts) is checked for shape and signature as it is read; this
 * checks WHO signed: a key whose registry role is `operator` in the restored
 * state (the snapshot's `agents` table, then the agent records replayed up to
 * the point), or a key the operator pinned (`restore --operator-key`).
 *
 * An entry signed by anyone else makes the restore refuse, before anything is
 * placed (`operator_required`, naming each entry and its key). Not "skip and
 * report": the entry either is a forgery (whoever can write to the bucket could
 * plant one to erase content from every restore) or a real redaction by a key
 * the restored registry does not show as operator (restored to a point before
 * the role was granted, or after it was revoked). Skipping it would bring the
 * redacted content back into the restored data dir — and where the archive
 * was scrubbed already, recovery would then refuse the orphan stub anyway.
 * Refusing puts the decision where it belongs: check the key, then pin it.
 */
import { Database } from "bun:sqlite";
import { type AgentRecord, type DomainRecord, RecordType } from "../engine/log-records.ts";
import { StemeError } from "../errors.ts";
import type { LedgerEntry } from "./redaction-ledger.ts";

/** Operator keys of a registry: a snapshot's state, then role changes in log order. */
export class RegistryRoles {
  readonly #roles = new Map<string, AgentRecord["role"]>();

  /** Starts from a (staged, closed) state file's `agents` table; a file from before roles has none. */
  loadState(file: string): void {
    const db = new Database(file, { readonly: true });
    try {
      const columns = db.query<{ name: string }, []>("PRAGMA table_info(agents)").all();
      if (!columns.some((c) => c.name === "role")) return;
      for (const r of db
        .query<{ agent: string; role: string | null }, []>("SELECT agent, role FROM agents")
        .all()) {
        this.#roles.set(r.agent, r.role === "operator" ? "operator" : "agent");
      }
    } finally {
      db.close();
    }
  }

  /** A replayed record: an agent record with a role changes it. */
  apply(record: DomainRecord): void {
    if (record.type === RecordType.agent && record.body.role !== undefined) {
      this.#roles.set(record.body.agent, record.body.role);
    }
  }

  operators(): Set<string> {
    return new Set([...this.#roles].filter(([, role]) => role === "operator").map(([k]) => k));
  }
}

/** The key that signed a ledger entry's redaction (its signature was checked when read). */
export function ledgerSigner(e: LedgerEntry): string {
  return (JSON.parse(new TextDecoder().decode(e.record.canonical)) as { agent: string }).agent;
}

/** Refuses (`operator_required`) when an entry's redaction is not signed by one of `trusted`. */
export function assertLedgerTrusted(
  ledger: readonly LedgerEntry[],
  trusted: ReadonlySet<string>,
): void {
  const bad = ledger.filter((e) => !trusted.has(ledgerSigner(e)));
  if (bad.length === 0) return;
  const list = bad
    .slice(0, 5)
    .map((e) => `redactions/${e.id}.json (target ${e.target}, signed by ${ledgerSigner(e)})`)
    .join("; ");
  throw new StemeError(
    "operator_required",
    `the backup's redaction ledger holds ${bad.length} redaction(s) not signed by an operator of the restored registry: ${list}${bad.length > 5 ? "; …" : ""}. ` +
      "Nothing was placed. If the key is your operator's (e.g. its role was granted after the restore point, or revoked since), pass --operator-key <key> to trust it; otherwise remove the object from the URL, it is not a redaction your operators made",
    { field: "operator_key", redactions: bad.map((e) => e.id) },
  );
}
