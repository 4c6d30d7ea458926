/**
 * Throughput of the Merkle ingest path (SPEC §2.3, §9): leaf hashing plus
 * MerkleTree.append into a MemoryNodeStore, for 1,000,000 leaves in batches of
 * 1,000. A micro-benchmark, not a test: `npx bun tests/bench/merkle-append.ts [leaves]`.
 */
import { randomBytes } from "node:crypto";
import { leafHash } from "../../src/merkle/hash.ts";
import { MerkleTree } from "../../src/merkle/merkle-tree.ts";
import { MemoryNodeStore, type MerkleNodeStore } from "../../src/merkle/node-store.ts";

const LEAVES = Number(process.argv[2] ?? 1_000_000);
const BATCH = 1_000;

const ids = Array.from({ length: LEAVES }, () => new Uint8Array(randomBytes(32)));
const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString("en")}/s`;

function run(label: string, store: MerkleNodeStore): void {
  const tree = MerkleTree.open(store, 0);
  let hashMs = 0;
  const t0 = performance.now();
  for (let i = 0; i < LEAVES; i += BATCH) {
    const h0 = performance.now();
    const batch = ids.slice(i, i + BATCH).map(leafHash);
    hashMs += performance.now() - h0;
    tree.append(batch);
  }
  tree.root();
  const total = performance.now() - t0;
  console.log(
    `${label}: ${LEAVES.toLocaleString("en")} leaves in ${total.toFixed(0)} ms = ${rate(LEAVES, total)}` +
      ` (leaf hashing ${rate(LEAVES, hashMs)}, append ${rate(LEAVES, total - hashMs)})`,
  );
}

const noop: MerkleNodeStore = { get: () => undefined, put: () => {} };
run("warm-up", new MemoryNodeStore());
run("MemoryNodeStore", new MemoryNodeStore());
run("no-op store", noop);
