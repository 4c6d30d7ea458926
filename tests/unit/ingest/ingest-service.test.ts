import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Engine } from "../../../src/engine/engine.ts";
import { StemeError } from "../../../src/errors.ts";
import type { IngestGuard, SubmissionStatus } from "../../../src/ingest/ingest-guard.ts";
import { IngestService } from "../../../src/ingest/ingest-service.ts";
import { silentLogger } from "../../../src/logger.ts";
import { BASE_TS, testAgent } from "../../helpers/agents.ts";
import { type TempDir, tempDir } from "../../helpers/temp-dir.ts";

const alice = testAgent(11);
const mallory = testAgent(12);
let dir: TempDir;
let engine: Engine;

beforeAll(async () => {
  dir = tempDir();
  engine = await Engine.open({ dataDir: dir.path, logger: silentLogger });
});
afterAll(async () => {
  await engine.close();
  dir[Symbol.dispose]();
});

describe("IngestService", () => {
  test("guards refuse items alone and hear every verified outcome; unverified items never reach them", async () => {
    const heard: [string, SubmissionStatus, string | undefined][] = [];
    const guard: IngestGuard = {
      admit: (item) =>
        item.assertion.agent === mallory.key
          ? new StemeError("forbidden", "not allowed")
          : undefined,
      observe: (agent, status, error) => heard.push([agent, status, error?.code]),
    };
    const outcomes: SubmissionStatus[] = [];
    const service = new IngestService({
      engine,
      config: { maxSkewMs: 300_000, maxValueBytes: 16_384, maxBatch: 10 },
      clock: { now: () => BASE_TS + 1000 },
      guards: [guard],
      onOutcome: (s) => outcomes.push(s),
    });
    const good = alice.sign({ concept: "a/b", predicate: "p", value: 1 });
    const forged = { ...alice.sign({ concept: "a/b", predicate: "p", value: 2 }), value: 3 };
    const refused = mallory.sign({ concept: "a/b", predicate: "p", value: 1 });
    const r = await service.submit(
      [
        { ok: true, value: good },
        { ok: true, value: forged },
        { ok: true, value: refused },
        { ok: false, error: new StemeError("bad_json", "line 4: not JSON") },
        { ok: true, value: good },
      ],
      "127.0.0.1",
    );
    expect(r.results.map((x) => (x.status === "rejected" ? x.error.code : x.status))).toEqual([
      "accepted",
      "bad_signature",
      "forbidden",
      "bad_json",
      "duplicate",
    ]);
    expect(heard).toEqual([
      [mallory.key, "rejected", "forbidden"],
      [alice.key, "accepted", undefined],
      [alice.key, "duplicate", undefined],
    ]);
    expect(outcomes).toEqual(["accepted", "rejected", "rejected", "rejected", "duplicate"]);
    expect(r.sth.tree_size).toBe(1);
  });

  test("empty and oversize batches are whole-request errors", async () => {
    const service = new IngestService({
      engine,
      config: { maxSkewMs: 300_000, maxValueBytes: 16_384, maxBatch: 2 },
      clock: { now: () => BASE_TS },
    });
    await expect(service.submit([], "ip")).rejects.toMatchObject({ code: "empty_batch" });
    const x = { ok: true as const, value: {} };
    await expect(service.submit([x, x, x], "ip")).rejects.toMatchObject({
      code: "batch_too_large",
    });
  });
});
