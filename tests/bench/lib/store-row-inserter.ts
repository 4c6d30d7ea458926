/**
 * Inserts benchmark rows into a database opened with StemeDB's own schema
 * (`openDatabase` runs the project's migrations) through the store's own row
 * insert (`AssertionTable.insert`, keys interned by `KeyInterner`), so the
 * SQLite floor S of SPEC §9 and the Litestream writer of the RPO benchmark
 * follow every schema or index change without an edit here. Nothing else of
 * apply runs: no planning, duplicate probe, Merkle node or log.
 */
import type { Database } from "bun:sqlite";
import { AssertionTable } from "../../../src/store/assertion-table.ts";
import { KeyInterner } from "../../../src/store/key-interner.ts";
import type { BenchRow } from "./dataset.ts";

export function storeRowInserter(db: Database): (r: BenchRow) => void {
  const table = new AssertionTable(db, new KeyInterner(db));
  return (r) => {
    table.insert({
      seq: r.seq,
      id: r.id,
      concept: r.concept,
      predicate: r.predicate,
      agent: r.agent,
      confidence: r.confidence,
      ts: r.ts,
      retracts: null,
      status: r.status,
      reasons: [],
      received_at: r.received_at,
      canonical: r.canonical,
      sig: r.sig,
    });
  };
}
