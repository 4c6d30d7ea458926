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
import { type Logger, silentLogger } from "../logger.ts";
import { MIGRATIONS, type Migration } from "./migrations/index.ts";

/** BLAKE3 of every SQL text the migration runs (just `sql` for a plain one, as shipped). */
function migrationHash(m: Migration): string {
  const text = m.copy === undefined ? m.sql : `${m.sql}\n${m.copy.sql}\n${m.copy.after}`;
  return toHex(blake3(new TextEncoder().encode(text)));
}

const APPLIED_SQL = "SELECT name, hash FROM schema_migrations ORDER BY name";

/** Throws unless every applied migration is known to this binary with the same SQL. */
function checkApplied(db: Database, migrations: readonly Migration[]): Set<string> {
  const applied = db.query<{ name: string; hash: string }, []>(APPLIED_SQL).all();
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
  return new Set(applied.map((r) => r.name));
}

export function migrate(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
  logger: Logger = silentLogger,
): number {
  db.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name TEXT PRIMARY KEY, hash TEXT NOT NULL, applied_at INTEGER NOT NULL) WITHOUT ROWID`);
  const done = checkApplied(db, migrations);
  let count = 0;
  for (const m of migrations) {
    if (done.has(m.name)) continue;
    db.transaction(() => {
      if (m.copy === undefined) db.run(m.sql);
      else runCopy(db, m, m.copy, logger);
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

function runCopy(db: Database, m: Migration, copy: NonNullable<Migration["copy"]>, log: Logger) {
  const started = performance.now();
  db.run(m.sql);
  const last = db.query<{ n: number | null }, []>("SELECT max(seq) AS n FROM assertions").get()?.n;
  const total = last ?? 0;
  if (total > 0) log.info("migrating the state", { migration: m.name, rows: total });
  const step = db.query(copy.sql);
  for (let from = 0; from < total; from += copy.rows) {
    step.run({ from, to: from + copy.rows });
    const done = Math.min(total, from + copy.rows);
    if (done < total) log.info("migration progress", { migration: m.name, rows: done, of: total });
  }
  db.run(copy.after);
  log.info("migrated the state", {
    migration: m.name,
    rows: total,
    millis: Math.round(performance.now() - started),
  });
}

/**
 * For read-only opens, which never migrate: throws unless the database has
 * exactly this binary's migrations applied.
 */
export function requireMigrated(db: Database, migrations: readonly Migration[] = MIGRATIONS): void {
  const hasTable = db
    .query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  const done = hasTable === null ? new Set<string>() : checkApplied(db, migrations);
  const missing = migrations.filter((m) => !done.has(m.name)).map((m) => m.name);
  if (missing.length > 0) {
    throw new StemeError(
      "bad_format_version",
      `the state lacks migration(s) ${missing.join(", ")}: open it read-write once (start the server) to migrate it`,
    );
  }
}
