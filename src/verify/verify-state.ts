/**
 * Verification of the SQLite state (SPEC §7): one pass over the assertions in
 * seq order that, for every row, recomputes the id from the stored canonical
 * bytes (BLAKE3, SPEC §2.2), checks that those bytes are RFC 8785 and a valid
 * protocol v1 assertion, that the indexed columns say what the bytes say, and
 * that the signature verifies (native Ed25519, as the server checks it); and
 * that, feeding each id as a leaf into a fresh RFC 6962 tree, recomputes every
 * perfect subtree the server stored in `merkle_nodes` and compares them one by
 * one. Finally the root recomputed from the leaves is compared with the root
 * the state claims (its stored nodes at its `tree_size`). Schema v2 keys are
 * interned: a row's ids are joined back to their text (a dangling id reads as
 * a column mismatch), and every concept's reversed key is checked. Redacted
 * assertions (SPEC §12) are leaves without a body, checked under the
 * verifier rule (src/redaction/verify-redacted.ts).
 */

import type { Database } from "bun:sqlite";
import { blake3 } from "@noble/hashes/blake3.js";
import { fromHex, toHex } from "../hex.ts";
import { hashEquals, leafHash } from "../merkle/hash.ts";
import { MerkleTree } from "../merkle/merkle-tree.ts";
import type { MerkleNodeStore } from "../merkle/node-store.ts";
import { parseAssertion } from "../protocol/assertion-schema.ts";
import { canonicalString } from "../protocol/canonical.ts";
import { nativeVerify } from "../protocol/native-ed25519.ts";
import { assertionMessage } from "../protocol/signed-bytes.ts";
import type { LedgerEntry } from "../redaction/redaction-ledger.ts";
import { checkRedactedLeaves, redactedLeaves } from "../redaction/verify-redacted.ts";
import type { StoredAssertion } from "../store/assertion-table.ts";
import { reverseConcept } from "../store/concept-path.ts";
import { LEVEL_SHIFT, SqliteNodeStore } from "../store/sqlite-node-store.ts";
import type { CheckCollector } from "./verify-report.ts";

type Row = Pick<
  StoredAssertion,
  | "seq"
  | "id"
  | "concept"
  | "predicate"
  | "agent"
  | "confidence"
  | "ts"
  | "retracts"
  | "canonical"
  | "sig"
>;

export interface StateFacts {
  treeSize: number;
  lastLsn: number;
  rows: number;
  merkleNodes: number;
  /** Seqs whose row failed a check: the log pass re-verifies those records itself. */
  badSeqs: Set<number>;
  /** Root recomputed from the leaves at the state's size, and at `rootAt`'s size when asked. */
  recomputedRoot: Uint8Array;
  rootAt: Map<number, Uint8Array>;
}

/** A node store that compares every node the recomputation completes with the stored one. */
class ComparingNodeStore implements MerkleNodeStore {
  readonly #stored: ReturnType<Database["query"]>;
  readonly #checks: CheckCollector;

  constructor(db: Database, checks: CheckCollector) {
    this.#stored = db.query("SELECT hash FROM merkle_nodes WHERE k = ?");
    this.#checks = checks;
  }

  get(): Uint8Array | undefined {
    return undefined; // the recomputation only ever folds its own frontier
  }

  put(level: number, index: number, hash: Uint8Array): void {
    if (level === 0) return; // leaves are derived from assertions.id, not stored
    const row = this.#stored.get(level * LEVEL_SHIFT + index) as { hash: Uint8Array } | null;
    if (row === null) {
      this.#checks.fail("merkle.nodes", `node (level ${level}, index ${index}) is missing`, {
        level,
        index,
      });
    } else if (!hashEquals(new Uint8Array(row.hash), hash)) {
      this.#checks.fail(
        "merkle.nodes",
        `node (level ${level}, index ${index}) is ${toHex(row.hash)}; the leaves give ${toHex(hash)}`,
        { level, index },
      );
    }
  }
}

const decoder = new TextDecoder("utf-8", { fatal: true });

