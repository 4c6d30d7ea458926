/**
 * The apply path's side of redaction (SPEC §12), driven with log records as a
 * replicated log delivers them (seq 0: assigned in log order): a redaction in
 * the same group as its target; a later duplicate of a redacted assertion (a
 * stream redelivery beyond the dedup window) that must not bring its content
 * back; the Merkle leaf of a redacted seq derived from the `redacted` table.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { applyRecords } from "../../../src/engine/apply.ts";
import { leafHash } from "../../../src/merkle/hash.ts";
import { MerkleTree } from "../../../src/merkle/merkle-tree.ts";
import { State } from "../../../src/store/state.ts";
import { prepare, testAgent } from "../../helpers/agents.ts";
import { loggedRecord } from "../../helpers/logged-record.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const writer = testAgent(70);
const operator = testAgent(71);

test("a redaction in its target's group, then a redelivered original, keep the content out", () => {
  using dir = tempDir("stemedb-apply-redaction-");
  const state = State.open(join(dir.path, "state.sqlite"));
  try {
    const tree = MerkleTree.open(state.nodes, 0);
    const claim = writer.sign({ concept: "acme/x", predicate: "p", value: "secret" });
    const other = writer.sign({ concept: "acme/y", predicate: "p", value: "kept" });
    const id = prepare(claim).idHex;
    const redaction = operator.sign({
      concept: "_stemedb/redactions",
      predicate: "redacts",
      value: { target: id, reason: "personal_data" },
    });
    applyRecords({ state, tree }, [
      loggedRecord(claim, 1),
      loggedRecord(other, 2),
      loggedRecord(redaction, 3),
    ]);
    expect(tree.size).toBe(3);
    const target = prepare(claim).id;
    expect(state.assertions.byId(target)).toBeUndefined();
    expect(state.redacted.byId(target)).toMatchObject({ seq: 1, redaction: { seq: 3 } });
    expect(state.nodes.get(0, 0)).toEqual(leafHash(target));
    const root = tree.root().slice();
    // The original again, later in the stream: a no-op, not a new leaf with the content.
    applyRecords({ state, tree }, [loggedRecord(claim, 4)]);
    expect(tree.size).toBe(3);
    expect(tree.root()).toEqual(root);
    expect(state.assertions.byId(target)).toBeUndefined();
    // The concept no other assertion uses is gone; the other one stays.
    expect(state.keys.concepts.id("acme/x")).toBeUndefined();
    expect(state.keys.concepts.id("acme/y")).toBeDefined();
  } finally {
    state.close();
  }
});
