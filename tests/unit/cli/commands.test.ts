/**
 * The client-side commands in-process against the real server (port 0, temp
 * data dir): assert from flags and stdin, import with batches and a bad line,
 * query as a table and as JSON, and proof — passing, and failing when the
 * server's answers are tampered with on the way (a scripted fetch in between).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FetchLike } from "../../../src/client/steme-client.ts";
import { parseConfig } from "../../../src/config.ts";
import { type RunningServer, startServer } from "../../../src/http/server.ts";
import { silentLogger } from "../../../src/logger.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { run } from "./cli-test-io.ts";

let dir: string;
let server: RunningServer;
let url: string;
let keyPath: string;
let agent: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "stemedb-cli-cmd-"));
  server = await startServer(parseConfig({ dataDir: join(dir, "data"), port: 0 }), silentLogger);
  url = server.url;
  keyPath = join(dir, "agent.key");
  agent = (await run(["keygen", "--out", keyPath])).stdout.trim();
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A fetch that rewrites the JSON answers of paths matching `pattern`. */
function tampering(pattern: RegExp, edit: (body: Record<string, unknown>) => void): FetchLike {
  return async (input, init) => {
    const res = await fetch(input, init);
    if (!pattern.test(input)) return res;
    const body = (await res.json()) as Record<string, unknown>;
    edit(body);
    return Response.json(body, { status: res.status });
  };
}

const flip = (h: string) => (h[0] === "0" ? "1" : "0") + h.slice(1);

describe("assert", () => {
  test("from flags: prints the receipt; the second time it is a duplicate", async () => {
    const argv = [
      "assert",
      "--url",
      url,
      "--key",
      keyPath,
      "--concept",
      "acme/web",
      "--predicate",
      "status",
      "--value",
      '{"state":"up"}',
      "--confidence",
      "0.75",
      "--evidence",
      "https://a",
      "--evidence",
      "https://b",
      "--ts",
      "1732700000000",
    ];
    const r = await run(argv);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const receipt = JSON.parse(r.stdout);
    expect(receipt.status).toBe("accepted");
    const stored = (await (await fetch(`${url}/v1/assertions/${receipt.id}`)).json()) as {
      assertion: unknown;
    };
    expect(stored.assertion).toMatchObject({
      agent,
      confidence: 0.75,
      evidence: ["https://a", "https://b"],
      value: { state: "up" },
      ts: 1732700000000,
    });
    expect(JSON.parse((await run(argv)).stdout).status).toBe("duplicate");
  });

  test("from stdin: unsigned gets signed; a refused one exits 1 with its problem code", async () => {
    const r = await run(["assert", "--url", url, "--key", keyPath], {
      stdin: JSON.stringify({ concept: "acme/db", predicate: "status", value: "ok" }),
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).status).toBe("accepted");
    const bad = await run(["assert", "--url", url, "--key", keyPath], {
      stdin: JSON.stringify({ concept: "Acme", predicate: "status", value: 1 }),
    });
    expect([bad.code, bad.stdout]).toEqual([1, ""]);
    expect(bad.stderr).toMatch(
      /^stemedb: invalid_field: .*\(field concept, HTTP 422, request [\w-]+\)\n$/,
    );
  });
});

describe("import", () => {
  test("batches, line numbers of rejects, the summary line, exit 1 on a reject", async () => {
    const lines = Array.from({ length: 25 }, (_, i) =>
      JSON.stringify({ concept: `acme/import/n${i}`, predicate: "status", value: i }),
    );
    lines.splice(12, 0, "", "{oops");
    const file = join(dir, "in.ndjson");
    writeFileSync(file, `${lines.join("\n")}\n`);
    // A fixed clock: the unsigned lines get the same ts, hence the same ids, both times.
    const now = 1732700000000;
    const r = await run(["import", file, "--url", url, "--key", keyPath, "--batch", "10"], { now });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      "imported 26 line(s): accepted 25, duplicates 0, quarantined 0, rejected 1\n",
    );
    expect(r.stderr).toMatch(/^line 14: bad_json: /);
    const again = await run(["import", file, "--url", url, "--key", keyPath], { now });
    expect(again.stdout).toContain("accepted 0, duplicates 25");
  });

  test("signed lines from stdin go as they are", async () => {
    const signed = JSON.parse(
      (
        await run([
          "assert",
          "--url",
          url,
          "--key",
          keyPath,
          "--concept",
          "acme/s",
          "--predicate",
          "p",
          "--value",
          "1",
        ])
      ).stdout,
    );
    const view = (await (await fetch(`${url}/v1/assertions/${signed.id}`)).json()) as {
      assertion: unknown;
    };
    const r = await run(["import", "-", "--url", url], {
      stdin: `${JSON.stringify(view.assertion)}\n`,
    });
    expect([r.code, r.stdout]).toEqual([
      0,
      "imported 1 line(s): accepted 0, duplicates 1, quarantined 0, rejected 0\n",
    ]);
  });
});

