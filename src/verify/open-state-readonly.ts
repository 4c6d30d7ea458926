/**
 * Opens the SQLite state for verification without writing to the data dir.
 * With the server stopped cleanly there is no `-wal` file, and the database is
 * opened `immutable` (SQLite URI parameter): no locks, no `-wal`/`-shm` files
 * created. When a `-wal` file exists (a running server, or a crash), its
 * committed transactions are part of the state, so the database is opened
 * plainly read-only, which reads them (SQLite may then keep a `-shm` index).
 */
import { constants, Database } from "bun:sqlite";
import { existsSync } from "node:fs";

/** A path as a SQLite URI filename: `%`, `?` and `#` must be escaped. */
function uriPath(path: string): string {
  return path.replace(/[%?#]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

export function openStateReadonly(path: string): Database {
  if (existsSync(`${path}-wal`)) return new Database(path, { readonly: true });
  return new Database(
    `file:${uriPath(path)}?immutable=1`,
    constants.SQLITE_OPEN_READONLY | constants.SQLITE_OPEN_URI,
  );
}
