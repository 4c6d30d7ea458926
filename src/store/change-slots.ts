/**
 * What changed, published to every thread that answers queries (issue 17): a
 * `SharedArrayBuffer` allocated once at start and handed to each HTTP thread,
 * holding generation counters that the writer bumps after each applied group's
 * COMMIT and before any of its writes is acknowledged, and the tree size up to
 * which every commit's bumps are done. Answer caches (src/lens/answer-cache.ts)
 * compare generations with `Atomics.load`: synchronous and exact.
 *
 * Slots are hashes (FNV-1a, 64K slots) of:
 * - `c` + concept — what an exact match on that concept reads;
 * - `p` + every whole-segment prefix of it (`acme`, `acme/web`, `acme/web/auth`)
 *   — what a prefix match on that prefix reads;
 * - `t` + every whole-segment suffix, hashed in reversed-segment form (`auth`,
 *   `auth/web`, `auth/web/acme`) — what a tail match reads;
 * - one registry slot, for agent registry (trust) changes.
 * Two names sharing a slot only invalidate more than they must, never less.
 *
 * Layout: bytes 0–7 the published tree size (BigInt64), then the Int32 slots.
 */
import type { MatchKind } from "./query-store.ts";

const SLOTS = 65_536;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SEPARATOR = 47; // "/"

const start = (kind: string): number => Math.imul(FNV_OFFSET ^ kind.charCodeAt(0), FNV_PRIME);
const step = (h: number, code: number): number => Math.imul(h ^ code, FNV_PRIME);
const slotOf = (h: number): number => (h >>> 0) & (SLOTS - 1);

function hashOf(kind: string, text: string): number {
  let h = start(kind);
  for (let i = 0; i < text.length; i++) h = step(h, text.charCodeAt(i));
  return slotOf(h);
}

/** `kind` + every whole-segment prefix of `path` (`path` itself included): one pass, one slot each. */
function prefixSlots(kind: string, path: string, into: number[]): void {
  let h = start(kind);
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code === SEPARATOR) into.push(slotOf(h));
    h = step(h, code);
  }
  into.push(slotOf(h));
}

const reversed = (concept: string): string => concept.split("/").reverse().join("/");

export class ChangeSlots {
  readonly buffer: SharedArrayBuffer;
  readonly #size: BigInt64Array;
  readonly #gens: Int32Array;
  /** The slot of agent registry changes. */
  readonly registrySlot = SLOTS;

  /** Over `buffer` (from `allocate()`, possibly in another thread). */
  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.#size = new BigInt64Array(buffer, 0, 1);
    this.#gens = new Int32Array(buffer, 8, SLOTS + 1);
  }

  static allocate(): ChangeSlots {
    return new ChangeSlots(new SharedArrayBuffer(8 + 4 * (SLOTS + 1)));
  }

  /**
   * The writer, after COMMIT and before answering: bumps the slots of every
   * concept in `concepts` (and the registry slot when `registry`), then
   * publishes `treeSize` — so a reader that sees that size sees the bumps.
   */
  publish(concepts: Iterable<string>, registry: boolean, treeSize: number): void {
    const slots: number[] = [];
    for (const concept of concepts) {
      slots.push(hashOf("c", concept));
      prefixSlots("p", concept, slots);
      prefixSlots("t", reversed(concept), slots);
    }
    if (registry) slots.push(this.registrySlot);
    for (const s of slots) Atomics.add(this.#gens, s, 1);
    Atomics.store(this.#size, 0, BigInt(treeSize));
  }

  /** The tree size through which every applied group's slots are bumped. */
  publishedSize(): number {
    return Number(Atomics.load(this.#size, 0));
  }

  /** The slot a concept match depends on: what the writer bumps for every concept it matches. */
  matchSlot(match: MatchKind, concept: string): number {
    if (match === "exact") return hashOf("c", concept);
    if (match === "prefix") return hashOf("p", concept);
    return hashOf("t", reversed(concept));
  }

  generation(slot: number): number {
    return Atomics.load(this.#gens, slot);
  }
}
