/**
 * Runs one StemeDB server for the benchmark, in its own process so the load
 * generator, the server and the harness never share a thread (SPEC §9):
 *
 *   bun tests/bench/serve-for-bench.ts <data-dir>
 *
 * Listens on 127.0.0.1, a free port; prints `listening <url>` on stdout once the
 * engine is open and the port bound (every HTTP thread listens by then; with
 * STEMEDB_WRITER_HTTP=true they join within ~0.5 s: see
 * `stemedb_reader_threads` in /metrics); SIGTERM drains and exits 0 (which also
 * lets `bun --cpu-prof` write its profile). STEMEDB_* variables apply as usual.
 */
import { parseConfig } from "../../src/config.ts";
import { installSignalHandlers, startServer } from "../../src/http/server.ts";
import { jsonLogger } from "../../src/logger.ts";

const dataDir = process.argv[2];
if (dataDir === undefined) {
  process.stderr.write("usage: bun tests/bench/serve-for-bench.ts <data-dir>\n");
  process.exit(2);
}
const config = parseConfig({ dataDir, port: 0, host: "127.0.0.1" }, process.env);
// Warnings and errors only (the harness keeps the stderr tail and prints it on failure).
const logger = jsonLogger("warn");
const server = await startServer(config, logger);
installSignalHandlers(server, logger);
process.stdout.write(`listening ${server.url}\n`);
