/**
 * The answer caches through HTTP with a reader thread (issue 17): every thread
 * keeps its own, the writer's published changes reach both (a write is seen by
 * the next query wherever it lands: read-your-writes), and `/metrics` adds up
 * their hits, misses, entries and bytes across threads.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../../src/config.ts";
import { type RunningServer, startServer } from "../../../src/http/server.ts";
import { memoryLogger } from "../../../src/logger.ts";
import { json, testAgent } from "./http-test-helpers.ts";

const dirs: string[] = [];
const servers: RunningServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const metric = (text: string, name: string): number =>
  Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);

test("each thread caches; a write is seen by the next query on any thread; /metrics sums them", async () => {
  const dir = mkdtempSync(join(tmpdir(), "stemedb-query-cache-"));
  dirs.push(dir);
  const server = await startServer(
    parseConfig({ dataDir: dir, port: 0, host: "127.0.0.1", httpThreads: 1 }),
    memoryLogger(),
  );
  servers.push(server);
  expect(await server.readersReady).toBe(1);
  const agent = testAgent();
  const url = `${server.url}/v1/query?concept=acme/cache&predicate=status`;
  for (let i = 0; i < 6; i++) {
    const sent = agent.sign({ concept: "acme/cache", value: `v${i}` });
    const receipt = (await (await fetch(`${server.url}/v1/assert`, json(sent))).json()) as {
      tree_size: number;
    };
    // Six fresh connections (the kernel spreads them over both threads): one
    // thread gets three or more, its third a hit (answers are stored on a second miss).
    for (let j = 0; j < 6; j++) {
      const answer = (await (await fetch(url, { headers: { connection: "close" } })).json()) as {
        tree_size: number;
        results: { value: unknown }[];
      };
      expect(answer.results[0]?.value).toBe(`v${i}`);
      expect(answer.tree_size).toBeGreaterThanOrEqual(receipt.tree_size);
    }
  }
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const hits = metric(text, "stemedb_query_cache_hits_total");
  const misses = metric(text, "stemedb_query_cache_misses_total");
  expect(hits + misses).toBe(36);
  expect(misses).toBeGreaterThanOrEqual(6); // every write invalidates the key on both threads
  expect(hits).toBeGreaterThan(0);
  expect(metric(text, "stemedb_query_cache_entries")).toBeGreaterThanOrEqual(1);
  expect(metric(text, "stemedb_query_cache_bytes")).toBeGreaterThan(100);
}, 30_000);
