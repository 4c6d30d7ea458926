/**
 * Histories through the compiled binary against a real s3rver (SPEC §7; issue
 * 18's walkthrough, case 1): a server writes 3,001 records archived
 * continuously (with a snapshot at 2,000 taken beside it), a point-in-time
 * restore to seq 2,500 is started with the SAME `--archive-to` and takes 4
 * writes. Then the default restore brings back the branch whole (2,504), the
 * old history is restorable whole with `--history` (3,001), `verify --backup`
 * passes and names both histories, and nothing reports a mixed history.
 * Case 2: restore points the URL cannot reach are errors naming what it can
 * restore. Case 3: the restored server pointed at a new, empty prefix takes a
 * first snapshot there by itself and reports `restorable` only once it can be
 * restored from — and it can.
 */
import { expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { fastSigner } from "../helpers/fast-sign.ts";
import type { ServeProcess } from "../helpers/serve-process.ts";
import { archivedAll, binaryOnS3rver } from "./s3rver-binary.ts";

const e2e = binaryOnS3rver("histories");
const signer = fastSigner(randomBytes(32));
let n = 0;

const run = (args: string[]) => e2e.run(args);

function serve(dataDir: string, archiveTo: string): Promise<ServeProcess> {
  const args = ["--data-dir", dataDir, "--port", "0", "--archive-to", archiveTo];
  return e2e.serve([...args, "--archive-interval-ms", "50"]);
}

/** Writes `count` assertions in batches; every one must be accepted. */
async function write(url: string, count: number): Promise<void> {
  for (let left = count; left > 0; ) {
    const size = Math.min(left, 500);
    const items = Array.from({ length: size }, () =>
      signer.sign({ concept: `acme/k${n}`, predicate: "n", value: n++, ts: Date.now() }),
    );
    const res = await fetch(`${url}/v1/assert`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(items),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { accepted: number }).accepted).toBe(size);
    left -= size;
  }
}

const archived = archivedAll;

const json = (r: { stdout: string }) => JSON.parse(r.stdout);

