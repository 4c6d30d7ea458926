/**
 * A State on ":memory:" with hand-placed rows for lens tests. Lenses never
 * re-verify, so ids are seq-derived bytes and sig a placeholder; the canonical
 * bytes are the assertion's RFC 8785 text (the store reads values from them);
 * the tree is a stand-in whose root at size n is recognisable (n in every byte).
 */
import { toHex } from "../../../src/hex.ts";
import { parseQueryParams } from "../../../src/lens/query-params.ts";
import type { QueryResponse } from "../../../src/lens/query-response.ts";
import { runQuery } from "../../../src/lens/run-query.ts";
import { canonicalString } from "../../../src/protocol/canonical.ts";
import { State } from "../../../src/store/state.ts";

/** Agent keys by letter: A = "aaaa…" (64 hex). */
export const A = "a".repeat(64);
export const B = "b".repeat(64);
export const C = "c".repeat(64);
export const D = "d".repeat(64);
export const E = "e".repeat(64);
export const F = "f".repeat(64);

export const ACCEPTED = 1;
export const QUARANTINED = 2;
export const RELEASED = 3;
export const REJECTED = 4;

export interface Row {
  concept?: string;
  predicate?: string;
  agent?: string;
  value?: unknown;
  confidence?: number;
  ts?: number;
  status?: number;
  /** seq of the assertion this one retracts (value is then null). */
  retracts?: number;
}

export function idOf(seq: number): Uint8Array {
  const id = new Uint8Array(32);
  new DataView(id.buffer).setUint32(28, seq);
  id[0] = 0x1d;
  return id;
}

export const idHex = (seq: number): string => toHex(idOf(seq));

/** A recognisable root for tree size n. */
export const fakeRoot = (n: number): Uint8Array => new Uint8Array(32).fill(n % 256);

export class LensFixture {
  readonly state: State;
  readonly tree: { size: number; root(size?: number): Uint8Array } = {
    size: 0,
    root: (size?: number): Uint8Array => fakeRoot(size ?? this.tree.size),
  };
  defaultTrust = 0.5;

  constructor(path = ":memory:") {
    this.state = State.open(path);
  }

  /** Records one assertion as the next seq; returns the seq. */
  add(r: Row): number {
    const seq = this.tree.size + 1;
    const retraction = r.retracts !== undefined;
    const a = {
      v: 1,
      concept: r.concept ?? "acme/checkout",
      predicate: r.predicate ?? "status",
      agent: r.agent ?? A,
      value: retraction ? null : (r.value ?? "ok"),
      ts: r.ts ?? 1_700_000_000_000 + seq,
      ...(r.confidence === undefined ? {} : { confidence: r.confidence }),
      ...(retraction ? { retracts: idHex(r.retracts as number) } : {}),
    };
    this.state.assertions.insert({
      seq,
      id: idOf(seq),
      concept: a.concept,
      predicate: a.predicate,
      agent: a.agent,
      confidence: r.confidence ?? null,
      ts: a.ts,
      retracts: retraction ? idOf(r.retracts as number) : null,
      status: r.status ?? ACCEPTED,
      reasons: [],
      received_at: 1_700_000_000_000,
      canonical: new TextEncoder().encode(canonicalString(a)),
      sig: new Uint8Array(64),
    });
    this.tree.size = seq;
    return seq;
  }

  setTrust(agent: string, trust: number | null): void {
    this.state.agents.merge({ agent, trust, at: 0 });
  }

  /** Parses `input` as a JSON body would be, then runs it. */
  query(input: Record<string, unknown>): QueryResponse {
    return runQuery(this, parseQueryParams(input, "json"), { defaultTrust: this.defaultTrust });
  }

  close(): void {
    this.state.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
