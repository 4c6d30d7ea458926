/**
 * The storage ceiling (SPEC §9 baseline): the same rows inserted straight into
 * bun:sqlite with StemeDB's own schema, indexes and pragmas (`openDatabase`:
 * WAL, synchronous=NORMAL, 64 MiB cache), 1000 rows per transaction, in this
 * process — no HTTP, no verification, no log, no Merkle tree; keys interned
 * by `v2RowInserter`, so the figure stays a ceiling. Also reports the bytes per row on disk once the
 * WAL is checkpointed into the database file.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../../src/store/open-database.ts";
import type { Batch } from "../lib/dataset.ts";
import { duBytes } from "../lib/disk.ts";
import { progress } from "../lib/progress.ts";
import { v2RowInserter } from "../lib/v2-row-inserter.ts";

export interface SqliteBaseline {
  rate: number;
  seconds: number;
  bytesPerRow: number;
}

export function measureSqliteBaseline(batches: Batch[]): SqliteBaseline {
  const dir = mkdtempSync(join(tmpdir(), "stemedb-bench-sqlite-"));
  try {
    const db = openDatabase(join(dir, "state.sqlite"));
    const insert = v2RowInserter(db);
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
    progress(`raw bun:sqlite inserts: ${rate} rows/s, ${bytesPerRow} B/row on disk`);
    return { rate, seconds, bytesPerRow };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
