/**
 * The answer cache (src/lens/answer-cache.ts) as a reader thread uses it: its
 * own snapshot of the state (`ReadSnapshot` on a read-only connection), the
 * writer — a real engine — publishing each applied group's changes to shared
 * generation slots (src/store/change-slots.ts). One test per invalidation
 * trigger (a write, a retraction, a release, a reject, a registry trust
 * change): the first answer after it is a miss and equals a fresh answer;
 * each fails if apply does not bump that trigger's slot. And a write that
 * touches nothing a cached query reads leaves it a hit, at the new tree size.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Engine } from "../../../src/engine/engine.ts";
import { ReadSnapshot } from "../../../src/engine/read-snapshot.ts";
import type { IngestPolicy } from "../../../src/ingest-policy.ts";
import { AnswerCache } from "../../../src/lens/answer-cache.ts";
import { parseQueryParams } from "../../../src/lens/query-params.ts";
import { runQuery } from "../../../src/lens/run-query.ts";
import { silentLogger } from "../../../src/logger.ts";
import type { JsonValue } from "../../../src/protocol/assertion.ts";
import { ChangeSlots } from "../../../src/store/change-slots.ts";
import { ReadState } from "../../../src/store/read-state.ts";
import { prepare, testAgent } from "../../helpers/agents.ts";
import { type TempDir, tempDir } from "../../helpers/temp-dir.ts";

const alice = testAgent(1);
const bob = testAgent(2);
const CONCEPT = "acme/web/auth";
const OPTIONS = { defaultTrust: 0.5 };

/** Assertions whose value is "held" are quarantined; everything else is accepted. */
const holdPolicy: IngestPolicy = {
  classify: (item) =>
    item.assertion.value === "held"
      ? { status: "quarantined", reasons: ["test"] }
      : { status: "accepted", reasons: [] },
};

let n = 0;
function claim(agent = alice, value: JsonValue = "ok", extra: Record<string, unknown> = {}) {
  n++;
  return prepare(
    agent.sign({
      concept: CONCEPT,
      predicate: "status",
      value,
      ts: 1_767_225_600_000 + n,
      ...extra,
    }),
  );
}

let dir: TempDir;
let engine: Engine;
let reads: ReadSnapshot;
let cache: AnswerCache;
const counts = { hits: 0, misses: 0 };

beforeEach(async () => {
  dir = tempDir();
  const changes = ChangeSlots.allocate();
  engine = await Engine.open({
    dataDir: dir.path,
    logger: silentLogger,
    policy: holdPolicy,
    changes,
  });
  reads = new ReadSnapshot(ReadState.open(join(dir.path, "db", "state.sqlite")), engine.signer);
  counts.hits = 0;
  counts.misses = 0;
  cache = new AnswerCache({
    slots: changes,
    maxBytes: 1 << 20,
    observer: {
      hit: () => counts.hits++,
      miss: () => counts.misses++,
      resized: () => {},
    },
  });
});
afterEach(async () => {
  reads.close();
  await engine.close();
  dir[Symbol.dispose]();
});

/** One request's run: the cached answer, then (next run) a fresh one from the state. */
async function ask(input: Record<string, string>): Promise<{ text: string; hit: boolean }> {
  const params = parseQueryParams(input, "query");
  const hits = counts.hits;
  const text = cache.answer(reads, params, OPTIONS);
  await new Promise<void>(queueMicrotask); // the snapshot of this run ends
  const fresh = JSON.stringify(runQuery(reads, params, OPTIONS));
  await new Promise<void>(queueMicrotask);
  expect(text).toBe(fresh);
  return { text, hit: counts.hits > hits };
}

/** Asked three times: a miss (the doorkeeper marks the key), a miss (stored), a hit. */
async function cached(input: Record<string, string>): Promise<string> {
  expect((await ask(input)).hit).toBe(false);
  expect((await ask(input)).hit).toBe(false);
  const hit = await ask(input);
  expect(hit.hit).toBe(true);
  return hit.text;
}

/** Cached, then `change`, then asked again: a miss. */
async function invalidatedBy(input: Record<string, string>, change: () => Promise<unknown>) {
  const before = await cached(input);
  await change();
  const after = await ask(input);
  expect(after.hit).toBe(false);
  return { before, after: after.text };
}

