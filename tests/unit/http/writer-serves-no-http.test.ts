/**
 * The writer's thread serving no HTTP (issue 17, SPEC §11): with `writerHttp`
 * false the HTTP threads own the port — the first picks it (port 0), the
 * rest join it — and every connection lands on one of them, which answers
 * reads and prepares every write before the writer's thread sees it. On a
 * real socket through `startServer`; every request uses a fresh connection so
 * the kernel spreads them; loops stop on the condition, bounded.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig, type SettingKey } from "../../../src/config.ts";
import { StemeError } from "../../../src/errors.ts";
import { type RunningServer, startServer } from "../../../src/http/server.ts";
import { memoryLogger } from "../../../src/logger.ts";
import { json, testAgent } from "./http-test-helpers.ts";

const dirs: string[] = [];
const servers: RunningServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function config(flags: Partial<Record<SettingKey, unknown>>, dir?: string) {
  const dataDir = dir ?? mkdtempSync(join(tmpdir(), "stemedb-writer-no-http-"));
  if (!dirs.includes(dataDir)) dirs.push(dataDir);
  return parseConfig({
    dataDir,
    port: 0,
    host: "127.0.0.1",
    httpThreads: 2,
    writerHttp: false,
    ...flags,
  });
}

async function start(flags: Partial<Record<SettingKey, unknown>> = {}, dir?: string) {
  const server = await startServer(config(flags, dir), memoryLogger());
  servers.push(server);
  return server;
}

/** A request on a connection of its own. */
const fresh = (url: string, init: RequestInit = {}) =>
  fetch(url, { ...init, headers: { ...init.headers, connection: "close" } });

