/**
 * The SQLite floor S of SPEC §9: the run's own rows inserted into a fresh
 * database with StemeDB's schema, indexes and pragmas (`openDatabase`: the
 * project's migrations; WAL, synchronous=NORMAL, 64 MiB cache) through the
 * store's own row insert (`storeRowInserter`), by one thread in this process,
 * 1,000 rows per transaction, up to the run's size — no HTTP, no verify, no
 * log, no Merkle tree, no planning. Its CPU per row is 1e6 / S µs (one thread,
 * busy throughout). Also the bytes per row on disk once the WAL is
 * checkpointed into the database file.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../../src/store/open-database.ts";
import type { Batch } from "../lib/dataset.ts";
import { duBytes } from "../lib/disk.ts";
import { progress } from "../lib/progress.ts";
import { storeRowInserter } from "../lib/store-row-inserter.ts";

export interface SqliteBaseline {
  rate: number;
  seconds: number;
  bytesPerRow: number;
}

export function measureSqliteBaseline(batches: Batch[]): SqliteBaseline {
  const dir = mkdtempSync(join(tmpdir(), "stemedb-bench-sqlite-"));
  try {
    const db = openDatabase(join(dir, "state.sqlite"));
    const insert = storeRowInserter(db);
    let rows = 0;
    const started = performance.now();
    for (const batch of batches) {
      db.transaction(() => {
        for (const r of batch.rows) {
          insert(r);
        }
      }).immediate();
      rows += batch.rows.length;
    }
    const seconds = (performance.now() - started) / 1000;
    db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    db.close();
    const rate = Math.round(rows / seconds);
    const bytesPerRow = Math.round(duBytes(dir) / rows);
    progress(`S (SQLite floor): ${rate} rows/s, ${bytesPerRow} B/row on disk`);
    return { rate, seconds, bytesPerRow };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