export function verifyState(
  db: Database,
  checks: CheckCollector,
  rootSizes: readonly number[] = [],
  trustedOperators?: ReadonlySet<string>,
  ledger: readonly LedgerEntry[] = [],
): StateFacts {
  const meta = new Map(
    (db.query("SELECT key, value FROM meta").all() as { key: string; value: number }[]).map((r) => [
      r.key,
      r.value,
    ]),
  );
  const treeSize = meta.get("tree_size") ?? 0;
  const lastLsn = meta.get("last_lsn") ?? 0;
  const badSeqs = new Set<number>();
  const rootAt = new Map<number, Uint8Array>();
  const wanted = new Set(rootSizes);
  const tree = MerkleTree.open(new ComparingNodeStore(db, checks), 0);
  if (wanted.has(0)) rootAt.set(0, tree.root());

  const bad = (name: string, row: Row, detail: string) => {
    badSeqs.add(row.seq);
    checks.fail(name, `seq ${row.seq}: ${detail}`, { seq: row.seq, id: toHex(row.id) });
  };

  let rows = 0;
  const select = db.query(
    `SELECT a.seq, a.id, c.path AS concept, p.name AS predicate, k.key AS agent, a.confidence,
       a.ts, coalesce(t.id, (SELECT id FROM redacted WHERE seq = a.retracts)) AS retracts,
       a.canonical, a.sig
     FROM assertions AS a
     LEFT JOIN concepts AS c ON c.id = a.concept
     LEFT JOIN predicates AS p ON p.id = a.predicate
     LEFT JOIN agent_keys AS k ON k.id = a.agent
     LEFT JOIN assertions AS t ON t.seq = a.retracts
     ORDER BY a.seq`,
  );
  // Redacted assertions (SPEC §12) keep their leaf in `redacted`, merged in seq order.
  const redacted = redactedLeaves(db);
  let nextRedacted = 0;
  const leaf = (seq: number, id: Uint8Array, row?: Row) => {
    rows++;
    if (seq !== rows) {
      const at = row ?? ({ seq, id } as Row);
      bad("assertions.seq", at, `expected seq ${rows}: the seqs must run 1, 2, 3, … without gaps`);
      rows = seq; // report each gap once
    }
    tree.append([leafHash(id)]);
    if (wanted.has(tree.size)) rootAt.set(tree.size, tree.root());
  };
  const redactedUpTo = (seq: number) => {
    for (let r = redacted[nextRedacted]; r !== undefined && r.seq < seq; ) {
      leaf(r.seq, r.id);
      r = redacted[++nextRedacted];
    }
  };
  for (const row of select.iterate() as IterableIterator<Row>) {
    redactedUpTo(row.seq);
    checkRow(row, bad);
    leaf(row.seq, row.id, row);
  }
  redactedUpTo(Number.POSITIVE_INFINITY);
  checkRedactedLeaves(db, redacted, checks, trustedOperators, ledger);
  checks.finish("assertions.seq", `${rows} assertion(s), seq 1..${rows}`);
  checks.finish("assertions.ids", "every id is BLAKE3-256 of its canonical bytes");
  checks.finish(
    "assertions.content",
    "canonical bytes are RFC 8785 protocol v1 assertions matching their columns",
  );
  checks.finish("assertions.signatures", "every signature verifies (Ed25519, SPEC §2.2)");
  checkConceptKeys(db, checks);

  if (rows !== treeSize) {
    checks.fail(
      "state.meta",
      `meta tree_size is ${treeSize} but ${rows} assertion row(s) are stored`,
    );
  }
  checks.finish("state.meta", `tree_size ${treeSize}, last applied lsn ${lastLsn}`);

  const merkleNodes = (db.query("SELECT count(*) AS n FROM merkle_nodes").get() as { n: number }).n;
  const expectedNodes = storedNodeCount(tree.size);
  if (merkleNodes !== expectedNodes) {
    checks.fail(
      "merkle.nodes",
      `${merkleNodes} stored node(s); a tree of ${tree.size} leaves has ${expectedNodes}`,
    );
  }
  checks.finish("merkle.nodes", `all ${expectedNodes} stored node(s) match the recomputation`);

  const recomputedRoot = tree.root();
  claimedRootCheck(db, treeSize, rows, recomputedRoot, checks);
  return { treeSize, lastLsn, rows, merkleNodes, badSeqs, recomputedRoot, rootAt };
}

