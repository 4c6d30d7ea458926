/**
 * SPEC §12: no byte of a redacted assertion may stay in the SQLite state —
 * also none that SQLite left behind *before* the redaction. A row the apply
 * path replaced (the agent's head on a key in `key_heads`, its value inline)
 * or moved leaves its old cell in the page's free space unless the connection
 * runs with `secure_delete`; the redaction's own secure delete only covers the
 * rows it deletes. The 100k-row redaction bench found such copies in
 * `state.sqlite` (2 of 5 targets, every run) until the writer's connection
 * ran with `secure_delete` always on.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { applyRecords } from "../../../src/engine/apply.ts";
import { silentLogger } from "../../../src/logger.ts";
import { MerkleTree } from "../../../src/merkle/merkle-tree.ts";
import { RedactionScrubber } from "../../../src/redaction/redaction-scrubber.ts";
import { State } from "../../../src/store/state.ts";
import { prepare, testAgent } from "../../helpers/agents.ts";
import { filesHolding } from "../../helpers/byte-search.ts";
import { loggedRecord } from "../../helpers/logged-record.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const writer = testAgent(80);
const operator = testAgent(81);

/** A secret, 50 later heads on its key, its redaction: returns the secret's marker and signature. */
function writeAndRedact(state: State): { marker: string; sig: Uint8Array } {
  const marker = `MARKER-${crypto.randomUUID()}`;
  {
    const tree = MerkleTree.open(state.nodes, 0);
    const secret = writer.sign({
      concept: "acme/people/ada",
      predicate: "email",
      value: `${marker}@example.com`,
      ts: 1_700_000_000_000,
    });
    let lsn = 0;
    applyRecords({ state, tree }, [loggedRecord(secret, ++lsn)]);
    // Later claims on the same key by the same agent, of other sizes: the
    // head row is rewritten each time (its old cell freed, not overwritten).
    for (let i = 0; i < 50; i++) {
      const later = writer.sign({
        concept: "acme/people/ada",
        predicate: "email",
        value: `someone-${"x".repeat(i)}@example.com`,
        ts: 1_700_000_001_000 + i,
      });
      applyRecords({ state, tree }, [loggedRecord(later, ++lsn)]);
    }
    const redaction = operator.sign({
      concept: "_stemedb/redactions",
      predicate: "redacts",
      value: { target: prepare(secret).idHex, reason: "personal_data" },
    });
    applyRecords({ state, tree }, [loggedRecord(redaction, ++lsn)]);
    return { marker, sig: prepare(secret).sig };
  }
}

test("a redacted value replaced as its key's head before the redaction leaves no copy in state.sqlite", async () => {
  using dir = tempDir("stemedb-state-leftovers-");
  const state = State.open(join(dir.path, "state.sqlite"));
  try {
    expect(state.meta.get("free_space_dirty")).toBe(0); // a new state: nothing to clean
    const { marker, sig } = writeAndRedact(state);
    const report = await new RedactionScrubber({
      state,
      log: undefined,
      logger: silentLogger,
    }).scrub();
    expect(report.vacuumMillis).toBe(0);
    expect(filesHolding(dir.path, marker)).toEqual([]);
    expect(filesHolding(dir.path, sig)).toEqual([]);
  } finally {
    state.close();
  }
});

test("a state written before secure_delete was always on is VACUUMed once by the first scrub", async () => {
  using dir = tempDir("stemedb-state-leftovers-");
  const state = State.open(join(dir.path, "state.sqlite"));
  try {
    // As an older binary wrote it: no secure_delete, and migration 0006's mark.
    state.db.run("PRAGMA secure_delete = OFF");
    const { marker, sig } = writeAndRedact(state);
    state.db.run("PRAGMA secure_delete = ON");
    state.meta.set("free_space_dirty", 1);
    const scrubber = new RedactionScrubber({ state, log: undefined, logger: silentLogger });
    const report = await scrubber.scrub();
    expect(report.vacuumMillis).toBeGreaterThan(0);
    expect(state.meta.get("free_space_dirty")).toBe(0);
    expect(filesHolding(dir.path, marker)).toEqual([]);
    expect(filesHolding(dir.path, sig)).toEqual([]);
  } finally {
    state.close();
  }
});

test("migration 0006 marks a state that already holds rows, not an empty one", () => {
  using dir = tempDir("stemedb-state-leftovers-");
  const path = join(dir.path, "state.sqlite");
  const state = State.open(path);
  writeAndRedact(state);
  state.db.run("DELETE FROM schema_migrations WHERE name = '0006-free-space-zeroed'");
  state.db.run("DELETE FROM meta WHERE key = 'free_space_dirty'");
  state.close();
  const again = State.open(path);
  try {
    expect(again.meta.get("free_space_dirty")).toBe(1);
  } finally {
    again.close();
  }
});
