/**
 * `startServer` end to end on a real socket (port 0): serve, write, read,
 * stop; and the signal helper. Also checks that a body over Bun's own limit
 * can never reach the app.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../../src/config.ts";
import { StemeError } from "../../../src/errors.ts";
import {
  installSignalHandlers,
  type RunningServer,
  startServer,
} from "../../../src/http/server.ts";
import { memoryLogger } from "../../../src/logger.ts";
import { testAgent } from "./http-test-helpers.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(): Promise<{
  server: RunningServer;
  dir: string;
  log: ReturnType<typeof memoryLogger>;
}> {
  const dir = mkdtempSync(join(tmpdir(), "stemedb-server-"));
  dirs.push(dir);
  const log = memoryLogger();
  const server = await startServer(parseConfig({ dataDir: dir, port: 0, host: "127.0.0.1" }), log);
  return { server, dir, log };
}

describe("startServer", () => {
  test("serves on a free port, writes durably, stops and closes the engine", async () => {
    const { server, dir, log } = await start();
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const res = await fetch(`${server.url}/v1/assert`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(testAgent().sign({})),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-request-id")).not.toBeNull();
    const ready = await fetch(`${server.url}/v1/health/ready`);
    expect(ready.status).toBe(200);
    // The admin token file was generated with mode 0600 and its path logged.
    expect(statSync(join(dir, "admin.token")).mode & 0o777).toBe(0o600);
    expect(log.lines.some((l) => l.msg.includes("admin token"))).toBe(true);
    expect(log.lines.some((l) => l.msg === "listening")).toBe(true);

    await Promise.all([server.stop(), server.stop()]);
    expect(server.engine.ready).toBe(false);
    await expect(fetch(`${server.url}/v1/health/live`)).rejects.toThrow();
  });

  test("stop() waits for an in-flight write, which gets its receipt", async () => {
    const { server } = await start();
    const engine = server.engine;
    const ingest = engine.ingest.bind(engine);
    const entered = Promise.withResolvers<void>();
    const gate = Promise.withResolvers<void>();
    engine.ingest = async (items) => {
      entered.resolve();
      await gate.promise;
      return ingest(items);
    };
    const write = fetch(`${server.url}/v1/assert`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(testAgent().sign({})),
    });
    await entered.promise; // the request is inside the handler
    let stopDone = false;
    const stopped = server.stop().then(() => {
      stopDone = true;
    });
    await Bun.sleep(0);
    expect(stopDone).toBe(false);
    gate.resolve();
    const res = await write;
    expect(res.status).toBe(201);
    await stopped;
    expect(engine.ready).toBe(false);
  });

  test("installSignalHandlers: SIGTERM → stop() → exit 0", async () => {
    const log = memoryLogger();
    let stops = 0;
    const exited = Promise.withResolvers<number>();
    const remove = installSignalHandlers(
      {
        stop: async () => {
          stops++;
        },
      },
      log,
      (code) => exited.resolve(code),
    );
    try {
      process.kill(process.pid, "SIGTERM");
      expect(await exited.promise).toBe(0);
      expect(stops).toBe(1);
    } finally {
      remove();
    }
  });
});

describe("startServer refuses before it writes anything (issue 18)", () => {
  test("a port another process holds: config_invalid naming the port, and no node.key or admin.token", async () => {
    const holder = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("x") });
    const dir = mkdtempSync(join(tmpdir(), "stemedb-server-"));
    dirs.push(dir);
    try {
      const config = parseConfig({
        dataDir: join(dir, "data"),
        port: holder.port,
        host: "127.0.0.1",
      });
      const error = await startServer(config, memoryLogger()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StemeError);
      expect(error).toMatchObject({ code: "config_invalid", field: "port" });
      expect((error as Error).message).toContain(`port ${holder.port} is in use on 127.0.0.1`);
      expect((error as Error).message).toContain("--port (STEMEDB_PORT)");
      expect(existsSync(join(dir, "data", "node.key"))).toBe(false);
      expect(existsSync(join(dir, "data", "admin.token"))).toBe(false);
    } finally {
      holder.stop(true);
    }
  });

  test("a data dir this user cannot write: config_invalid naming the dir and the fix, not a bare EACCES", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stemedb-server-"));
    dirs.push(dir);
    // root writes through mode bits: an immutable directory (chattr +i) refuses root too.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) Bun.spawnSync(["chattr", "+i", dir]);
    else chmodSync(dir, 0o500);
    try {
      const data = join(dir, "data");
      const error = await startServer(
        parseConfig({ dataDir: data, port: 0, host: "127.0.0.1" }),
        memoryLogger(),
      ).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "config_invalid", field: "dataDir" });
      const message = (error as Error).message;
      expect(message).toContain(`data dir ${data} is not writable by this user`);
      expect(message).toContain("chown -R stemedb:stemedb");
      expect(message).toContain("--data-dir (STEMEDB_DATA_DIR)");
    } finally {
      if (asRoot) Bun.spawnSync(["chattr", "-i", dir]);
      else chmodSync(dir, 0o700);
    }
  });
});

describe("health after a restart (issue 18)", () => {
  test("log.held_records is what the segments hold; log.records only what was appended since start", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stemedb-server-"));
    dirs.push(dir);
    const config = parseConfig({ dataDir: dir, port: 0, host: "127.0.0.1" });
    const first = await startServer(config, memoryLogger());
    const agent = testAgent();
    for (const value of [1, 2, 3]) {
      const res = await fetch(`${first.url}/v1/assert`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(agent.sign({ value })),
      });
      expect(res.status).toBe(201);
    }
    await first.stop();
    const second = await startServer(config, memoryLogger());
    try {
      const health = (await (await fetch(`${second.url}/v1/health`)).json()) as {
        log: { records: number; held_records: number; first_lsn: number; last_lsn: number };
      };
      expect(health.log).toMatchObject({
        records: 0,
        held_records: 3,
        first_lsn: 1,
        last_lsn: 3,
      });
    } finally {
      await second.stop();
    }
  }, 30_000);
});
