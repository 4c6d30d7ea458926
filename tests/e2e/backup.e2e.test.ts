/**
 * Backup and recovery through the compiled binary (SPEC §1: the binary carries
 * every subcommand): `serve`, writes over HTTP, `backup --json` beside the
 * running server, `verify --backup`, `restore` into a new dir, `serve` on the
 * restored dir, whose tree head the original server proves a prefix of its
 * later one, and `dr-drill --source --json`. Every run checks stdout, stderr
 * and the exit code together.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { StemeClient } from "../../src/client/steme-client.ts";
import { consistencyProblem } from "../../src/client/verify-proof.ts";
import type { UnsignedAssertion } from "../../src/protocol/assertion.ts";
import { BASE_TS, testAgent } from "../helpers/agents.ts";
import { buildBinary, runBinary, type ServerProcess, startServe } from "./binary.ts";

let bin: string;
let work: string;
let live: ServerProcess;
const running: ServerProcess[] = [];
const agent = testAgent(7);
const run = (args: string[]) => runBinary(bin, args, { cwd: work });
const STEP = 60_000;

async function write(url: string, n: number, from: number): Promise<void> {
  const client = new StemeClient({ baseUrl: url });
  const batch: UnsignedAssertion[] = [];
  for (let i = from; i < from + n; i++) {
    batch.push({
      v: 1,
      concept: `acme/node${i % 5}`,
      predicate: "status",
      value: i,
      ts: BASE_TS + i,
      agent: agent.key,
    });
  }
  const receipt = await client.signAndAssert(batch, agent.secretKey);
  expect(receipt.accepted).toBe(n);
}

beforeAll(async () => {
  bin = (await buildBinary()).path;
  work = mkdtempSync(join(tmpdir(), "stemedb-e2e-backup-"));
  live = await startServe(bin, ["--data-dir", "live", "--port", "0"], work);
  running.push(live);
  await write(live.url, 30, 0);
}, 120_000);

afterAll(async () => {
  for (const s of running) if (s.proc.exitCode === null) await s.stop("SIGKILL");
  rmSync(work, { recursive: true, force: true });
  if (bin) rmSync(dirname(bin), { recursive: true, force: true });
}, STEP);

describe("backup → restore → serve through the binary", () => {
  test(
    "backup beside the running server, verify it, restore it, serve it, prove it a prefix",
    async () => {
      const backup = await run(["backup", "--data-dir", "live", "--to", "target", "--json"]);
      expect([backup.code, backup.stderr]).toEqual([0, ""]);
      expect(JSON.parse(backup.stdout).tree_size).toBe(30);
      await write(live.url, 10, 30); // after the backup: not in it

      const verify = await run(["verify", "--backup", "target"]);
      expect([verify.code, verify.stderr]).toEqual([0, ""]);
      expect(verify.stdout).toMatch(/^PASS: 30 assertion\(s\)/m);

      const restore = await run(["restore", "--from", "target", "--data-dir", "restored"]);
      expect([restore.code, restore.stderr]).toEqual([0, ""]);
      expect(restore.stdout).toContain("tree_size 30");

      const again = await run(["restore", "--from", "target", "--data-dir", "restored"]);
      expect(again.code).toBe(1);
      expect(again.stdout).toBe("");
      expect(again.stderr).toContain("data_dir_not_empty");

      const restoredServer = await startServe(bin, ["--data-dir", "restored", "--port", "0"], work);
      running.push(restoredServer);
      const old = await new StemeClient({ baseUrl: restoredServer.url }).root();
      const origin = new StemeClient({ baseUrl: live.url });
      const later = await origin.root();
      expect([old.tree_size, later.tree_size]).toEqual([30, 40]);
      const proof = await origin.consistencyProof(old.tree_size, later.tree_size);
      expect(consistencyProblem(old, later, proof)).toBeUndefined();
      expect((await restoredServer.stop()).code).toBe(0);

      const drill = await run(["dr-drill", "--from", "target", "--source", live.url, "--json"]);
      expect([drill.code, drill.stderr]).toEqual([0, ""]);
      const report = JSON.parse(drill.stdout);
      expect([report.ok, report.consistency, report.rpo.records]).toEqual([true, "verified", 10]);
    },
    STEP,
  );

  test("each command has --help", async () => {
    for (const cmd of ["backup", "restore", "dr-drill"]) {
      const r = await run([cmd, "--help"]);
      expect([r.code, r.stderr]).toEqual([0, ""]);
      expect(r.stdout).toContain(`Usage: stemedb ${cmd}`);
    }
  });
});
