/**
 * Fresh, honest, signed assertions for the hostile suite: spread over 64
 * agents and many keys (so no flood, rate limit or breaker ever trips on
 * them), with clean values (so no quarantine rule fires). The suite sends
 * them on purpose and expects every one of them to be recorded.
 */
import type { Prng } from "../../helpers/prng.ts";
import { type Doc, idOf, type RawSigner, signerN } from "./raw-signer.ts";

export interface ValidDoc {
  doc: Doc;
  id: string;
  text: string;
}

const AGENTS = 64;

export class ValidPool {
  readonly #signers: RawSigner[] = Array.from({ length: AGENTS }, (_, i) => signerN(i));
  readonly #rng: Prng;
  readonly #now: number;
  #n = 0;

  constructor(rng: Prng, now: number) {
    this.#rng = rng;
    this.#now = now;
  }

  /** Agents the pool signs with (never registered, never disallowed by the suite). */
  get agents(): string[] {
    return this.#signers.map((s) => s.agent);
  }

  next(): ValidDoc {
    const n = this.#n++;
    const rng = this.#rng;
    const signer = this.#signers[n % AGENTS] as RawSigner;
    const value = rng.pick<unknown>([
      rng.int(-1_000_000, 1_000_000),
      rng.next(),
      `status-${rng.int(0, 9)}`,
      { n, ok: rng.chance(0.5), tags: ["a", "b"] },
      [n, null, true],
      null,
    ]);
    const doc: Doc = {
      v: 1,
      concept: `sec/valid/k${n % 41}/${rng.pick(["checkout", "auth", "db", "queue"])}`,
      predicate: rng.pick(["status", "owner", "latency_ms", "region"]),
      value,
      ts: this.#now - 3_600_000 + n,
      agent: signer.agent,
    };
    if (rng.chance(0.5)) doc.confidence = Math.round(rng.next() * 1000) / 1000;
    if (rng.chance(0.2)) doc.evidence = [`https://evidence.example/${n}`];
    const signed = signer.sign(doc);
    return { doc: signed, id: idOf(signed), text: JSON.stringify(signed) };
  }
}
