/**
 * An HTTP thread that dies after it listened is replaced (SPEC §11,
 * src/http/reader-threads.ts): on real worker threads and a real socket
 * through `startServer`, a thread is made to die the ways a bug would — an
 * uncaught exception, `process.exit` inside it (the test hooks `startServer`
 * enables with `testHooks`), a `terminate()` from outside — and the server
 * serves reads and writes again on the same port, counts the restart in
 * `/metrics` and `/v1/health`, and stops clean. A thread stuck in a busy loop
 * is terminated by the watchdog and replaced the same way. Waits are on log
 * lines (the events themselves), never on time.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig, type SettingKey } from "../../../src/config.ts";
import type { HttpThreadsStatus } from "../../../src/http/reader-threads.ts";
import { type RunningServer, startServer } from "../../../src/http/server.ts";
import { watchedLogger } from "../../helpers/watched-logger.ts";
import { json, testAgent } from "./http-test-helpers.ts";

const DIED = "HTTP thread died; a new one replaces it";
const REPLACED = "HTTP thread replaced: listening again";
const NONE_LISTENS =
  "no HTTP thread listens and the writer's thread serves no HTTP: the port answers nothing until a replacement listens";

const dirs: string[] = [];
const servers: RunningServer[] = [];
const held: Bun.Server<undefined>[] = [];
afterEach(async () => {
  for (const h of held.splice(0)) h.stop(true);
  for (const s of servers.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(
  flags: Partial<Record<SettingKey, unknown>> = {},
  watchdog?: { intervalMs: number; timeoutMs: number },
) {
  const dataDir = mkdtempSync(join(tmpdir(), "stemedb-respawn-"));
  dirs.push(dataDir);
  const log = watchedLogger();
  const server = await startServer(
    parseConfig({
      dataDir,
      port: 0,
      host: "127.0.0.1",
      httpThreads: 1,
      writerHttp: false,
      ...flags,
    }),
    log,
    { testHooks: true, ...(watchdog ? { watchdog } : {}) },
  );
  servers.push(server);
  await server.readersReady;
  return { server, log };
}

/** A request on a connection of its own. */
const fresh = (url: string, init: RequestInit = {}) =>
  fetch(url, { ...init, headers: { ...init.headers, connection: "close" } });

async function restartsInMetrics(url: string): Promise<Record<string, number>> {
  const text = await (await fresh(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(
    /^stemedb_http_thread_restarts_total\{thread="([^"]+)"\} (\d+)$/gm,
  )) {
    out[m[1] as string] = Number(m[2]);
  }
  return out;
}

/** `stemedb_http_thread_requests_total` of reader-1 (the requests its threads answered). */
async function threadRequests(url: string): Promise<number> {
  const text = await (await fresh(`${url}/metrics`)).text();
  return Number(
    /^stemedb_http_thread_requests_total\{thread="reader-1"\} (\d+)$/m.exec(text)?.[1] ?? 0,
  );
}

async function health(url: string): Promise<HttpThreadsStatus> {
  return ((await (await fresh(`${url}/v1/health`)).json()) as { http_threads: HttpThreadsStatus })
    .http_threads;
}

/** A write and a query of it, answered on `url`. */
async function writeAndRead(url: string, concept: string, value: number): Promise<void> {
  const agent = testAgent();
  const res = await fresh(`${url}/v1/assert`, json(agent.sign({ concept, value })));
  expect(res.status).toBe(201);
  const q = (await (await fresh(`${url}/v1/query?concept=${concept}`)).json()) as {
    results: { value: unknown }[];
  };
  expect(q.results.map((r) => r.value)).toEqual([value]);
}

