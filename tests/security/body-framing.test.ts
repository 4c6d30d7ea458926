/**
 * Regression for a bug the hostile suite found: a body whose chunked framing
 * breaks after the headers (a chunk size that is not hex, or absurdly large)
 * made Bun answer 400 on the wire while the app's body reader rejected with
 * "The connection was closed." — which the error mapper turned into a 500,
 * counted in `stemedb_http_requests_total{status="500"}` and logged at error
 * level as a server bug. A client's broken body is the client's fault (SPEC
 * §3: never a 500 for anything a client sent): now a 400, nothing at error.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config.ts";
import { type RunningServer, startServer } from "../../src/http/server.ts";
import { memoryLogger } from "../../src/logger.ts";
import { rawHttp, sendRaw } from "./lib/hostile-request.ts";

let dir: string;
let server: RunningServer;
const logger = memoryLogger();
const TOKEN = "framing-test-admin-token-0123";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "stemedb-framing-"));
  server = await startServer(parseConfig({ dataDir: dir, port: 0, adminToken: TOKEN }), logger);
});

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const chunked = (route: string, body: string) =>
  rawHttp(
    [
      `${route} HTTP/1.1`,
      "Host: 127.0.0.1",
      `Authorization: Bearer ${TOKEN}`,
      "Content-Type: application/json",
      "Transfer-Encoding: chunked",
      "Connection: close",
    ],
    body,
  );

describe("broken request-body framing", () => {
  test("a bad or huge chunk size is a 4xx on every body route: no 500 counted, nothing logged as an error", async () => {
    const bodies = [
      "zz\r\nabc\r\n0\r\n\r\n",
      "ffffffffffffffff\r\nabc\r\n0\r\n\r\n",
      "3\r\nabcdef\r\n0\r\n\r\n",
    ];
    const routes = ["POST /v1/assert", "POST /v1/query", `PUT /v1/agents/${"ab".repeat(32)}`];
    const statuses: number[] = [];
    for (const route of routes) {
      for (const body of bodies) {
        const raw = chunked(route, body);
        const x = await sendRaw(server.port, {
          kind: "raw",
          label: route,
          method: "RAW",
          path: "",
          raw,
        });
        statuses.push(x.status);
      }
    }
    for (const s of statuses) expect(s === 0 || (s >= 400 && s < 500)).toBe(true);
    // The app finishes each request after Bun has answered: wait until all 9 are counted.
    let metrics = "";
    for (let i = 0; i < 200; i++) {
      metrics = await (await fetch(`${server.url}/metrics`)).text();
      const counted = [
        ...metrics.matchAll(/stemedb_http_requests_total\{method="(?:POST|PUT)"[^}]*\} (\d+)/g),
      ];
      if (counted.reduce((n, m) => n + Number(m[1]), 0) >= 9) break;
      await Bun.sleep(10);
    }
    expect(
      metrics.match(/stemedb_http_requests_total\{method="(?:POST|PUT)"[^}]*status="4\d\d"[^}]*\}/g)
        ?.length,
    ).toBe(3);
    expect(metrics.match(/stemedb_http_requests_total\{[^}]*status="5\d\d"[^}]*\}/g)).toBeNull();
    expect(logger.lines.filter((l) => l.level === "error")).toEqual([]);
    expect((await fetch(`${server.url}/v1/health/live`)).status).toBe(200);
  });
});
