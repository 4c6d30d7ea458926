/**
 * The Litestream side of tests/bench/backup-rpo-rto.ts: a writer process with
 * an SQLite database equivalent to StemeDB's state (its own schema, indexes
 * and pragmas through `openDatabase`, but `synchronous = FULL`, so a commit is
 * fsynced before it counts as acknowledged — as StemeDB fsyncs its log before
 * answering), taking the same rows in the same batches at a given rate.
 *
 *   bun tests/bench/litestream-writer.ts <db> <n> <batch> <now> <rows-per-second>
 *
 * Builds the dataset (lib/dataset.ts, same seed), opens the database, prints
 * `ready`, waits for a line on stdin, then commits batch after batch, paced,
 * printing `acked <last seq>` after each commit. It runs until killed.
 */
import { openDatabase } from "../../src/store/open-database.ts";
import { AgentPool, buildDataset } from "./lib/dataset.ts";
import { storeRowInserter } from "./lib/store-row-inserter.ts";

const [db, n, batch, now, rate] = process.argv.slice(2);
if (rate === undefined) {
  process.stderr.write("usage: litestream-writer.ts <db> <n> <batch> <now> <rows-per-second>\n");
  process.exit(2);
}
const batches = buildDataset(Number(n), Number(batch), new AgentPool(1000), Number(now));
const sqlite = openDatabase(db as string);
sqlite.run("PRAGMA synchronous = FULL");
const insert = storeRowInserter(sqlite);
process.stdout.write("ready\n");
for await (const _ of console) break; // the go signal: one line on stdin

const started = performance.now();
let rows = 0;
for (const b of batches) {
  const due = started + (rows / Number(rate)) * 1000;
  const wait = due - performance.now();
  if (wait > 0) await Bun.sleep(wait);
  sqlite
    .transaction(() => {
      for (const r of b.rows) insert(r);
    })
    .immediate();
  rows += b.count;
  process.stdout.write(`acked ${rows}\n`);
}
process.stdout.write("done\n");
await new Promise(() => {}); // stay up until killed, like a server
