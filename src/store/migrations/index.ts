/** The ordered list of schema migrations. Append only: never edit a shipped one (its hash is recorded). */
import initial from "./0001-initial.ts";
import quarantineIndex from "./0002-quarantine-index.ts";
import * as internedKeys from "./0003-interned-keys.ts";
import redaction from "./0004-redaction.ts";
import keyHeads from "./0005-key-heads.ts";
import freeSpaceZeroed from "./0006-free-space-zeroed.ts";

/**
 * A migration's SQL runs whole, in one transaction. One that copies rows adds a
 * `copy`: `before` runs, then `copy.sql` once per range of `copy.rows` seqs
 * (bound `$from`, `$to`; progress logged between ranges), then `after` — all in
 * the same transaction, so a crash mid-way leaves the old schema intact.
 */
export interface Migration {
  readonly name: string;
  readonly sql: string;
  readonly copy?: { readonly sql: string; readonly after: string; readonly rows: number };
}

export const MIGRATIONS: readonly Migration[] = [
  { name: "0001-initial", sql: initial },
  { name: "0002-quarantine-index", sql: quarantineIndex },
  {
    name: "0003-interned-keys",
    sql: internedKeys.BEFORE,
    copy: { sql: internedKeys.COPY, after: internedKeys.AFTER, rows: 100_000 },
  },
  { name: "0004-redaction", sql: redaction },
  { name: "0005-key-heads", sql: keyHeads },
  { name: "0006-free-space-zeroed", sql: freeSpaceZeroed },
];

/** The schema this binary reads and writes: the name of the last migration. */
export const CURRENT_SCHEMA = MIGRATIONS[MIGRATIONS.length - 1]?.name ?? "";
