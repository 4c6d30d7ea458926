/**
 * ops/nginx/stemedb.conf in a real nginx (Debian) with a self-signed
 * certificate from openssl, in front of the compiled binary (issue 10): over
 * TLS a write, a query, the two 413s (the server's and nginx's), a 429,
 * health; HTTP → HTTPS; request ids kept or made by nginx and adopted by the
 * server (checked in nginx's JSON access log and the server's own log); and
 * X-Forwarded-For with STEMEDB_TRUST_PROXY_HOPS=1: each client address gets
 * its own rate-limit bucket, and a spoofed X-Forwarded-For does not.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildBinary } from "../e2e/binary.ts";
import { testAgent } from "../helpers/agents.ts";
import { allInstalled, debianTool } from "../helpers/debian-tool.ts";
import { type ServeProcess, startServeProcess } from "../helpers/serve-process.ts";
import { type TempDir, tempDir } from "../helpers/temp-dir.ts";
import {
  type NginxProcess,
  nginxConfigTest,
  startNginx,
  writeNginxConfig,
} from "./lib/nginx-process.ts";
import { run } from "./lib/ops-tool.ts";

const nginx = debianTool("nginx", "nginx");
const openssl = debianTool("openssl", "openssl");
const curl = debianTool("curl", "curl");
const tools = allInstalled(nginx, openssl, curl);
const asRoot = process.getuid?.() === 0;
const runnable = tools.ok && asRoot;
const skipReason = tools.ok
  ? asRoot
    ? ""
    : " (skipped: nginx in a temp prefix runs as root here)"
  : tools.skipReason;

const TLS = { tls: { rejectUnauthorized: false } } as const;

/** The fields of the server's (and nginx's) JSON answers that these tests read. */
interface Answer {
  status?: string | number;
  code?: string;
  detail?: string;
  request_id?: string;
}
const answer = async (r: Response): Promise<Answer> => (await r.json()) as Answer;
const MiB = 1024 * 1024;

let dir: TempDir;
let server: ServeProcess;
let proxy: NginxProcess;
let cert = "";
let key = "";

/** curl through the proxy from a chosen loopback source address; returns the status code. */
async function curlFrom(source: string, path: string, headers: string[] = []): Promise<number> {
  const r = await run([
    curl.path ?? "curl",
    "--silent",
    "--insecure",
    "--interface",
    source,
    "--output",
    "/dev/null",
    "--write-out",
    "%{http_code}",
    ...headers.flatMap((h) => ["--header", h]),
    `${proxy.httpsUrl}${path}`,
  ]);
  return Number(r.stdout);
}

