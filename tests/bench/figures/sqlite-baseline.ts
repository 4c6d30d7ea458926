/**
 * The storage ceiling (SPEC §9 baseline): the same rows inserted straight into
 * bun:sqlite with StemeDB's own schema, indexes and pragmas (`openDatabase`:
 * WAL, synchronous=NORMAL, 64 MiB cache), 1000 rows per transaction, in this
 * process — no HTTP, no verification, no log, no Merkle tree. Keys are interned
 * as schema v2 stores them (key rows added when new), from in-memory maps, so
 * the figure stays a ceiling. Also reports the bytes per row on disk once the
 * WAL is checkpointed into the database file.
 */

import type { SQLQueryBindings } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../../src/store/open-database.ts";
import { type Batch, rowTail } from "../lib/dataset.ts";
import { duBytes } from "../lib/disk.ts";
import { progress } from "../lib/progress.ts";

export interface SqliteBaseline {
  rate: number;
  seconds: number;
  bytesPerRow: number;
}

export function measureSqliteBaseline(batches: Batch[]): SqliteBaseline {
  const dir = mkdtempSync(join(tmpdir(), "stemedb-bench-sqlite-"));
  try {
    const db = openDatabase(join(dir, "state.sqlite"));
    const insert = db.query(
      `INSERT INTO assertions (seq, id, concept, predicate, agent, confidence, ts, retracts,
         status, reasons, received_at, canonical, sig)
       VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, ?, ?, ?)`,
    );
    const intern = (sql: string) => {
      const add = db.query(sql);
      const ids = new Map<string, number>();
      return (key: string, ...extra: SQLQueryBindings[]): number => {
        let id = ids.get(key);
        if (id === undefined) {
          id = Number(add.run(key, ...extra).lastInsertRowid);
          ids.set(key, id);
        }
        return id;
      };
    };
    const concept = intern("INSERT INTO concepts (path, concept_rev) VALUES (?, ?)");
    const predicate = intern("INSERT INTO predicates (name) VALUES (?)");
    const agent = intern("INSERT INTO agent_keys (key) VALUES (?)");
    let rows = 0;
    const started = performance.now();
    for (const batch of batches) {
      db.transaction(() => {
        for (const r of batch.rows) {
          insert.run(
            r.seq,
            r.id,
            concept(r.concept, r.concept_rev),
            predicate(r.predicate),
            agent(r.agent),
            ...rowTail(r),
          );
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
