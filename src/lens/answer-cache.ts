/**
 * An answer cache for current-tree queries (issue 17), one per thread that
 * answers queries, bounded in bytes (`STEMEDB_QUERY_CACHE_BYTES`, least
 * recently used out first) and invalidated exactly through the generation
 * slots the writer publishes (src/store/change-slots.ts).
 *
 * Cached: queries with a concept and no `as_of` or `cursor` (queries by agent
 * or predicate alone always run). An entry records the generation of the one
 * slot its match reads (exact `c`, prefix `p`, tail `t` of the concept; plus
 * the registry slot for `trust`), the tree size it was answered at, and its
 * JSON text. A hit needs those generations unchanged.
 *
 * Why a hit is never older than the tree size it reports:
 * - On a miss the generations are read BEFORE the query's snapshot begins (the
 *   first SQLite read of the run; on the main thread the writer's applies and
 *   bumps are synchronous in this same thread). The writer bumps a concept's
 *   slots after the COMMIT that changed it, so a change the snapshot missed is
 *   committed after the snapshot began, hence bumped after the read: the entry
 *   is stale only when its generation has moved, and is then never served.
 * - A hit reports the larger of its own size T and the published size P (the
 *   writer publishes P after bumping every slot of every commit ≤ P, and P is
 *   read before the generations): no commit in (T, P] touched what it reads,
 *   so its rows are those of the snapshot at P, and it says `tree_size` P with
 *   the root at P (computed once per size). Clients never see tree sizes go
 *   back between a fresh answer and a cached one.
 * - Writes are acknowledged only after their bumps: read-your-writes across
 *   threads holds as without the cache.
 * An answer with a `next_cursor` keeps its own size (the cursor pins it).
 *
 * Admission: an answer is stored on its key's second miss (a doorkeeper of
 * hashed keys, reset when a quarter full), so keys asked once — a scan, the
 * cold half of a mix — neither pay for storing nor push hot answers out.
 */
import { toHex } from "../hex.ts";
import type { ChangeSlots } from "../store/change-slots.ts";
import type { QueryParams } from "./query-params.ts";
import { type LensSource, type QueryOptions, runQuery } from "./run-query.ts";

/** Counts and sizes for metrics. */
export interface AnswerCacheObserver {
  hit(): void;
  miss(): void;
  resized(entries: number, bytes: number): void;
}

export interface AnswerCacheOptions {
  /** The writer's published changes; without them nothing is cached. */
  slots?: ChangeSlots;
  /** Bound on the cached answers' estimated bytes; 0 turns the cache off. */
  maxBytes: number;
  observer?: AnswerCacheObserver;
}

interface Entry {
  gen: number;
  registryGen: number;
  /** Tree size answered at. */
  size: number;
  /**
   * The answer's JSON text at `textSize`: built once per tree size it is served
   * at, so a hit serves the same string (no new text per request).
   */
  text: string;
  textSize: number;
  /** Where `textSize` starts in `text`, and where what follows the root begins (no cursor). */
  at: number;
  end: number;
  /** An answer with a `next_cursor`: served as stored, at its own size. */
  pinned: boolean;
  bytes: number;
}

/** Map and entry overhead beyond the key and the text, estimated. */
const ENTRY_OVERHEAD = 160;
/** Doorkeeper size (a power of two) and the marks after which it starts over. */
const DOOR_SLOTS = 65_536;
const DOOR_RESET = DOOR_SLOTS / 4;

/** FNV-1a of `key`, to a doorkeeper slot. */
function doorSlot(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) & (DOOR_SLOTS - 1);
}

export class AnswerCache {
  readonly #slots: ChangeSlots | undefined;
  readonly #maxBytes: number;
  readonly #observer: AnswerCacheObserver | undefined;
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;
  #root = { size: -1, hex: "" };
  readonly #seen = new Uint8Array(DOOR_SLOTS);
  #marks = 0;

  constructor(options: AnswerCacheOptions) {
    this.#slots = options.slots;
    this.#maxBytes = options.maxBytes;
    this.#observer = options.observer;
  }

