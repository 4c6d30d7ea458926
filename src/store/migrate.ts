/**
 * Applies the ordered migrations in one transaction each and records every
 * applied one with the BLAKE3 of its SQL. An applied migration whose SQL has
 * since changed, or a database newer than this binary, stops startup: both mean
 * the state was made by different code and must be rebuilt or restored.
 */
import type { Database } from "bun:sqlite";
import { blake3 } from "@noble/hashes/blake3.js";
import { StemeError } from "../errors.ts";
import { toHex } from "../hex.ts";
import { MIGRATIONS, type Migration } from "./migrations/index.ts";

function migrationHash(m: Migration): string {
  return toHex(blake3(new TextEncoder().encode(m.sql)));
}

export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  db.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name TEXT PRIMARY KEY, hash TEXT NOT NULL, applied_at INTEGER NOT NULL) WITHOUT ROWID`);
  const applied = db
    .query<{ name: string; hash: string }, []>(
      "SELECT name, hash FROM schema_migrations ORDER BY name",
    )
    .all();
  const known = new Map(migrations.map((m) => [m.name, m]));
  for (const row of applied) {
    const m = known.get(row.name);
    if (m === undefined) {
      throw new StemeError(
        "bad_format_version",
        `database has migration ${row.name}, unknown to this binary: it was written by a newer StemeDB; upgrade, or restore a backup`,
      );
    }
    if (migrationHash(m) !== row.hash) {
      throw new StemeError(
        "bad_format_version",
        `migration ${row.name} was applied with different SQL than this binary ships; rebuild the state from the log (remove db/) or restore a backup`,
      );
    }
  }
  const done = new Set(applied.map((r) => r.name));
  let count = 0;
  for (const m of migrations) {
    if (done.has(m.name)) continue;
    db.transaction(() => {
      db.run(m.sql);
      db.query("INSERT INTO schema_migrations (name, hash, applied_at) VALUES (?, ?, ?)").run(
        m.name,
        migrationHash(m),
        Date.now(),
      );
    })();
    count++;
  }
  return count;
}