function accessLog(): { request_id: string; status: number; uri: string; remote_addr: string }[] {
  return readFileSync(proxy.accessLog, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

/** nginx writes a request's access-log line after the response; wait for it (by request id). */
async function logLine(requestId: string) {
  for (;;) {
    const line = accessLog().find((l) => l.request_id === requestId);
    if (line) return line;
    await Bun.sleep(10);
  }
}

/** The server logs a request after answering it; wait for its line with this id. */
async function serverLogged(requestId: string): Promise<void> {
  const needle = `"request_id":"${requestId}"`;
  for (;;) {
    const out = server.output();
    if (out.stdout.includes(needle) || out.stderr.includes(needle)) return;
    await Bun.sleep(10);
  }
}

describe(`nginx in front of the compiled binary, over TLS${skipReason}`, () => {
  beforeAll(async () => {
    if (!runnable) return;
    dir = tempDir("stemedb-nginx-");
    cert = join(dir.path, "cert.pem");
    key = join(dir.path, "key.pem");
    const made = await run([
      openssl.path ?? "",
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-days", "2", "-subj", "/CN=db.example.com", "-keyout", key, "-out", cert],
    ]);
    expect(made.code).toBe(0);
    const bin = (await buildBinary()).path;
    server = await startServeProcess(bin, ["--data-dir", join(dir.path, "data"), "--port", "0"], {
      cwd: dir.path,
      env: {
        STEMEDB_TRUST_PROXY_HOPS: "1",
        STEMEDB_LOG_LEVEL: "debug",
        // One query token per client address, refilled after 100 s: the second query is a 429.
        STEMEDB_RATE_QUERY_PER_IP: "0.01",
        STEMEDB_RATE_BURST_SECONDS: "100",
      },
    });
    const nginxDir = join(dir.path, "nginx");
    mkdirSync(nginxDir);
    proxy = await startNginx(nginx.path ?? "", nginxDir, {
      upstreamPort: Number(new URL(server.url).port),
      cert,
      key,
    });
  }, 60_000);

  afterAll(async () => {
    if (!runnable) return;
    await proxy?.[Symbol.asyncDispose]();
    const stopped = await server?.stop();
    expect(stopped?.code).toBe(0);
    dir[Symbol.dispose]();
  });

  test.skipIf(!runnable)("nginx -t accepts the shipped config", async () => {
    const d = join(dir.path, "nginx-t");
    mkdirSync(d);
    const main = writeNginxConfig(d, {
      httpPort: 1080,
      httpsPort: 1443,
      upstreamPort: 18180,
      cert,
      key,
    });
    const r = await nginxConfigTest(nginx.path ?? "", d, main);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("syntax is ok");
  });

  test.skipIf(!runnable)(
    "health over TLS, with HSTS and the server's own security headers",
    async () => {
      const ready = await fetch(`${proxy.httpsUrl}/v1/health/ready`, TLS);
      expect(ready.status).toBe(200);
      expect((await answer(ready)).status).toBe("ready");
      expect(ready.headers.get("strict-transport-security")).toBe(
        "max-age=63072000; includeSubDomains",
      );
      expect(ready.headers.get("x-content-type-options")).toBe("nosniff");
      expect(ready.headers.get("server")).toBe("nginx"); // server_tokens off: no version
      const summary = await answer(await fetch(`${proxy.httpsUrl}/v1/health`, TLS));
      expect(summary.status).toBe("ok");
    },
  );

  test.skipIf(!runnable)("plain HTTP is redirected to HTTPS", async () => {
    const r = await fetch(`${proxy.httpUrl}/v1/health`, { redirect: "manual" });
    expect(r.status).toBe(301);
    expect(r.headers.get("location")).toBe("https://127.0.0.1/v1/health");
  });

  test.skipIf(!runnable)(
    "a write over TLS keeps the client's request id end to end (nginx log, server log, response)",
    async () => {
      const body = testAgent(11).sign({ concept: "ops/nginx", predicate: "status", value: "up" });
      const r = await fetch(`${proxy.httpsUrl}/v1/assert`, {
        ...TLS,
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": "ops-nginx-write-1" },
        body: JSON.stringify(body),
      });
      expect(r.status).toBe(201);
      expect((await answer(r)).status).toBe("accepted");
      expect(r.headers.get("x-request-id")).toBe("ops-nginx-write-1");
      const line = await logLine("ops-nginx-write-1");
      expect(line).toMatchObject({ status: 201, uri: "/v1/assert" });
      await serverLogged("ops-nginx-write-1");
    },
  );

  test.skipIf(!runnable)(
    "without one, nginx makes the request id and the server adopts it",
    async () => {
      const r = await fetch(`${proxy.httpsUrl}/v1/health/live`, TLS);
      const id = r.headers.get("x-request-id") ?? "";
      expect(id).toMatch(/^[0-9a-f]{32}$/); // nginx's $request_id, not the server's UUID
      expect((await logLine(id)).status).toBe(200);
      await serverLogged(id);
    },
  );

  test.skipIf(!runnable)(
    "a query over TLS, then a 429 from the server with Retry-After",
    async () => {
      const q = await fetch(`${proxy.httpsUrl}/v1/query?concept=ops/nginx&lens=latest`, TLS);
      expect(q.status).toBe(200);
      const found = (await q.json()) as { results: { concept: string; value: unknown }[] };
      expect(found.results.map((r) => [r.concept, r.value])).toEqual([["ops/nginx", "up"]]);
      const limited = await fetch(`${proxy.httpsUrl}/v1/query?concept=ops/nginx`, TLS);
      expect(limited.status).toBe(429);
      expect(limited.headers.get("content-type")).toContain("application/problem+json");
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await answer(limited)).code).toBe("rate_limited");
    },
  );

  test.skipIf(!runnable)(
    "X-Forwarded-For with STEMEDB_TRUST_PROXY_HOPS=1: a bucket per client address, spoofing ignored",
    async () => {
      // 127.0.0.1's only query token is spent (above); other addresses have their own.
      expect(await curlFrom("127.0.0.1", "/v1/query?concept=ops/nginx")).toBe(429);
      expect(await curlFrom("127.0.0.2", "/v1/query?concept=ops/nginx")).toBe(200);
      // 127.0.0.2 claims to be someone else: nginx appends the address it saw, the server takes that.
      expect(
        await curlFrom("127.0.0.2", "/v1/query?concept=ops/nginx", ["X-Forwarded-For: 10.9.8.7"]),
      ).toBe(429);
      // 127.0.0.3 claims to be 127.0.0.2 (spent): still its own bucket.
      expect(
        await curlFrom("127.0.0.3", "/v1/query?concept=ops/nginx", ["X-Forwarded-For: 127.0.0.2"]),
      ).toBe(200);
      expect(accessLog().filter((l) => l.remote_addr === "127.0.0.3").length).toBe(1);
    },
  );

  test.skipIf(!runnable)(
    "413: the server's problem just over 4 MiB, nginx's past its 5 MiB limit",
    async () => {
      const post = (bytes: number) =>
        fetch(`${proxy.httpsUrl}/v1/assert`, {
          ...TLS,
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "x".repeat(bytes),
        });
      const server413 = await post(4 * MiB + 1);
      expect(server413.status).toBe(413);
      const fromServer = await answer(server413);
      expect(fromServer.code).toBe("body_too_large");
      const nginx413 = await post(6 * MiB);
      expect(nginx413.status).toBe(413);
      expect(nginx413.headers.get("content-type")).toBe("application/problem+json");
      const fromNginx = await answer(nginx413);
      expect(fromNginx).toMatchObject({ status: 413, code: "body_too_large" });
      expect(fromNginx.detail).toContain("proxy limit");
      expect(fromNginx.request_id).toBe(nginx413.headers.get("x-request-id") ?? "missing");
      expect(fromServer.detail).not.toContain("proxy limit");
    },
  );

  test.skipIf(!runnable)(
    "admin routes: nginx's own limit (the server's 50/s, burst 100) answers a burst with 429 problems",
    async () => {
      const answers = await Promise.all(
        Array.from({ length: 300 }, () => fetch(`${proxy.httpsUrl}/v1/agents`, TLS)),
      );
      const statuses = new Set(answers.map((r) => r.status));
      expect([...statuses].every((s) => s === 401 || s === 429)).toBe(true);
      const refused = await Promise.all(
        answers.filter((r) => r.status === 429).map(async (r) => ({ r, body: await answer(r) })),
      );
      const byNginx = refused.filter(({ body }) => body.detail?.includes("proxy limit"));
      expect(byNginx.length).toBeGreaterThan(0);
      for (const { r, body } of byNginx) {
        expect(body.code).toBe("rate_limited");
        expect(r.headers.get("retry-after")).toBe("1");
      }
      await Promise.all(answers.filter((r) => r.status !== 429).map((r) => r.arrayBuffer()));
    },
  );

  test.skipIf(!runnable)("/metrics is not exposed through the proxy", async () => {
    const r = await fetch(`${proxy.httpsUrl}/metrics`, TLS);
    expect(r.status).toBe(404);
    expect((await answer(r)).code).toBe("not_found");
  });

  // Last: it stops the server.
  test.skipIf(!runnable)(
    "with the server down, nginx answers a 503 not_ready problem",
    async () => {
      expect((await server.stop()).code).toBe(0);
      const r = await fetch(`${proxy.httpsUrl}/v1/health/ready`, TLS);
      expect(r.status).toBe(503);
      expect(r.headers.get("retry-after")).toBe("5");
      expect((await answer(r)).code).toBe("not_ready");
    },
  );
});