  /** The JSON text of the answer to `params`: exactly `JSON.stringify(runQuery(…))` at its size. */
  answer(source: LensSource, params: QueryParams, options: QueryOptions): string {
    const slots = this.#slots;
    const key = this.#maxBytes > 0 && slots !== undefined ? keyOf(params) : undefined;
    if (key === undefined || slots === undefined) {
      return JSON.stringify(runQuery(source, params, options));
    }
    const published = slots.publishedSize(); // before the generations (see above)
    const gen = slots.generation(slots.matchSlot(params.match, params.concept as string));
    const registryGen = params.lens === "trust" ? slots.generation(slots.registrySlot) : 0;
    const entry = this.#entries.get(key);
    if (entry !== undefined && entry.gen === gen && entry.registryGen === registryGen) {
      const size = entry.pinned ? entry.size : Math.max(entry.size, published);
      if (size >= (params.min_tree_size ?? 0)) {
        this.#entries.delete(key); // most recently used last
        this.#entries.set(key, entry);
        this.#observer?.hit();
        if (entry.pinned || entry.textSize === size) return entry.text;
        const sizeAndRoot = `${size},"root":"${this.#rootAt(source, size)}"`;
        entry.text = `${entry.text.slice(0, entry.at)}${sizeAndRoot}${entry.text.slice(entry.end)}`;
        entry.textSize = size;
        entry.end = entry.at + sizeAndRoot.length;
        return entry.text;
      }
    }
    this.#observer?.miss();
    const response = runQuery(source, params, options); // its snapshot begins here
    const text = JSON.stringify(response);
    if (entry === undefined && !this.#admit(key)) return text;
    this.#store(key, {
      gen,
      registryGen,
      size: response.tree_size,
      ...(response.next_cursor === null
        ? splitAtSize(text, response.tree_size, response.root)
        : { text, textSize: response.tree_size, at: 0, end: 0, pinned: true }),
      bytes: key.length + text.length + ENTRY_OVERHEAD,
    });
    return text;
  }

  /** True on a key's second miss (or later); marks it on its first. */
  #admit(key: string): boolean {
    const slot = doorSlot(key);
    if (this.#seen[slot] === 1) return true;
    if (this.#marks === DOOR_RESET) {
      this.#seen.fill(0);
      this.#marks = 0;
    }
    this.#seen[slot] = 1;
    this.#marks++;
    return false;
  }

  #store(key: string, entry: Entry): void {
    const old = this.#entries.get(key);
    if (old !== undefined) {
      this.#entries.delete(key);
      this.#bytes -= old.bytes;
    }
    if (entry.bytes <= this.#maxBytes / 16) {
      this.#entries.set(key, entry);
      this.#bytes += entry.bytes;
      for (const [k, e] of this.#entries) {
        if (this.#bytes <= this.#maxBytes) break;
        this.#entries.delete(k);
        this.#bytes -= e.bytes;
      }
    }
    this.#observer?.resized(this.#entries.size, this.#bytes);
  }

  /** The root (hex) at `size`, computed once per size. */
  #rootAt(source: LensSource, size: number): string {
    if (this.#root.size !== size) this.#root = { size, hex: toHex(source.tree.root(size)) };
    return this.#root.hex;
  }
}

/** What identifies a cacheable query; undefined for one that is not cached. */
function keyOf(p: QueryParams): string | undefined {
  if (p.concept === undefined || p.as_of !== undefined || p.cursor !== undefined) return undefined;
  return `${p.lens} ${p.match} ${p.concept} ${p.predicate ?? ""} ${p.agent ?? ""} ${p.min_confidence ?? ""} ${p.limit}`;
}

/** Where the size and root of a cursor-less answer are in its `text` (`{"lens":…,"tree_size":` before). */
function splitAtSize(
  text: string,
  size: number,
  root: string,
): Pick<Entry, "text" | "textSize" | "at" | "end" | "pinned"> {
  const marker = `"tree_size":${size},"root":"${root}"`;
  const at = text.indexOf(marker);
  if (at < 0) return { text, textSize: size, at: 0, end: 0, pinned: true };
  return {
    text,
    textSize: size,
    at: at + '"tree_size":'.length,
    end: at + marker.length,
    pinned: false,
  };
}
