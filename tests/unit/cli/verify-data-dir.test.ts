/**
 * `verifyDataDir` and `stemedb verify` on a real data dir written by the
 * engine (several segments, a retraction, a registry update): a good dir
 * passes without anything in it changing; each kind of damage fails and says
 * where — a flipped byte in an older segment (segment + offset), a tampered
 * row (seq + id), a tampered Merkle node (the node, and the root).
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  appendFileSync,
  cpSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { Engine } from "../../../src/engine/engine.ts";
import { toHex } from "../../../src/hex.ts";
import { silentLogger } from "../../../src/logger.ts";
import { type VerifyReport, verifyDataDir } from "../../../src/verify/verify-data-dir.ts";
import { prepare, testAgent } from "../../helpers/agents.ts";
import { type TempDir, tempDir } from "../../helpers/temp-dir.ts";
import { run } from "./cli-test-io.ts";

const N = 40; // 32 + 8: the frontier holds nodes (5, 0) and (3, 4)
let root: TempDir;
let good: string;
let copies = 0;

beforeAll(async () => {
  root = tempDir("stemedb-verify-");
  good = join(root.path, "good");
  const engine = await Engine.open({ dataDir: good, logger: silentLogger, segmentBytes: 4096 });
  const alice = testAgent(1);
  const bob = testAgent(2);
  let first = "";
  for (let i = 0; i < N - 1; i++) {
    const who = i % 2 === 0 ? alice : bob;
    const a = who.sign({
      concept: `acme/svc${i % 7}`,
      predicate: "status",
      value: { i },
      ts: 1_767_225_600_000 + i,
    });
    const { outcomes } = await engine.ingest([prepare(a)]);
    if (i === 0) first = (outcomes[0] as { id: string }).id;
  }
  await engine.updateAgent({ agent: alice.key, name: "alice", trust: 0.9 });
  const retraction = alice.sign({
    concept: "acme/svc0",
    predicate: "status",
    value: null,
    retracts: first,
    ts: 1_767_225_700_000,
  });
  await engine.ingest([prepare(retraction)]);
  await engine.close();
  expect(readdirSync(join(good, "wal")).length).toBeGreaterThanOrEqual(3);
});

afterAll(() => root?.[Symbol.dispose]());

function copy(): string {
  const dir = join(root.path, `copy-${++copies}`);
  cpSync(good, dir, { recursive: true });
  return dir;
}

function failed(report: VerifyReport) {
  return report.checks.filter((c) => !c.ok);
}

/** Every file under dir with its size and mtime, to show verify writes nothing. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .sort()
    .map((p) => {
      const s = statSync(join(dir, p));
      return `${p} ${s.size} ${s.mtimeMs}`;
    });
}

describe("a good data dir", () => {
  test("passes every check, counts what it saw, and changes nothing", async () => {
    const before = snapshot(good);
    const report = await verifyDataDir(good);
    expect(failed(report)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.counts).toMatchObject({
      assertions: N,
      tree_size: N,
      log_assertions: N,
      log_records: N + 1,
    });
    const names = report.checks.map((c) => c.name);
    for (const name of [
      "log.segments",
      "sqlite.integrity",
      "assertions.ids",
      "assertions.signatures",
      "merkle.nodes",
      "merkle.root",
      "metadata",
      "log.assertions",
      "log.state",
    ]) {
      expect(names).toContain(name);
    }
    expect(snapshot(good)).toEqual(before);
  });

  test("stemedb verify prints PASS per check and PASS overall, exit 0", async () => {
    const r = await run(["verify", good]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).not.toContain("FAIL");
    expect(r.stdout).toMatch(
      /\nPASS: 40 assertion\(s\), tree_size 40, 41 log record\(s\) in \d+ segment\(s\)\n$/,
    );
  });

  test("--operator-key takes one key per flag, so the data dir may follow it", async () => {
    const key = "ab".repeat(32);
    const r = await run(["verify", "--operator-key", key, "--operator-key", key, good]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toContain(`verifying ${good}`);
  });

  test("a torn tail of the newest segment is reported but is not a failure", async () => {
    const dir = copy();
    const wal = join(dir, "wal");
    const newest = readdirSync(wal).sort().at(-1) as string;
    const size = statSync(join(wal, newest)).size;
    appendFileSync(join(wal, newest), new Uint8Array([0, 0, 0, 9, 1, 2]));
    const report = await verifyDataDir(dir);
    expect(report.ok).toBe(true);
    expect(report.checks).toContainEqual({
      name: "log.segments",
      ok: true,
      detail: expect.stringContaining("torn tail"),
      where: { segment: newest, offset: size },
    });
  });
});

describe("retention", () => {
  test("older segments removed by retention are not a failure; the report says so", async () => {
    const dir = copy();
    rmSync(join(dir, "wal", "segment-00000001.log"));
    const report = await verifyDataDir(dir);
    expect(failed(report)).toEqual([]);
    const agreement = report.checks.find((c) => c.name === "log.state");
    expect(agreement?.detail).toContain("older segments removed by retention");
  });
});

describe("damage is found and located", () => {
  test("a flipped byte in a record of an older segment: FAIL naming segment and offset", async () => {
    const dir = copy();
    const path = join(dir, "wal", "segment-00000001.log");
    const bytes = readFileSync(path);
    const firstFrame = 17 + bytes.readUInt32BE(32); // header 32 bytes, frame header 17 + payload
    const secondFrame = 32 + firstFrame;
    bytes[secondFrame + 17 + 20] = (bytes[secondFrame + 17 + 20] as number) ^ 0x01;
    writeFileSync(path, bytes);
    const report = await verifyDataDir(dir);
    expect(report.ok).toBe(false);
    expect(failed(report)).toContainEqual({
      name: "log.segments",
      ok: false,
      detail: expect.stringContaining("crc32c mismatch"),
      where: { segment: "segment-00000001.log", offset: secondFrame },
    });
    const r = await run(["verify", dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `FAIL  log.segments [segment-00000001.log offset ${secondFrame}]: corrupt_segment: crc32c mismatch`,
    );
    expect(r.stdout).toMatch(/\nFAIL: /);
  });

  test("a row's canonical bytes changed in SQLite: FAIL naming seq and id", async () => {
    const dir = copy();
    const db = new Database(join(dir, "db", "state.sqlite"));
    const row = db.query("SELECT id, canonical FROM assertions WHERE seq = 5").get() as {
      id: Uint8Array;
      canonical: Uint8Array;
    };
    const text = new TextDecoder()
      .decode(row.canonical)
      .replace('"value":{"i":4}', '"value":{"i":5}');
    db.query("UPDATE assertions SET canonical = ? WHERE seq = 5").run(
      new TextEncoder().encode(text),
    );
    db.close();
    const report = await verifyDataDir(dir);
    expect(report.ok).toBe(false);
    expect(failed(report)).toContainEqual({
      name: "assertions.ids",
      ok: false,
      detail: expect.stringContaining("seq 5: stored id is not BLAKE3"),
      where: { seq: 5, id: toHex(row.id) },
    });
    // The other rows and the log are untouched.
    expect(
      failed(report).every((c) => c.where !== undefined && "seq" in c.where && c.where.seq === 5),
    ).toBe(true);
  });

  test("a tampered merkle_nodes row on the frontier: FAIL on that node and on the root", async () => {
    const dir = copy();
    const db = new Database(join(dir, "db", "state.sqlite"));
    db.query("UPDATE merkle_nodes SET hash = ? WHERE k = ?").run(
      new Uint8Array(32).fill(0xee),
      5 * 2 ** 40,
    );
    db.close();
    const report = await verifyDataDir(dir);
    expect(report.ok).toBe(false);
    const names = failed(report).map((c) => c.name);
    expect(names).toEqual(["merkle.nodes", "merkle.root"]);
    expect(failed(report)[0]?.where).toEqual({ level: 5, index: 0 });
    expect(failed(report)[1]?.detail).toContain("the state's root at tree_size 40");
  });

  test("a tampered inner merkle_nodes row: FAIL on that node", async () => {
    const dir = copy();
    const db = new Database(join(dir, "db", "state.sqlite"));
    db.query("UPDATE merkle_nodes SET hash = ? WHERE k = ?").run(
      new Uint8Array(32).fill(1),
      2 * 2 ** 40 + 3,
    );
    db.close();
    const report = await verifyDataDir(dir);
    expect(failed(report).map((c) => [c.name, c.where])).toEqual([
      ["merkle.nodes", { level: 2, index: 3 }],
    ]);
  });

  test("a metadata.json root that is not the recomputed one: FAIL metadata", async () => {
    const dir = copy();
    const meta = JSON.parse(readFileSync(join(dir, "metadata.json"), "utf8"));
    writeFileSync(join(dir, "metadata.json"), JSON.stringify({ ...meta, root: "00".repeat(32) }));
    const report = await verifyDataDir(dir);
    expect(failed(report).map((c) => c.name)).toEqual(["metadata"]);
  });
});