describe("answer cache invalidation", () => {
  test("a write to the concept: exact, prefix and tail matches of it", async () => {
    await engine.ingest([claim(alice, "ok")]);
    const inputs: Record<string, string>[] = [
      { concept: CONCEPT },
      { concept: "acme", match: "prefix" },
      { concept: "web/auth", match: "tail" },
    ];
    for (const input of inputs) {
      const { before, after } = await invalidatedBy(input, () =>
        engine.ingest([claim(bob, `down-${n}`)]),
      );
      expect(after).not.toBe(before);
    }
  });

  test("a retraction", async () => {
    const [first] = [claim(alice, "ok")];
    await engine.ingest([first as ReturnType<typeof claim>, claim(bob, "down")]);
    const { before, after } = await invalidatedBy({ concept: CONCEPT }, () =>
      engine.ingest([claim(alice, null, { retracts: first?.idHex })]),
    );
    expect(before).toContain(alice.key);
    expect(after).not.toContain(alice.key);
  });

  test("a quarantine release", async () => {
    const held = claim(bob, "held");
    await engine.ingest([claim(alice, "ok"), held]);
    const { before, after } = await invalidatedBy({ concept: CONCEPT }, () =>
      engine.setStatus(held.id, "released"),
    );
    expect(before).not.toContain(bob.key);
    expect(after).toContain(bob.key);
  });

  test("a quarantine reject", async () => {
    const held = claim(bob, "held");
    await engine.ingest([claim(alice, "ok"), held]);
    await invalidatedBy({ concept: CONCEPT }, () => engine.setStatus(held.id, "rejected"));
  });

  test("a registry trust change (trust lens)", async () => {
    await engine.ingest([claim(alice, "ok"), claim(bob, "down")]);
    const { before, after } = await invalidatedBy({ concept: CONCEPT, lens: "trust" }, () =>
      engine.updateAgent({ agent: bob.key, trust: 1 }),
    );
    expect(JSON.parse(before).results[0].value).toBe("down"); // newer, equal trust
    expect(JSON.parse(after).results[0].value).toBe("down");
    expect(after).not.toBe(before); // weights moved
  });
});

describe("answer cache hits", () => {
  test("a write elsewhere keeps the answer, stamped with the new tree size and its root", async () => {
    await engine.ingest([claim(alice, "ok")]);
    const input = { concept: CONCEPT };
    await cached(input);
    const elsewhere = prepare(
      bob.sign({ concept: "acme/web/other", predicate: "status", value: "x" }),
    );
    await engine.ingest([elsewhere]);
    const { text, hit } = await ask(input); // equal to a fresh answer at the new size
    expect(hit).toBe(true);
    expect(JSON.parse(text).tree_size).toBe(2);
  });

  test("a hit's text is built once per tree size, exact as the size grows a digit", async () => {
    await engine.ingest([claim(alice, "ok")]);
    const input = { concept: CONCEPT };
    await cached(input);
    for (let i = 0; i < 12; i++) {
      const elsewhere = prepare(
        bob.sign({ concept: `acme/web/other${i}`, predicate: "status", value: i }),
      );
      await engine.ingest([elsewhere]);
      const first = await ask(input); // each equal to a fresh answer at the new size
      const again = await ask(input);
      expect(first.hit && again.hit).toBe(true);
      expect(again.text).toBe(first.text);
      expect(JSON.parse(first.text).tree_size).toBe(i + 2);
    }
  });

  test("an answer is stored on its key's second miss, and stored at once after an invalidation", async () => {
    await engine.ingest([claim(alice, "ok")]);
    const input = { concept: CONCEPT };
    await invalidatedBy(input, () => engine.ingest([claim(bob, "down")]));
    expect((await ask(input)).hit).toBe(true); // the miss after the write stored it again
  });

  test("as_of, cursors and queries without a concept are never cached", async () => {
    await engine.ingest([claim(alice, "ok")]);
    const inputs: Record<string, string>[] = [
      { concept: CONCEPT, as_of: "1" },
      { agent: alice.key },
    ];
    for (const input of inputs) {
      await ask(input);
      expect((await ask(input)).hit).toBe(false);
    }
    expect(counts.misses).toBe(0);
  });
});
