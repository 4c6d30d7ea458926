/**
 * The PostgreSQL peer (SPEC §9: it verifies nothing, so it is the peer, not
 * the bar): the same rows in a table with the same columns and indexes as
 * StemeDB's SQLite state had with text keys (id unique; concept, concept_rev,
 * predicate, agent), loaded with multi-row INSERTs of 1000 rows, one
 * statement = one transaction, each commit durable (`synchronous_commit=on`,
 * `fsync=on`), over the same number of concurrent connections as StemeDB's
 * batch ingest (Bun.SQL client). Then `ANALYZE`, and the same look-ups as
 * StemeDB's queries — one key (concept + predicate), exactly or by tail —
 * driven by pgbench (one thread, prepared, as many connections as wrk): the
 * visible rows of the key, no lens computed. pgbench cannot build the
 * dataset's concept paths, so each transaction picks a random key number and
 * joins it to a `bench_keys` table of the run's keys (a primary-key look-up,
 * counted in the peer's time). Bytes per row are `pg_total_relation_size` of
 * the assertions (heap, indexes, TOAST; WAL not counted).
 */
import { join } from "node:path";
import type { SQL } from "bun";
import { reverseConcept } from "../../../src/store/concept-path.ts";
import { type Batch, rowParams } from "../lib/dataset.ts";
import type { DatasetShape } from "../lib/dataset-shape.ts";
import { runPgbench } from "../lib/pgbench.ts";
import { connect, startPostgres } from "../lib/postgres.ts";
import { progress } from "../lib/progress.ts";

export interface PostgresBaseline {
  insertRate: number;
  insertSeconds: number;
  bytesPerRow: number;
  queries: { exact: number; tail: number };
}

const SCHEMA = `
CREATE TABLE assertions (
  seq bigint PRIMARY KEY, id bytea NOT NULL, concept text NOT NULL, concept_rev text NOT NULL,
  predicate text NOT NULL, agent text NOT NULL, value text NOT NULL, confidence double precision,
  ts bigint NOT NULL, retracts bytea, status smallint NOT NULL, reasons text,
  received_at bigint NOT NULL, canonical bytea NOT NULL, sig bytea NOT NULL);
CREATE UNIQUE INDEX assertions_by_id ON assertions(id);
CREATE INDEX assertions_by_concept ON assertions(concept, predicate);
CREATE INDEX assertions_by_concept_rev ON assertions(concept_rev, predicate);
CREATE INDEX assertions_by_predicate ON assertions(predicate, concept);
CREATE INDEX assertions_by_agent ON assertions(agent, concept, predicate);`;

const COLUMNS = 13;

function insertStatement(batch: Batch): { text: string; params: unknown[] } {
  const values: string[] = [];
  const params: unknown[] = [];
  for (const r of batch.rows) {
    const b = params.length;
    const p = (i: number) => `$${b + i}`;
    values.push(
      `(${p(1)},${p(2)},${p(3)},${p(4)},${p(5)},${p(6)},${p(7)},${p(8)},${p(9)},NULL,${p(10)},NULL,${p(11)},${p(12)},${p(13)})`,
    );
    params.push(...rowParams(r));
  }
  if (params.length !== batch.rows.length * COLUMNS) throw new Error("column count mismatch");
  return { text: `INSERT INTO assertions VALUES ${values.join(",")}`, params };
}

const KEYS_TABLE = `
CREATE TABLE bench_keys (n int PRIMARY KEY, concept text NOT NULL, tail_rev text NOT NULL,
  predicate text NOT NULL);`;
const SELECT =
  "SELECT a.seq, a.concept, a.predicate, a.agent, a.value, a.confidence, a.ts FROM bench_keys AS q JOIN assertions AS a ON";
const VISIBLE = "WHERE q.n = :k AND a.status IN (1, 3) ORDER BY a.concept, a.predicate, a.ts DESC;";
/** Whole-segment tail match (SPEC §4) as a range on concept_rev. */
const TAIL = `a.concept_rev >= q.tail_rev AND a.concept_rev < q.tail_rev || '0'
  AND (a.concept_rev = q.tail_rev OR starts_with(a.concept_rev, q.tail_rev || '/'))`;
const SCRIPTS = {
  exact: `${SELECT} a.concept = q.concept AND a.predicate = q.predicate ${VISIBLE}`,
  tail: `${SELECT} ${TAIL} AND a.predicate = q.predicate ${VISIBLE}`,
};

/** The run's keys into `bench_keys`, 1000 per INSERT. */
async function loadKeys(sql: SQL, shape: DatasetShape, keys: number): Promise<void> {
  await sql.unsafe(KEYS_TABLE);
  for (let start = 0; start < keys; start += 1000) {
    const values: string[] = [];
    const params: unknown[] = [];
    for (let k = start; k < Math.min(keys, start + 1000); k++) {
      const { concept, predicate } = shape.key(k);
      const b = params.length;
      values.push(`($${b + 1},$${b + 2},$${b + 3},$${b + 4})`);
      params.push(k, concept, reverseConcept(shape.tail(k)), predicate);
    }
    await sql.unsafe(`INSERT INTO bench_keys VALUES ${values.join(",")}`, params);
  }
  await sql.unsafe("ANALYZE bench_keys");
}

export async function measurePostgresBaseline(
  pgBin: string,
  batches: Batch[],
  options: {
    n: number;
    shape: DatasetShape;
    concurrency: number;
    connections: number;
    seconds: number;
    dir: string;
  },
): Promise<PostgresBaseline> {
  const pg = await startPostgres(pgBin);
  try {
    const sql = connect(pg, options.concurrency);
    try {
      await sql.unsafe(SCHEMA);
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          for (let i = next++; i < batches.length; i = next++) {
            const { text, params } = insertStatement(batches[i] as Batch);
            await sql.unsafe(text, params);
          }
        }),
      );
      const insertSeconds = (performance.now() - started) / 1000;
      const rows = batches.reduce((a, b) => a + b.rows.length, 0);
      const insertRate = Math.round(rows / insertSeconds);
      progress(`postgres multi-row INSERTs: ${insertRate} rows/s`);
      await sql.unsafe("ANALYZE assertions");
      const [size] = await sql.unsafe(
        "SELECT pg_total_relation_size('assertions')::bigint AS bytes",
      );
      const bytesPerRow = Math.round(Number(size.bytes) / rows);
      const keys = options.shape.keyCount(options.n);
      await loadKeys(sql, options.shape, keys);
      const queries = { exact: 0, tail: 0 };
      for (const kind of ["exact", "tail"] as const) {
        progress(`postgres ${kind} look-ups (pgbench)`);
        // The same statement once from here: it must find the key's rows.
        const sample = await sql.unsafe(SCRIPTS[kind].replace(":k", "$1"), [keys - 1]);
        if (sample.length === 0) throw new Error(`postgres ${kind} look-up found no rows`);
        const script = `\\set k random(0, ${keys - 1})\n${SCRIPTS[kind]}\n`;
        const r = await runPgbench(pg, join(options.dir, `pgbench-${kind}.sql`), script, options);
        if (r.failed > 0) throw new Error(`pgbench ${kind}: ${r.failed} failed transactions`);
        queries[kind] = r.rate;
      }
      return { insertRate, insertSeconds, bytesPerRow, queries };
    } finally {
      await sql.close();
    }
  } finally {
    await pg.stop();
  }
}