function checkRow(row: Row, bad: (name: string, row: Row, detail: string) => void): void {
  const canonical = new Uint8Array(row.canonical);
  const id = blake3(canonical);
  if (!hashEquals(id, new Uint8Array(row.id))) {
    bad(
      "assertions.ids",
      row,
      `stored id is not BLAKE3 of the stored canonical bytes (${toHex(id)})`,
    );
  }
  let text: string;
  let parsed: Record<string, unknown>;
  try {
    text = decoder.decode(canonical);
    parsed = JSON.parse(text) as Record<string, unknown>;
    if (canonicalString(parsed) !== text) throw new Error("not in RFC 8785 canonical form");
    parseAssertion({ ...parsed, sig: toHex(row.sig) });
  } catch (e) {
    bad(
      "assertions.content",
      row,
      `canonical bytes are not a valid assertion: ${(e as Error).message}`,
    );
    return;
  }
  const mismatch = columnMismatch(row, parsed);
  if (mismatch !== undefined) {
    bad("assertions.content", row, `column ${mismatch} differs from the canonical bytes`);
  }
  const agent = fromHex(parsed.agent as string, 32);
  if (!nativeVerify(agent, assertionMessage(id), new Uint8Array(row.sig))) {
    bad("assertions.signatures", row, "the signature does not verify for the canonical bytes");
  }
}

function columnMismatch(row: Row, a: Record<string, unknown>): string | undefined {
  if (row.concept !== a.concept) return "concept";
  if (row.predicate !== a.predicate) return "predicate";
  if (row.agent !== a.agent) return "agent";
  if (row.ts !== a.ts) return "ts";
  if (row.confidence !== ((a.confidence as number | undefined) ?? null)) return "confidence";
  const retracts = row.retracts === null ? undefined : toHex(row.retracts);
  if (retracts !== a.retracts) return "retracts";
  return undefined;
}

/** Tail matching searches `concept_rev`: each must be its path with the segments reversed. */
function checkConceptKeys(db: Database, checks: CheckCollector): void {
  const rows = db.query("SELECT id, path, concept_rev FROM concepts ORDER BY id");
  let n = 0;
  for (const r of rows.iterate() as IterableIterator<{
    id: number;
    path: string;
    concept_rev: string;
  }>) {
    n++;
    if (r.concept_rev !== reverseConcept(r.path)) {
      checks.fail("state.keys", `concept ${r.id} (${r.path}) has reversed key ${r.concept_rev}`);
    }
  }
  checks.finish("state.keys", `${n} concept(s) with their reversed keys`);
}

/** Perfect subtrees of level ≥ 1 in a tree of n leaves: Σ floor(n / 2^l). */
function storedNodeCount(n: number): number {
  let total = 0;
  for (let width = 2; width <= n; width *= 2) total += Math.floor(n / width);
  return total;
}

/** The root the state claims (its stored nodes at its tree_size) against the recomputed one. */
function claimedRootCheck(
  db: Database,
  treeSize: number,
  rows: number,
  recomputed: Uint8Array,
  checks: CheckCollector,
): void {
  if (treeSize !== rows) {
    checks.fail("merkle.root", "skipped: meta tree_size does not match the stored rows");
    return;
  }
  let claimed: Uint8Array;
  try {
    claimed = MerkleTree.open(new SqliteNodeStore(db), treeSize).root();
  } catch (e) {
    checks.fail("merkle.root", `the state's tree cannot be read: ${(e as Error).message}`);
    return;
  }
  if (!hashEquals(claimed, recomputed)) {
    checks.fail(
      "merkle.root",
      `the state's root at tree_size ${treeSize} is ${toHex(claimed)}; recomputed from the leaves: ${toHex(recomputed)}`,
    );
  }
  checks.finish(
    "merkle.root",
    `root ${toHex(recomputed)} at tree_size ${treeSize} recomputed from the leaves`,
  );
}
