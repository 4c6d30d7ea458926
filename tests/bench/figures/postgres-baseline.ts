/**
 * PostgreSQL baseline (SPEC §9): the same rows in a table with the same columns
 * and indexes as StemeDB's SQLite state (id unique; concept, concept_rev,
 * predicate, agent), loaded with multi-row INSERTs of 1000 rows, one statement
 * = one transaction, each commit durable (`synchronous_commit=on`, `fsync=on`),
 * over the same number of concurrent connections as StemeDB's batch ingest
 * (Bun.SQL client). Then `ANALYZE`, and the same look-ups as StemeDB's queries,
 * driven by pgbench (64 connections, one thread, prepared): the rows of the
 * visible assertions of the matching keys — no lens is computed. Bytes per row
 * are `pg_total_relation_size` (heap, indexes, TOAST; WAL not counted).
 */
import { join } from "node:path";
import { type Batch, COMPONENTS, conceptCount, rowParams } from "../lib/dataset.ts";
import { runPgbench } from "../lib/pgbench.ts";
import { connect, startPostgres } from "../lib/postgres.ts";
import { progress } from "../lib/progress.ts";

export interface PostgresBaseline {
  insertRate: number;
  insertSeconds: number;
  bytesPerRow: number;
  queries: { exact: number; tail: number; prefix: number };
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

/** pgbench script head: a random existing concept number c, and its parts. */
function pickConcept(n: number): string {
  return [
    `\\set c random(0, ${conceptCount(n) - 1})`,
    "\\set s :c / 4",
    "\\set a :s % 97",
    "\\set b :s % 211",
    "\\set m :c % 4 + 1",
    "",
  ].join("\n");
}
const COMPONENT = `(ARRAY[${COMPONENTS.map((c) => `'${c}'`).join(",")}])[:m::int]`;
const PREFIX = "'org' || :a::int || '/team' || :b::int || '/svc' || :s::int";
const KEYS = {
  exact: `${PREFIX} || '/' || ${COMPONENT}`,
  tail: `${COMPONENT} || '/svc' || :s::int`,
  prefix: PREFIX,
};
const SELECT = "SELECT seq, concept, predicate, agent, value, confidence, ts FROM assertions WHERE";
const VISIBLE = "AND status IN (1, 3) ORDER BY concept, predicate, ts DESC;";
/** Whole-segment range match on `column` (concept or concept_rev), as SPEC §4 defines it. */
const under = (column: string, key: string) =>
  `${column} >= ${key} AND ${column} < ${key} || '0' AND (${column} = ${key} OR starts_with(${column}, ${key} || '/'))`;

const SCRIPTS = {
  exact: `${SELECT} concept = ${KEYS.exact} ${VISIBLE}`,
  tail: `${SELECT} ${under("concept_rev", KEYS.tail)} ${VISIBLE}`,
  prefix: `${SELECT} ${under("concept", KEYS.prefix)} ${VISIBLE}`,
};

export async function measurePostgresBaseline(
  pgBin: string,
  batches: Batch[],
  options: { n: number; concurrency: number; connections: number; seconds: number; dir: string },
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
      const queries = { exact: 0, tail: 0, prefix: 0 };
      for (const kind of ["exact", "tail", "prefix"] as const) {
        progress(`postgres ${kind} look-ups (pgbench)`);
        const script = `${pickConcept(options.n)}${SCRIPTS[kind]}\n`;
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