test("a PITR branch never mixes into the history it left; both restore whole", async () => {
  const url = e2e.s3.url("prod");
  // The old history: 3,001 records, a snapshot at 2,000 beside the running server.
  const live = await serve("live", url);
  await write(live.url, 2000);
  const backup = await run(["backup", "--data-dir", "live", "--to", url, "--json"]);
  expect([backup.code, backup.stderr]).toEqual([0, ""]);
  await write(live.url, 1001);
  await archived(live.url);
  expect((await live.stop()).code).toBe(0);
  const old = json(backup).history as string;

  // Point-in-time restore to seq 2,500: the restored data dir is a new history.
  const pitr = await run([
    "restore",
    "--from",
    url,
    "--data-dir",
    "branch",
    "--until-seq",
    "2500",
    "--json",
  ]);
  expect([pitr.code, pitr.stderr]).toEqual([0, ""]);
  const restored = json(pitr);
  expect([restored.history, restored.staged.tree_size]).toEqual([old, 2500]);
  expect(restored.new_history.parent).toBe(old);
  const branch = restored.new_history.id as string;
  expect(branch > old).toBe(true);

  // Started on the SAME URL, it takes 4 writes, which ship under the new history.
  const b = await serve("branch", url);
  await write(b.url, 4);
  const figures = await archived(b.url);
  expect(figures.archived_lsn).toBe(figures.log_last_lsn);
  expect(figures.history).toBe(branch); // health names the history it ships under
  expect((await b.stop()).code).toBe(0);
  const keys = (await s3rverKeys("prod/archive/")).map((k) => k.slice("prod/".length));
  expect(keys.some((k) => k.startsWith(`archive/${branch}/`))).toBe(true);
  // Nothing of the branch extends the old history's objects.
  for (const k of keys.filter((k) => k.startsWith(`archive/${old}/`))) {
    expect(Number(k.split("/")[2]?.slice(17, 33))).toBeLessThanOrEqual(3001 + 10);
  }

  // The default restore follows the newest history: the branch, whole.
  const latest = await run(["restore", "--from", url, "--data-dir", "after", "--json"]);
  expect([latest.code, latest.stderr]).toEqual([0, ""]);
  expect([json(latest).history, json(latest).staged.tree_size]).toEqual([branch, 2504]);
  // --history brings back the old one, whole.
  const oldAgain = await run([
    ...["restore", "--from", url, "--data-dir", "old", "--history", old, "--json"],
  ]);
  expect([oldAgain.code, oldAgain.stderr]).toEqual([0, ""]);
  expect([json(oldAgain).history, json(oldAgain).staged.tree_size]).toEqual([old, 3001]);
  // --dry-run --json lists the histories.
  const dry = await run(["restore", "--from", url, "--data-dir", "dry", "--dry-run", "--json"]);
  expect([dry.code, dry.stderr]).toEqual([0, ""]);
  const listed = json(dry).histories as { id: string; parent: string | null }[];
  expect(listed.map((h) => h.id)).toEqual([old, branch]);
  expect(listed[1]?.parent).toBe(old);

  // verify --backup checks each history and passes; no mixed history anywhere.
  const verify = await run(["verify", "--backup", url]);
  expect([verify.code, verify.stderr]).toEqual([0, ""]);
  expect(verify.stdout).toContain(`PASS  backup.histories: 2 histor(ies)`);
  expect(verify.stdout).toContain(`history ${old}: latest point restored: lsn`);
  expect(verify.stdout).toContain(`history ${branch}: latest point restored: lsn`);
  expect(verify.stdout).toContain("tree_size 3001");
  expect(verify.stdout).toContain("tree_size 2504");
  expect(verify.stdout).not.toContain("FAIL");

  // Case 2: points the URL cannot reach are errors naming what it can restore.
  const before = await run([
    ...["restore", "--from", url, "--data-dir", "x1", "--history", old],
    ...["--until-time", "2020-01-01T00:00:00Z"],
  ]);
  expect([before.code, before.stdout]).toEqual([1, ""]);
  expect(before.stderr).toContain("restore_point_unreachable");
  expect(before.stderr).toContain(`can restore history ${old} from`);
  const local = join(e2e.work, "local");
  expect((await run(["backup", "--data-dir", "after", "--to", local])).code).toBe(0);
  const beforeSnapshot = await run([
    ...["restore", "--from", local, "--data-dir", "x2", "--until-seq", "100"],
  ]);
  expect([beforeSnapshot.code, beforeSnapshot.stdout]).toEqual([1, ""]);
  expect(beforeSnapshot.stderr).toContain("restore_point_unreachable");
  expect(beforeSnapshot.stderr).toContain("from tree_size 2504");

  // Case 3: the restored server on a new, empty prefix takes a first snapshot by itself.
  const fresh = e2e.s3.url("fresh");
  const f = await serve("branch", fresh);
  const a = await archived(f.url);
  expect(a.restorable).toBe(true);
  expect((await f.stop()).code).toBe(0);
  const fromFresh = await run(["restore", "--from", fresh, "--data-dir", "fresh", "--json"]);
  expect([fromFresh.code, fromFresh.stderr]).toEqual([0, ""]);
  expect(json(fromFresh).staged.tree_size).toBe(2504);
}, 600_000); // ~100 s on an idle 2-core machine, 185 s at a load average of 19

/** Object keys under a prefix of the test bucket, listed with the SDK as any S3 client would. */
async function s3rverKeys(prefix: string): Promise<string[]> {
  const client = e2e.client();
  const out = await client.send(
    new ListObjectsV2Command({ Bucket: "stemedb-test", Prefix: prefix }),
  );
  client.destroy();
  return (out.Contents ?? []).map((o) => o.Key ?? "");
}