/** One counter of `/metrics` per thread label (`reader-1` → n). */
async function perThread(url: string, name: string): Promise<Map<string, number>> {
  const text = await (await fresh(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(new RegExp(`^${name}\\{thread="([^"]+)"\\} (\\d+)$`, "gm"))) {
    out.set(m[1] as string, Number(m[2]));
  }
  return out;
}
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/**
 * A POST held open on its own socket: its headers ask `Expect: 100-continue`,
 * so the `100 Continue` proves an HTTP thread took the request in; `finish`
 * sends the body and resolves with the status line of the final answer.
 */
function heldPost(port: number, body: string) {
  const continued = Promise.withResolvers<void>();
  const answered = Promise.withResolvers<string>();
  let out = "";
  let socket: Bun.Socket<undefined> | undefined;
  Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      open(s) {
        socket = s;
        s.write(
          `POST /v1/assert HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
        );
      },
      data(_s, chunk) {
        out += chunk.toString();
        if (out.includes("100 Continue")) continued.resolve();
        const final = out.split("\r\n").find((l) => /^HTTP\/1\.1 [2-5]\d\d /.test(l));
        if (final !== undefined && out.includes("\r\n\r\n{")) answered.resolve(final);
      },
      close: () =>
        answered.resolve(out.split("\r\n").find((l) => /^HTTP\/1\.1 [2-5]/.test(l)) ?? ""),
      error: () => answered.resolve(""),
    },
  });
  return {
    continued: continued.promise,
    finish(): Promise<string> {
      socket?.write(body);
      return answered.promise;
    },
  };
}

describe("the writer's thread serves no HTTP (writerHttp false)", () => {
  test("port 0: the first HTTP thread picks the port, the others join it; url and port name it", async () => {
    const server = await start();
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    // Every thread listens before startServer returns.
    expect(await server.readersReady).toBe(2);
    expect((await fresh(`${server.url}/v1/health/live`)).status).toBe(200);
    let seen = new Map<string, number>();
    for (let i = 0; i < 200 && seen.size < 2; i++) {
      expect((await fresh(`${server.url}/v1/query?concept=acme/port/k${i}`)).status).toBe(200);
      seen = await perThread(server.url, "stemedb_http_thread_requests_total");
      seen.delete("main");
    }
    expect([...seen.keys()].sort()).toEqual(["reader-1", "reader-2"]);
  }, 60_000);

  test("every write lands on an HTTP thread and is prepared there: singles and batches, on both threads", async () => {
    const server = await start();
    const agent = testAgent();
    let writes = 0;
    let prepared = new Map<string, number>();
    for (let i = 0; i < 200 && (i < 20 || prepared.size < 2); i++) {
      const doc = agent.sign({ concept: `acme/every/k${i}`, value: i });
      if (i % 2 === 0) {
        expect((await fresh(`${server.url}/v1/assert`, json(doc))).status).toBe(201);
      } else {
        const second = agent.sign({ concept: `acme/every/b${i}`, value: i });
        expect((await fresh(`${server.url}/v1/assert`, json([doc, second]))).status).toBe(200);
      }
      writes++;
      prepared = await perThread(server.url, "stemedb_http_prepared_writes_total");
    }
    // No write reached the writer's thread unprepared: it has no listener of its own.
    expect(sum(prepared)).toBe(writes);
    expect([...prepared.keys()].sort()).toEqual(["reader-1", "reader-2"]);
    // Requests a thread could not answer itself (writes, scrapes) were forwarded.
    const forwarded = await perThread(server.url, "stemedb_http_forwarded_total");
    expect(sum(forwarded)).toBeGreaterThanOrEqual(2 * writes);
    const root = (await (await fresh(`${server.url}/v1/merkle/root`)).json()) as {
      tree_size: number;
    };
    expect(root.tree_size).toBe(writes + Math.floor(writes / 2));
  }, 60_000);

  test("one HTTP thread alone serves everything: reads, writes, health, metrics", async () => {
    const server = await start({ httpThreads: 1 });
    expect(await server.readersReady).toBe(1);
    const agent = testAgent();
    const res = await fresh(
      `${server.url}/v1/assert`,
      json(agent.sign({ concept: "acme/one/k", value: 1 })),
    );
    expect(res.status).toBe(201);
    const q = (await (await fresh(`${server.url}/v1/query?concept=acme/one/k`)).json()) as {
      results: { value: unknown }[];
    };
    expect(q.results.map((r) => r.value)).toEqual([1]);
    expect((await fresh(`${server.url}/v1/health/ready`)).status).toBe(200);
    const prepared = await perThread(server.url, "stemedb_http_prepared_writes_total");
    expect(Object.fromEntries(prepared)).toEqual({ "reader-1": 1 });
  }, 60_000);

  test("a thread that cannot listen fails the start with its listen error; the data dir is left usable", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stemedb-writer-no-http-"));
    dirs.push(dir);
    // 192.0.2.1 (TEST-NET-1) is no address of this host; port 0 is not probed first.
    const failed = await startServer(config({ host: "192.0.2.1" }, dir), memoryLogger()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(StemeError);
    expect(failed).toMatchObject({ code: "config_invalid", field: "host" });
    expect(String((failed as Error).message)).toContain("EADDRNOTAVAIL");
    // The engine closed and the threads ended: the same data dir starts again.
    const again = await start({}, dir);
    expect((await fresh(`${again.url}/v1/health/live`)).status).toBe(200);
  }, 60_000);

  test("stop() drains every thread: writes taken in before it are answered 201 and durable", async () => {
    const server = await start();
    const agent = testAgent();
    const docs = Array.from({ length: 8 }, (_, i) =>
      agent.sign({ concept: `acme/drain/k${i}`, value: i }),
    );
    const held = docs.map((d) => heldPost(server.port, JSON.stringify(d)));
    await Promise.all(held.map((h) => h.continued)); // each is in flight on an HTTP thread
    const stopped = server.stop();
    servers.splice(servers.indexOf(server), 1);
    const statuses = await Promise.all(held.map((h) => h.finish()));
    await stopped;
    expect(statuses).toEqual(docs.map(() => "HTTP/1.1 201 Created"));
    await expect(fresh(`${server.url}/v1/health/live`)).rejects.toThrow();
    // Restarted on the same data dir (the writer's thread alone): all 8 are there.
    const again = await start({ httpThreads: 0 }, dirs.at(-1));
    const root = (await (await fresh(`${again.url}/v1/merkle/root`)).json()) as {
      tree_size: number;
    };
    expect(root.tree_size).toBe(8);
  }, 60_000);
});
