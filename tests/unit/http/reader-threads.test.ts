/**
 * Reader threads (SPEC §11) on a real socket: `startServer` with reader
 * threads on port 0. Which thread answered a read is read from
 * `stemedb_http_thread_requests_total` (a scrape is answered by the main
 * thread, or forwarded there, so only reads move a reader's count); every
 * request uses a fresh connection, so the kernel spreads them over the
 * threads. Loops stop on the condition, bounded.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type InclusionProof,
  StemeClient,
  verifyConsistencyProof,
  verifyInclusionProof,
  verifyTreeHead,
} from "../../../src/client/index.ts";
import { parseConfig, type SettingKey } from "../../../src/config.ts";
import { type RunningServer, startServer } from "../../../src/http/server.ts";
import { memoryLogger } from "../../../src/logger.ts";
import type { SignedTreeHead } from "../../../src/merkle/tree-head.ts";
import { json, problem, testAgent } from "./http-test-helpers.ts";

const dirs: string[] = [];
const servers: RunningServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(
  flags: Partial<Record<SettingKey, unknown>> = {},
  dir = mkdtempSync(join(tmpdir(), "stemedb-readers-")),
) {
  if (!dirs.includes(dir)) dirs.push(dir);
  const log = memoryLogger();
  const server = await startServer(
    // The writer's thread listens too (the layout before issue 17; the layout
    // without it: writer-serves-no-http.test.ts), so "either thread" is two threads.
    parseConfig({
      dataDir: dir,
      port: 0,
      host: "127.0.0.1",
      httpThreads: 1,
      writerHttp: true,
      ...flags,
    }),
    log,
  );
  servers.push(server);
  return { server, dir, log, readers: await server.readersReady };
}

/** A request on a connection of its own. */
const fresh = (url: string, init: RequestInit = {}) =>
  fetch(url, { ...init, headers: { ...init.headers, connection: "close" } });

async function metric(url: string, line: RegExp): Promise<number> {
  const text = await (await fresh(`${url}/metrics`)).text();
  const m = text.match(line);
  return m === null ? 0 : Number(m[1]);
}
const readerAnswered = (url: string) =>
  metric(url, /^stemedb_http_thread_requests_total\{thread="reader-1"\} (\d+)$/m);

/** Repeats `read` on fresh connections until a reader thread answers it; returns that answer. */
async function fromReader<T>(url: string, read: () => Promise<T>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const before = await readerAnswered(url);
    const result = await read();
    if ((await readerAnswered(url)) > before) return result;
  }
  throw new Error("no read landed on the reader thread in 200 fresh connections");
}

