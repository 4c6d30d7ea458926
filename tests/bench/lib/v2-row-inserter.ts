/**
 * Inserts benchmark rows into a database with StemeDB's own schema (v2):
 * keys interned as the store interns them (a key row added when new), from
 * in-memory maps so the cost stays a ceiling. The SQLite baseline and the
 * Litestream writer of the RPO benchmark both insert through it, so both
 * follow the schema when it changes.
 */
import type { Database, SQLQueryBindings } from "bun:sqlite";
import { type BenchRow, rowTail } from "./dataset.ts";

export function v2RowInserter(db: Database): (r: BenchRow) => void {
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
  return (r) => {
    insert.run(
      r.seq,
      r.id,
      concept(r.concept, r.concept_rev),
      predicate(r.predicate),
      agent(r.agent),
      ...(rowTail(r) as SQLQueryBindings[]),
    );
  };
}
