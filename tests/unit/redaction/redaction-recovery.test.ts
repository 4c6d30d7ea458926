/**
 * A redacted data dir through recovery and `stemedb verify` (SPEC §12, §5,
 * §7): the segment log holds a same-LSN, same-length stub; a state rebuilt
 * from that log has the same root and the same redaction; verify passes and
 * names the operator key; a stub without a redaction (a frame removed by
 * anyone else) stops recovery and fails verify.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Engine } from "../../../src/engine/engine.ts";
import { fromHex } from "../../../src/hex.ts";
import { SegmentLog } from "../../../src/log/segment-log.ts";
import { silentLogger } from "../../../src/logger.ts";
import { findAssertionFrame, rewriteWithStub } from "../../../src/redaction/rewrite-segment.ts";
import { verifyDataDir } from "../../../src/verify/verify-data-dir.ts";
import {
  ADMIN_TOKEN,
  body,
  json,
  openTestApp,
  type Receipt,
  type TestAgent,
  type TestApp,
  testAgent,
} from "../http/http-test-helpers.ts";

let t: TestApp;
let operator: TestAgent;
let target: Receipt;
let other: Receipt;
let red: Receipt;
let root: string;
const scratch = mkdtempSync(join(tmpdir(), "stemedb-redaction-recovery-"));

beforeAll(async () => {
  t = await openTestApp();
  operator = testAgent();
  const writer = testAgent();
  await t.app.request(`/v1/agents/${operator.agent}`, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ role: "operator" }),
  });
  const post = async (doc: unknown) => body<Receipt>(await t.app.request("/v1/assert", json(doc)));
  target = await post(writer.sign({ concept: "acme/a", predicate: "p", value: "secret-one" }));
  other = await post(writer.sign({ concept: "acme/b", predicate: "p", value: "kept" }));
  // A retraction recorded before its target is redacted keeps naming it (SPEC §12 edges).
  const victim = await post(writer.sign({ concept: "acme/c", predicate: "p", value: "gone" }));
  await post(writer.sign({ concept: "acme/c", predicate: "p", value: null, retracts: victim.id }));
  red = await post(
    operator.sign({
      concept: "_stemedb/redactions",
      predicate: "redacts",
      value: { target: target.id, reason: "leaked_secret" },
    }),
  );
  await post(
    operator.sign({
      concept: "_stemedb/redactions",
      predicate: "redacts",
      value: { target: victim.id, reason: "personal_data" },
    }),
  );
  root = t.engine.treeHead().root;
  await t.engine.close();
});
afterAll(() => {
  rmSync(t.dir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

function copyOf(name: string): string {
  const dir = join(scratch, name);
  cpSync(t.dir, dir, { recursive: true });
  return dir;
}

describe("a redacted data dir", () => {
  test("the log holds a stub with the frame's LSN and length", async () => {
    const log = await SegmentLog.open(join(t.dir, "wal"));
    const found = findAssertionFrame(log.segmentList(), fromHex(target.id, 32), target.seq);
    expect(found?.stubbed).toBe(true);
    await log.close();
  });

  test("verify passes, names the operator key, and checks a pinned one", async () => {
    const report = await verifyDataDir(t.dir);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    const redacted = report.checks.find((c) => c.name === "assertions.redacted");
    expect(redacted?.detail).toContain(operator.agent);
    const stubs = report.checks.find((c) => c.name === "log.redactions");
    expect(stubs?.detail).toContain("2 redaction stub(s)");
    const pinned = await verifyDataDir(t.dir, { trustedOperators: new Set([operator.agent]) });
    expect(pinned.ok).toBe(true);
    const wrong = await verifyDataDir(t.dir, { trustedOperators: new Set(["ab".repeat(32)]) });
    const failed = new Set(wrong.checks.filter((c) => !c.ok).map((c) => c.name));
    expect([...failed]).toEqual(["assertions.redacted"]);
  });

  test("a state rebuilt from the log has the same root and the same redaction", async () => {
    const dir = copyOf("rebuilt");
    rmSync(join(dir, "db"), { recursive: true });
    const engine = await Engine.open({ dataDir: dir, logger: silentLogger });
    try {
      expect(engine.treeHead().root).toBe(root);
      expect(engine.getAssertion(fromHex(target.id, 32))).toBeUndefined();
      const entry = engine.getRedacted(fromHex(target.id, 32));
      expect(entry?.seq).toBe(target.seq);
      expect(entry?.redaction?.seq).toBe(red.seq);
      expect(entry?.redaction?.reason).toBe("leaked_secret");
      expect(engine.getAssertion(fromHex(other.id, 32))?.seq).toBe(other.seq);
    } finally {
      await engine.close();
    }
    expect((await verifyDataDir(dir)).ok).toBe(true);
  });

  test("a stub without a redaction stops recovery and fails verify", async () => {
    const dir = copyOf("forged");
    const log = await SegmentLog.open(join(dir, "wal"));
    const found = findAssertionFrame(log.segmentList(), fromHex(other.id, 32), other.seq);
    await log.close();
    if (found === undefined) throw new Error("frame not found");
    const size = statSync(found.segment.path).size;
    rewriteWithStub(found);
    expect(statSync(found.segment.path).size).toBe(size);
    const report = await verifyDataDir(dir);
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toContain("log.redactions");
    rmSync(join(dir, "db"), { recursive: true });
    await expect(Engine.open({ dataDir: dir, logger: silentLogger })).rejects.toMatchObject({
      code: "corrupt_segment",
    });
  });
});