describe("client settings from the environment", () => {
  test("STEMEDB_URL, STEMEDB_AGENT_KEY and STEMEDB_SERVER_KEY stand for their flags; a flag wins", async () => {
    const env = { STEMEDB_URL: url, STEMEDB_AGENT_KEY: keyPath };
    const r = await run(
      ["assert", "--concept", "acme/env", "--predicate", "status", "--value", '"ok"'],
      { env },
    );
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const receipt = JSON.parse(r.stdout);
    expect(receipt.status).toBe("accepted");
    const q = await run(["query", "--concept", "acme/env", "--json"], { env });
    expect(JSON.parse(q.stdout).results[0].value).toBe("ok");
    const flagWins = await run(["query", "--url", "http://127.0.0.1:1", "--concept", "x"], { env });
    expect([flagWins.code, flagWins.stdout]).toEqual([1, ""]);
    expect(flagWins.stderr).toContain("network_error: cannot reach http://127.0.0.1:1");
    const pinned = await run(["proof", receipt.id], {
      env: { ...env, STEMEDB_SERVER_KEY: "00".repeat(32) },
    });
    expect(pinned.code).toBe(1);
    expect(pinned.stdout).toContain(`not the pinned key ${"00".repeat(32)}`);
    const bad = await run(["query", "--concept", "x"], { env: { STEMEDB_SERVER_KEY: "zz" } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("STEMEDB_SERVER_KEY=zz");
  });
});

describe("query", () => {
  test("a readable table by default, the server's JSON with --json", async () => {
    const table = await run(["query", "--url", url, "--concept", "acme/web"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^CONCEPT\s+PREDICATE\s+VALUE\s+CONF\s+AGREEMENT/);
    expect(table.stdout).toContain('acme/web  status     {"state":"up"}');
    const json = await run([
      "query",
      "--url",
      url,
      "--concept",
      "acme",
      "--match",
      "prefix",
      "--lens",
      "all",
      "--json",
    ]);
    const answer = JSON.parse(json.stdout);
    expect(answer.lens).toBe("all");
    expect(answer.results.length).toBeGreaterThan(20);
    const e = await run(["query", "--url", url, "--concept", "acme", "--as-of", "100000"]);
    expect(e.code).toBe(1);
    expect(e.stderr).toContain("bad_tree_size");
  });
});

describe("proof", () => {
  let id: string;
  let sthFile: string;
  beforeAll(async () => {
    id = JSON.parse(
      (
        await run([
          "assert",
          "--url",
          url,
          "--key",
          keyPath,
          "--concept",
          "acme/p",
          "--predicate",
          "p",
          "--value",
          "1",
        ])
      ).stdout,
    ).id;
    sthFile = join(dir, "sth.json");
    expect((await run(["proof", id, "--url", url, "--save-sth", sthFile])).code).toBe(0);
    await run([
      "assert",
      "--url",
      url,
      "--key",
      keyPath,
      "--concept",
      "acme/p",
      "--predicate",
      "p",
      "--value",
      "2",
    ]);
  });

  test("passes: STH, inclusion, consistency from the saved STH, pinned key", async () => {
    const key = JSON.parse(await Bun.file(sthFile).text()).server_key;
    const r = await run(["proof", id, "--url", url, "--server-key", key, "--old-sth", sthFile]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toMatch(
      /^ok {3}tree head: .*\(pinned by --server-key\)\nok {3}inclusion: .*\nok {3}consistency: .*\nPASS\n$/,
    );
  });

  test("fails on a wrong pinned key", async () => {
    const r = await run(["proof", id, "--url", url, "--server-key", "00".repeat(32)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("FAIL tree head: signed by server key");
  });

  test("fails on a tampered tree head", async () => {
    const fetch = tampering(/merkle\/root/, (b) => {
      b.root = flip(b.root as string);
    });
    const r = await run(["proof", id, "--url", url], { fetch });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("FAIL tree head: signature does not verify under server_key\n");
  });

  test("fails on a tampered audit path", async () => {
    const fetch = tampering(/proof\/inclusion/, (b) => {
      const path = b.audit_path as string[];
      path[0] = flip(path[0] as string);
    });
    const r = await run(["proof", id, "--url", url], { fetch });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL inclusion: audit path does not lead/);
  });

  test("fails when the old STH is not a prefix (a rewritten log)", async () => {
    const fetch = tampering(/proof\/consistency/, (b) => {
      const proof = b.proof as string[];
      proof[proof.length - 1] = flip(proof[proof.length - 1] as string);
    });
    const r = await run(["proof", id, "--url", url, "--old-sth", sthFile], { fetch });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL consistency: the tree of size \d+ is not a prefix/);
  });
});

describe("admin-token rotate", () => {
  test("writes a new stmadm_ token into the data dir and says to restart; refused when the token comes from the environment", async () => {
    using dir = tempDir("stemedb-rotate-");
    const rotated = await run(["admin-token", "rotate", "--data-dir", dir.path]);
    expect(rotated.stderr).toBe("");
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain(`wrote a new admin token to ${join(dir.path, "admin.token")}`);
    expect(rotated.stdout).toContain("restart the server");
    const token = readFileSync(join(dir.path, "admin.token"), "utf8").trim();
    expect(token).toMatch(/^stmadm_[A-Za-z0-9_-]{43}$/);
    expect(rotated.stdout).not.toContain(token);

    const fromEnv = await run(["admin-token", "rotate", "--data-dir", dir.path], {
      env: { STEMEDB_ADMIN_TOKEN: "stmadm_from-the-environment-0123" },
    });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain("STEMEDB_ADMIN_TOKEN");
    expect(readFileSync(join(dir.path, "admin.token"), "utf8").trim()).toBe(token);
  });
});
