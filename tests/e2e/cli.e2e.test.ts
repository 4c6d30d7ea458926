/**
 * End to end through the compiled binary (STYLE.md §8): build dist-like
 * `stemedb` once into a temp dir, then drive it as a subprocess from a
 * directory with no node_modules — serve on port 0, keygen, assert, import,
 * query, proof, SIGTERM (exit 0), restart on the same data dir, query and
 * proof again (consistency with the STH saved before the restart), verify.
 * Every run checks stdout, stderr and the exit code together.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import {
  buildBinary,
  REPO,
  type Result,
  runBinary,
  type ServerProcess,
  startServe,
} from "./binary.ts";

let bin: string;
let work: string;
let dataDir: string;
const running: ServerProcess[] = [];
const run = (args: string[], stdin?: string) =>
  runBinary(bin, args, stdin === undefined ? { cwd: work } : { cwd: work, stdin });

// Subprocess tests: explicit timeouts, so they hold under bun test's 5 s default too.
const BUILD_TIMEOUT = { timeout: 120_000 };
const STEP_TIMEOUT = 30_000;

beforeAll(async () => {
  bin = (await buildBinary()).path;
  work = mkdtempSync(join(tmpdir(), "stemedb-e2e-"));
  dataDir = join(work, "data");
}, BUILD_TIMEOUT);

afterAll(async () => {
  for (const s of running) if (s.proc.exitCode === null) await s.stop("SIGKILL");
  rmSync(work, { recursive: true, force: true });
  if (bin) rmSync(dirname(bin), { recursive: true, force: true });
}, STEP_TIMEOUT);

async function serve(): Promise<ServerProcess> {
  const s = await startServe(
    bin,
    // Verify workers on: the import's first batch (20 ≥ 16) is checked on worker
    // threads, which must load from inside the compiled binary.
    ["--data-dir", dataDir, "--port", "0", "--host", "127.0.0.1", "--verify-workers", "2"],
    work,
  );
  running.push(s);
  return s;
}

function json(r: Result): Record<string, unknown> {
  expect([r.code, r.stderr]).toEqual([0, ""]);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe("the binary on its own", () => {
  test(
    "runs with no node_modules beside it: version and --help from another cwd",
    async () => {
      expect(existsSync(join(dirname(bin), "node_modules"))).toBe(false);
      expect(await run(["version"])).toEqual({
        code: 0,
        stdout: `stemedb ${pkg.version}\n`,
        stderr: "",
      });
      const help = await run(["--help"]);
      expect([help.code, help.stderr]).toEqual([0, ""]);
      expect(help.stdout).toContain("Usage: stemedb [options] [command]");
      const serveHelp = await run(["serve", "--help"]);
      expect(serveHelp.stdout).toContain("STEMEDB_DATA_DIR");
    },
    STEP_TIMEOUT,
  );

  test(
    "an unknown command is a usage error: exit 2, message on stderr",
    async () => {
      const r = await run(["frobnicate"]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("unknown command 'frobnicate'");
    },
    STEP_TIMEOUT,
  );

  test(
    "install-units writes the units of ops/systemd, byte for byte, from the binary alone",
    async () => {
      const units = join(work, "etc-systemd");
      const envFile = join(work, "etc-stemedb", "stemedb.env");
      const r = await run(["install-units", "--dir", units, "--env-file", envFile]);
      expect([r.code, r.stderr]).toEqual([0, ""]);
      const shipped = readdirSync(join(REPO, "ops/systemd")).filter((f) =>
        /\.(service|timer)$/.test(f),
      );
      expect(readdirSync(units).sort()).toEqual(shipped.sort());
      for (const name of shipped) {
        expect(readFileSync(join(units, name), "utf8")).toBe(
          readFileSync(join(REPO, "ops/systemd", name), "utf8"),
        );
      }
      expect(readFileSync(envFile, "utf8")).toBe(
        readFileSync(join(REPO, "ops/systemd/stemedb.env"), "utf8"),
      );
      expect(statSync(envFile).mode & 0o777).toBe(0o640);
      expect(r.stdout).toContain("systemctl daemon-reload");
    },
    STEP_TIMEOUT,
  );
});

describe("serve → write → prove → restart → verify", () => {
  let key: string;
  let agent: string;
  let id: string;
  let sthFile: string;
  let serverKey: string;

  test(
    "keygen writes a 0600 key and prints the public key",
    async () => {
      key = join(work, "agent.key");
      const r = await run(["keygen", "--out", key]);
      expect([r.code, r.stderr]).toEqual([0, ""]);
      agent = r.stdout.trim();
      expect(agent).toMatch(/^[0-9a-f]{64}$/);
      expect(statSync(key).mode & 0o777).toBe(0o600);
    },
    STEP_TIMEOUT,
  );

  test(
    "first run: assert, import, query, proof; SIGTERM exits 0",
    async () => {
      const s = await serve();
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      const receipt = json(
        await run([
          "assert",
          "--url",
          s.url,
          "--key",
          key,
          "--concept",
          "acme/payments/checkout",
          "--predicate",
          "status",
          "--value",
          '"degraded"',
          "--confidence",
          "0.9",
        ]),
      );
      expect(receipt.status).toBe("accepted");
      id = receipt.id as string;

      const ndjson = join(work, "bulk.ndjson");
      writeFileSync(
        ndjson,
        Array.from({ length: 30 }, (_, i) =>
          JSON.stringify({ concept: `acme/bulk/n${i}`, predicate: "status", value: i }),
        ).join("\n"),
      );
      const imported = await run(["import", ndjson, "--url", s.url, "--key", key, "--batch", "20"]);
      expect(imported).toEqual({
        code: 0,
        stdout: "imported 30 line(s): accepted 30, duplicates 0, quarantined 0, rejected 0\n",
        stderr: "",
      });

      const answer = json(
        await run(["query", "--url", s.url, "--concept", "acme/payments/checkout", "--json"]),
      );
      expect(answer.results).toEqual([
        expect.objectContaining({
          value: "degraded",
          agents: [agent],
          support: [id],
          conflict: false,
        }),
      ]);

      sthFile = join(work, "sth.json");
      const proof = await run(["proof", id, "--url", s.url, "--save-sth", sthFile]);
      expect([proof.code, proof.stderr]).toEqual([0, ""]);
      expect(proof.stdout).toMatch(
        /^ok {3}tree head: size 31, .*\nok {3}inclusion: .* is leaf 0 \(seq 1\) of 31\nPASS\n$/,
      );
      serverKey = JSON.parse(readFileSync(sthFile, "utf8")).server_key;

      const stopped = await s.stop("SIGTERM");
      expect(stopped.code).toBe(0);
      expect(stopped.stdout).toBe(
        `stemedb ${pkg.version} listening on ${s.url} (data dir ${dataDir})\n`,
      );
      expect(stopped.stderr).toContain('"msg":"stopped"');
      expect(stopped.stderr).not.toContain('"level":"error"');
    },
    STEP_TIMEOUT,
  );

  test(
    "second run on the same data dir: data is back, the old STH is a prefix",
    async () => {
      const s = await serve();
      const answer = json(
        await run([
          "query",
          "--url",
          s.url,
          "--concept",
          "acme/bulk",
          "--match",
          "prefix",
          "--json",
        ]),
      );
      expect((answer.results as unknown[]).length).toBe(30);
      expect(answer.tree_size).toBe(31);

      const more = json(
        await run([
          "assert",
          "--url",
          s.url,
          "--key",
          key,
          "--concept",
          "acme/payments/checkout",
          "--predicate",
          "status",
          "--value",
          '"ok"',
        ]),
      );
      expect(more.seq).toBe(32);

      const proof = await run([
        "proof",
        id,
        "--url",
        s.url,
        "--server-key",
        serverKey,
        "--old-sth",
        sthFile,
      ]);
      expect([proof.code, proof.stderr]).toEqual([0, ""]);
      expect(proof.stdout).toContain(
        "ok   consistency: the tree of size 31 is a prefix of the tree of size 32\n",
      );
      expect(proof.stdout.endsWith("PASS\n")).toBe(true);

      const latest = json(
        await run(["query", "--url", s.url, "--concept", "acme/payments/checkout", "--json"]),
      );
      expect((latest.results as { value: unknown }[])[0]?.value).toBe("ok");

      expect((await s.stop("SIGINT")).code).toBe(0);
    },
    STEP_TIMEOUT,
  );

  test(
    "verify on the stopped data dir: PASS, exit 0",
    async () => {
      const r = await run(["verify", dataDir]);
      expect([r.code, r.stderr]).toEqual([0, ""]);
      expect(r.stdout).not.toContain("FAIL");
      expect(r.stdout).toMatch(
        /\nPASS: 32 assertion\(s\), tree_size 32, 32 log record\(s\) in 1 segment\(s\)\n$/,
      );
    },
    STEP_TIMEOUT,
  );

  test(
    "a write refused by the server exits 1 with its problem code",
    async () => {
      const s = await serve();
      const r = await run([
        "assert",
        "--url",
        s.url,
        "--key",
        key,
        "--concept",
        "Not/Valid",
        "--predicate",
        "status",
        "--value",
        "1",
      ]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(
        /^stemedb: invalid_field: .*\(field concept, HTTP 422, request \S+\)\n$/,
      );
      expect((await s.stop()).code).toBe(0);
    },
    STEP_TIMEOUT,
  );
});

describe("reader threads in the binary (SPEC §11)", () => {
  test(
    "two reader threads load from the binary, answer reads beside the main thread, and stop on SIGTERM",
    async () => {
      const readersDir = join(work, "readers-data");
      const s = await startServe(
        bin,
        ["--data-dir", readersDir, "--port", "0", "--host", "127.0.0.1", "--reader-threads", "2"],
        work,
      );
      running.push(s);
      const listening = () => s.output().stderr.match(/"msg":"reader thread listening"/g)?.length;
      // Each reader logs once it listens; until then, requests are the main thread's.
      for (let i = 0; i < 2000 && listening() !== 2; i++) {
        await (await fetch(`${s.url}/v1/health/live`)).arrayBuffer();
      }
      expect(listening()).toBe(2);
      const answered = async () => {
        const text = await (await fetch(`${s.url}/metrics`)).text();
        return [
          ...text.matchAll(/^stemedb_http_thread_requests_total\{thread="(reader-\d)"\} \d+$/gm),
        ]
          .map((m) => m[1])
          .sort();
      };
      // Queries on fresh connections, until each reader thread has answered some.
      for (let i = 0; i < 300 && (await answered()).length < 2; i++) {
        const res = await fetch(`${s.url}/v1/query?concept=acme/none`, {
          headers: { connection: "close" },
        });
        expect(res.status).toBe(200);
      }
      expect(await answered()).toEqual(["reader-1", "reader-2"]);

      const stopped = await s.stop("SIGTERM");
      expect(stopped.code).toBe(0);
      expect(stopped.stderr.match(/"msg":"reader thread stopped"/g)?.length).toBe(2);
      expect(stopped.stderr.trimEnd().split("\n").at(-1)).toContain('"msg":"stopped"');
      expect(stopped.stderr).not.toContain('"level":"error"');
    },
    STEP_TIMEOUT,
  );
});