describe("reader threads", () => {
  test("reads on either thread see every acknowledged write; writes landing on a reader are forwarded and durable", async () => {
    const { server, dir, readers } = await start();
    expect(readers).toBe(1);
    expect(await metric(server.url, /^stemedb_reader_threads (\d+)$/m)).toBe(1);
    const agent = testAgent();
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const concept = `acme/ryw/k${i}`;
      const res = await fresh(`${server.url}/v1/assert`, json(agent.sign({ concept, value: i })));
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      ids.push(id);
      // Read-your-writes: the next request, whichever thread it lands on, sees it.
      const byId = await fresh(`${server.url}/v1/assertions/${id}`);
      expect(byId.status).toBe(200);
      const q = (await (await fresh(`${server.url}/v1/query?concept=${concept}`)).json()) as {
        tree_size: number;
        results: { value: unknown }[];
      };
      expect(q.results.map((r) => r.value)).toEqual([i]);
      expect(q.tree_size).toBe(i + 1);
    }
    expect(await readerAnswered(server.url)).toBeGreaterThan(0);
    const forwarded = await metric(
      server.url,
      /^stemedb_http_forwarded_total\{thread="reader-1"\} (\d+)$/m,
    );
    expect(forwarded).toBeGreaterThan(0);
    // The main thread's registry sums the reader's request counts and latencies in.
    const text = await (await fresh(`${server.url}/metrics`)).text();
    const queries = text.match(
      /^stemedb_http_requests_total\{method="GET",route="\/v1\/query",status="200"\} (\d+)$/m,
    );
    expect(Number(queries?.[1])).toBe(60);
    const timed = text.match(
      /^stemedb_http_request_duration_seconds_count\{method="GET",route="\/v1\/query"\} (\d+)$/m,
    );
    expect(Number(timed?.[1])).toBe(60);

    // Every acknowledged write is in the log and the state: a restart (one thread) serves all 60.
    await server.stop();
    servers.splice(servers.indexOf(server), 1);
    const again = await start({ httpThreads: 0 }, dir);
    for (const id of ids) {
      expect((await fetch(`${again.server.url}/v1/assertions/${id}`)).status).toBe(200);
    }
  }, 60_000);

  test("tree heads and proofs answered by a reader verify with the SDK", async () => {
    const { server } = await start();
    const client = new StemeClient({
      baseUrl: server.url,
      fetch: (input, init) => fresh(String(input), init),
    });
    const agent = testAgent();
    const first = await client.assert(agent.sign({ concept: "acme/proof/a" }));
    const older: SignedTreeHead = first.sth;
    for (let i = 0; i < 9; i++) await client.assert(agent.sign({ concept: `acme/proof/b${i}` }));

    const sth = await fromReader(server.url, () => client.root());
    expect(sth.tree_size).toBe(10);
    expect(verifyTreeHead(sth, older.server_key)).toBe(true);
    const proof = await fromReader(server.url, () =>
      client.inclusionProof(first.id, sth.tree_size),
    );
    expect(verifyInclusionProof(first.id, proof as InclusionProof, sth)).toBe(true);
    const consistency = await fromReader(server.url, () =>
      client.consistencyProof(older.tree_size, sth.tree_size),
    );
    expect(verifyConsistencyProof(older, sth, consistency)).toBe(true);
  }, 60_000);

  test("a reader answers with the main app's middleware and error mapper", async () => {
    const { server } = await start();
    const res = await fromReader(server.url, () =>
      fresh(`${server.url}/v1/query?concept=acme/x&limit=0`, {
        headers: { "x-request-id": "reader-test-1" },
      }),
    );
    expect(res.status).toBe(422);
    expect(res.headers.get("x-request-id")).toBe("reader-test-1");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("ratelimit-policy")).toBe('"query";q=200000;w=2');
    const p = await problem(res);
    expect(p.request_id).toBe("reader-test-1");
    expect(p.field).toBe("limit");
  }, 60_000);

  test("writes landing on a reader are verified there and answered as on the main thread: single, bad signature, batch, NDJSON", async () => {
    const { server } = await start();
    const agent = testAgent();
    const prepared = () =>
      metric(server.url, /^stemedb_http_prepared_writes_total\{thread="reader-1"\} (\d+)$/m);
    const seen = { single: 0, forged: 0, batch: 0, ndjson: 0 };
    for (let i = 0; i < 400 && Object.values(seen).some((n) => n === 0); i++) {
      const kind = (["single", "forged", "batch", "ndjson"] as const)[i % 4] as keyof typeof seen;
      const before = await prepared();
      const good = agent.sign({ concept: `acme/prep/k${i}`, value: i });
      const forged = { ...good, sig: good.sig.replace(/^./, (ch) => (ch === "0" ? "1" : "0")) };
      if (kind === "single") {
        const res = await fresh(`${server.url}/v1/assert`, json(good));
        expect(res.status).toBe(201);
        expect(await res.json()).toMatchObject({ status: "accepted", seq: expect.any(Number) });
      } else if (kind === "forged") {
        const p = await problem(await fresh(`${server.url}/v1/assert`, json(forged)));
        expect(p).toMatchObject({ status: 422, code: "bad_signature", field: "sig" });
      } else {
        const items = [good, forged, { v: 1 }, good];
        const init =
          kind === "batch"
            ? json(items)
            : {
                method: "POST",
                headers: { "content-type": "application/x-ndjson" },
                body: items.map((x) => JSON.stringify(x)).join("\n"),
              };
        const res = await fresh(`${server.url}/v1/assert`, init);
        expect(res.status).toBe(200);
        const body = (await res.json()) as {
          results: { status: string; error?: { code: string } }[];
        };
        expect(body.results.map((r) => r.status)).toEqual([
          "accepted",
          "rejected",
          "rejected",
          "duplicate",
        ]);
        expect(body.results[1]?.error?.code).toBe("bad_signature");
        expect(body.results[2]?.error?.code).toBe("missing_field");
      }
      if ((await prepared()) > before) seen[kind]++;
    }
    expect(seen).toEqual({
      single: expect.any(Number),
      forged: expect.any(Number),
      batch: expect.any(Number),
      ndjson: expect.any(Number),
    });
    for (const n of Object.values(seen)) expect(n).toBeGreaterThan(0);
  });

  test("min_tree_size on a reader: a size the tree has answers, a size it lacks is 503 not_ready (query string and POST body)", async () => {
    const { server } = await start({ minTreeSizeWaitMs: 50 });
    const agent = testAgent();
    const res = await fresh(
      `${server.url}/v1/assert`,
      json(agent.sign({ concept: "acme/mts/k", value: 1 })),
    );
    expect(res.status).toBe(201);
    const ok = await fromReader(server.url, () =>
      fresh(`${server.url}/v1/query?concept=acme/mts/k&min_tree_size=1`),
    );
    expect(ok.status).toBe(200);
    const ahead = await fromReader(server.url, () =>
      fresh(`${server.url}/v1/merkle/root?min_tree_size=2`),
    );
    expect(ahead.status).toBe(503);
    expect(ahead.headers.get("retry-after")).toBe("1");
    const p = await problem(ahead);
    expect(p.code).toBe("not_ready");
    expect(p.detail).toContain("min_tree_size");
    const body = await fromReader(server.url, () =>
      fresh(`${server.url}/v1/query`, json({ concept: "acme/mts/k", min_tree_size: 2 })),
    );
    expect(body.status).toBe(503);
    expect((await problem(body)).code).toBe("not_ready");
  }, 60_000);

  test("a client has one query budget across the threads (shared buckets)", async () => {
    // Capacity 1 token, refilled at 0.5/s: one budget allows 1 + 0.5/s × elapsed;
    // a bucket per thread would allow one more per thread the requests reach.
    const { server } = await start({ rateQueryPerIp: 0.5, rateBurstSeconds: 2 });
    const started = performance.now();
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      statuses.push((await fresh(`${server.url}/v1/query?concept=acme/rl`)).status);
    }
    const elapsedS = (performance.now() - started) / 1000;
    const allowed = statuses.filter((s) => s === 200).length;
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(allowed).toBeGreaterThanOrEqual(1);
    expect(allowed).toBeLessThanOrEqual(1 + Math.floor(0.5 * elapsedS));
    // Both threads answered some of them (their refusals are counted in one place too).
    expect(await readerAnswered(server.url)).toBeGreaterThan(0);
    const refused = await metric(
      server.url,
      /^stemedb_rate_limited_total\{class="query",route="\/v1\/query"\} (\d+)$/m,
    );
    expect(refused).toBe(30 - allowed);
  }, 60_000);

  test("oversize bodies forwarded by a reader get the main thread's 413, declared or chunked", async () => {
    const { server } = await start({ maxBodyBytes: 64 * 1024 });
    const forwardedCount = () =>
      metric(server.url, /^stemedb_http_forwarded_total\{thread="reader-1"\} (\d+)$/m);
    const big = "x".repeat(64 * 1024 + 10);
    const chunked = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 4; i++)
            controller.enqueue(new TextEncoder().encode(big.slice(0, 20_000)));
          controller.close();
        },
      });
    for (const body of [() => big, chunked]) {
      let seen = false;
      for (let i = 0; i < 200 && !seen; i++) {
        const before = await forwardedCount();
        const res = await fresh(`${server.url}/v1/assert`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: body(),
        });
        expect(res.status).toBe(413);
        expect((await problem(res)).code).toBe("body_too_large");
        // The later scrape may count itself as forwarded: only a rise of 2 proves this request was.
        seen = (await forwardedCount()) - before > 1;
      }
      expect(seen).toBe(true);
    }
  }, 60_000);

  test("a Host header whose URL does not parse back is forwarded like any other (200, not 500)", async () => {
    const { server } = await start();
    const port = Number(new URL(server.url).port);
    const raw = () =>
      new Promise<string>((resolve) => {
        let out = "";
        Bun.connect({
          hostname: "127.0.0.1",
          port,
          socket: {
            open(socket) {
              socket.write(
                "GET /v1/health/live HTTP/1.1\r\nHost: evil.example:99999\r\nConnection: close\r\n\r\n",
              );
            },
            data(_socket, chunk) {
              out += chunk.toString();
            },
            close: () => resolve(out),
            error: () => resolve(out),
          },
        });
      });
    const forwardedCount = () =>
      metric(server.url, /^stemedb_http_forwarded_total\{thread="reader-1"\} (\d+)$/m);
    let seen = false;
    for (let i = 0; i < 200 && !seen; i++) {
      const before = await forwardedCount();
      expect((await raw()).split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
      seen = (await forwardedCount()) - before > 1; // as above: a rise of 2 proves it
    }
    expect(seen).toBe(true);
  }, 60_000);

  test("stop() ends every thread: no thread accepts connections afterwards", async () => {
    const { server } = await start({ httpThreads: 2 });
    expect(await server.readersReady).toBe(2);
    await server.stop();
    servers.splice(servers.indexOf(server), 1);
    for (let i = 0; i < 20; i++) {
      await expect(fresh(`${server.url}/v1/health/live`)).rejects.toThrow();
    }
  }, 60_000);

  test("a port held by another server is refused, as without reader threads", async () => {
    const other = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("x") });
    try {
      const dir = mkdtempSync(join(tmpdir(), "stemedb-readers-"));
      dirs.push(dir);
      await expect(
        startServer(
          parseConfig({ dataDir: dir, port: other.port, host: "127.0.0.1", httpThreads: 1 }),
          memoryLogger(),
        ),
      ).rejects.toThrow();
    } finally {
      other.stop(true);
    }
  }, 60_000);
});