describe("an HTTP thread that dies after it listened is replaced", () => {
  for (const how of ["throw", "exit", "terminate"] as const) {
    test(`the only HTTP thread dies (${how}): a new one serves reads and writes on the same port; counted; stop() is clean`, async () => {
      const { server, log } = await start();
      await writeAndRead(server.url, "acme/respawn/before", 1);
      expect(await restartsInMetrics(server.url)).toEqual({ "reader-1": 0 });
      const answeredBefore = await threadRequests(server.url);
      expect(answeredBefore).toBeGreaterThan(0);

      server.httpThreads.crash("reader-1", how);
      const died = await log.nth(DIED);
      expect(died.level).toBe("error");
      expect(died.ctx).toMatchObject({ thread: "reader-1", restart_in_ms: 100, listening: 0 });
      const reason = String(died.ctx?.reason);
      if (how === "throw") {
        expect(reason).toBe("error: test hook: HTTP thread crashed");
        expect(String(died.ctx?.detail)).toContain("reader-worker.ts"); // where it was thrown
      }
      if (how === "exit") expect(reason).toBe("exited with code 70");
      // Nothing listens meanwhile (the writer's thread serves no HTTP): said at error level.
      expect((await log.nth(NONE_LISTENS)).level).toBe("error");

      const replaced = await log.nth(REPLACED);
      expect(replaced.ctx).toMatchObject({ thread: "reader-1", port: server.port, generation: 2 });
      await writeAndRead(server.url, "acme/respawn/after", 2);
      expect(await restartsInMetrics(server.url)).toEqual({ "reader-1": 1 });
      // What the dead thread counted (as of the last scrape) stays in the sums: no counter goes back.
      expect(await threadRequests(server.url)).toBeGreaterThan(answeredBefore);
      const status = await health(server.url);
      expect(status).toMatchObject({
        configured: 1,
        listening: 1,
        writer_serves_http: false,
        restarts: 1,
        last_restart: { thread: "reader-1", reason },
      });
      // The new thread's counts are in /metrics like the first's were.
      expect(
        (await (await fresh(`${server.url}/metrics`)).text()).match(
          /^stemedb_http_thread_requests_total\{thread="reader-1"\} (\d+)$/m,
        ),
      ).not.toBeNull();

      await server.stop();
      servers.splice(servers.indexOf(server), 1);
      expect(server.httpThreads.status()).toMatchObject({ listening: 0, restarts: 1 });
      await expect(fresh(`${server.url}/v1/health/live`)).rejects.toThrow();
      expect(log.all(DIED)).toHaveLength(1);
      expect(log.all("HTTP thread died while stopping; not replaced")).toEqual([]);
    }, 60_000);
  }

  test("a thread whose event loop stops turning (a busy loop) is terminated by the watchdog and replaced", async () => {
    const { server, log } = await start({}, { intervalMs: 50, timeoutMs: 500 });
    await writeAndRead(server.url, "acme/respawn/before-hang", 1);
    server.httpThreads.crash("reader-1", "hang");
    const stuck = await log.nth("HTTP thread unresponsive: terminated");
    expect(stuck.level).toBe("error");
    expect(stuck.ctx).toMatchObject({ thread: "reader-1" });
    expect(Number(stuck.ctx?.silent_ms)).toBeGreaterThanOrEqual(500);
    const died = await log.nth(DIED);
    expect(String(died.ctx?.reason)).toStartWith("unresponsive for ");
    await log.nth(REPLACED);
    await writeAndRead(server.url, "acme/respawn/after-hang", 2);
    expect(await restartsInMetrics(server.url)).toEqual({ "reader-1": 1 });
  });

  test("a busy but turning thread is left alone by the watchdog", async () => {
    const { server, log } = await start({}, { intervalMs: 20, timeoutMs: 1_000 });
    for (let i = 0; i < 20; i++) await writeAndRead(server.url, `acme/respawn/busy-${i}`, i);
    expect(log.lines().filter((l) => l.msg === "HTTP thread unresponsive: terminated")).toEqual([]);
    expect(await restartsInMetrics(server.url)).toEqual({ "reader-1": 0 });
  });

  test("the writer's own thread held (a long VACUUM) does not make the watchdog kill a healthy thread", async () => {
    const { server, log } = await start({}, { intervalMs: 50, timeoutMs: 300 });
    await writeAndRead(server.url, "acme/respawn/before-stall", 1);
    // This is the server's main thread: hold it past the timeout while a ping is out; whichever
    // runs first afterwards, the queued answer or the watchdog's timer, the thread stays.
    const until = performance.now() + 1_000;
    while (performance.now() < until) {} // the stall under test
    for (let i = 0; i < 5; i++) await writeAndRead(server.url, `acme/respawn/after-stall-${i}`, i);
    expect(log.lines().filter((l) => l.msg === "HTTP thread unresponsive: terminated")).toEqual([]);
    expect(await restartsInMetrics(server.url)).toEqual({ "reader-1": 0 });
  });

  test("one of two threads dies beside a listening writer: the other serves meanwhile; no 'nothing listens' line", async () => {
    const { server, log } = await start({ httpThreads: 2, writerHttp: true });
    expect(server.httpThreads.status()).toMatchObject({ listening: 2, writer_serves_http: true });
    server.httpThreads.crash("reader-2", "throw");
    expect((await log.nth(DIED)).ctx).toMatchObject({ thread: "reader-2", listening: 1 });
    await writeAndRead(server.url, "acme/respawn/meanwhile", 1);
    await log.nth(REPLACED);
    expect(log.all(NONE_LISTENS)).toEqual([]);
    expect(await restartsInMetrics(server.url)).toEqual({ "reader-1": 0, "reader-2": 1 });
    expect(
      (await (await fresh(`${server.url}/metrics`)).text()).match(
        /^stemedb_reader_threads (\d+)$/m,
      )?.[1],
    ).toBe("2");
  }, 60_000);

  test("a replacement that cannot listen is retried with a growing delay until it can", async () => {
    const { server, log } = await start();
    server.httpThreads.crash("reader-1", "exit");
    await log.nth(NONE_LISTENS);
    // The port is free now: another server takes it (without SO_REUSEPORT), so the replacement's listen fails.
    held.push(
      Bun.serve({ port: server.port, hostname: "127.0.0.1", fetch: () => new Response("x") }),
    );
    const second = await log.nth(DIED, 2);
    expect(second.ctx).toMatchObject({ thread: "reader-1", restart_in_ms: 200 });
    expect(String(second.ctx?.reason)).toContain("failed to start");
    const third = await log.nth(DIED, 3);
    expect(third.ctx).toMatchObject({ restart_in_ms: 400 });
    for (const h of held.splice(0)) h.stop(true);
    await log.nth(REPLACED);
    await writeAndRead(server.url, "acme/respawn/retried", 3);
    const restarts = (await restartsInMetrics(server.url))["reader-1"] ?? 0;
    expect(restarts).toBeGreaterThanOrEqual(3);
    expect((await health(server.url)).restarts).toBe(restarts);
  }, 60_000);

  test("a thread that dies while the server stops is not replaced", async () => {
    const { server, log } = await start();
    // A POST in flight on the thread (its 100 Continue proves it) holds the drain open.
    const continued = Promise.withResolvers<void>();
    const closed = Promise.withResolvers<void>();
    await Bun.connect({
      hostname: "127.0.0.1",
      port: server.port,
      socket: {
        open(s) {
          s.write(
            "POST /v1/assert HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n",
          );
        },
        data(_s, chunk) {
          if (chunk.toString().includes("100 Continue")) continued.resolve();
        },
        close: () => closed.resolve(),
        error: () => closed.resolve(),
      },
    });
    await continued.promise;
    const stopped = server.stop();
    servers.splice(servers.indexOf(server), 1);
    server.httpThreads.crash("reader-1", "throw");
    await stopped;
    await closed.promise; // the held request died with its thread
    const line = await log.nth("HTTP thread died while stopping; not replaced");
    expect(line.ctx).toMatchObject({ thread: "reader-1" });
    expect(log.all(DIED)).toEqual([]);
    expect(log.all(REPLACED)).toEqual([]);
    expect(server.httpThreads.status()).toMatchObject({ listening: 0, restarts: 0 });
    await expect(fresh(`${server.url}/v1/health/live`)).rejects.toThrow();
  }, 60_000);
});
