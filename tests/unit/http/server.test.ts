/**
 * `startServer` end to end on a real socket (port 0): serve, write, read,
 * stop; and the signal helper. Also checks that a body over Bun's own limit
 * can never reach the app.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../../src/config.ts";
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
