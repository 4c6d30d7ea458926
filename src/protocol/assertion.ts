/**
 * The assertion types of protocol v1 (SPEC §2.1, §2.2). An `Assertion` is exactly
 * the object an agent signs and sends: the ten fields of §2.1, optional ones
 * absent rather than null. A `PreparedAssertion` is what the server derives from
 * one it accepted: the RFC 8785 bytes `C`, the BLAKE3 id computed from them (never
 * a client-supplied one), the raw signature, and the canonical value used to
 * group equal claims in lenses (SPEC §4). Everything downstream of
 * `prepareAssertion` works on these derived bytes, so nothing is hashed or
 * canonicalized twice.
 */

/** A JSON value as RFC 8259 / I-JSON (RFC 7493) describes it: numbers are IEEE-754 doubles. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Protocol version carried in every assertion (SPEC §2.1 `v`). Other versions are rejected. */
export const PROTOCOL_VERSION = 1;

/** One signed claim (SPEC §2.1). Field order here is irrelevant: `C` sorts keys (RFC 8785 §3.2.3). */
export interface Assertion {
  v: 1;
  /** Concept path: 1–32 `/`-joined segments of `[a-z0-9_.:-]{1,64}`, ≤ 512 chars. */
  concept: string;
  /** 1–128 chars, `^[a-z][a-z0-9_.:-]*$`. */
  predicate: string;
  /** Any JSON; its canonical encoding is at most the configured limit (16 KiB). */
  value: JsonValue;
  /** 0 ≤ c ≤ 1; lenses treat a missing one as 1. */
  confidence?: number;
  /** The agent's claim time, integer ms since the Unix epoch. */
  ts: number;
  /** The agent's Ed25519 public key, 64 lowercase hex chars. */
  agent: string;
  /** Id (64 lowercase hex) of the assertion this one withdraws; `value` must then be null. */
  retracts?: string;
  /** ≤ 16 strings of 1–512 chars (URLs or assertion ids). */
  evidence?: string[];
  /** Ed25519 signature over `assertionMessage(id)`, 128 lowercase hex chars. */
  sig: string;
}

/** What an agent builds before signing: every field but `sig` (SPEC §2.2 `C` covers exactly these). */
export type UnsignedAssertion = Omit<Assertion, "sig">;

/** An assertion whose schema, limits, id and signature the server has checked (SPEC §2.2). */
export interface PreparedAssertion {
  /** The assertion exactly as received (and signed), `sig` included. */
  assertion: Assertion;
  /** `C`: RFC 8785 (JCS) UTF-8 bytes of the assertion without `sig`. */
  canonical: Uint8Array;
  /** BLAKE3-256(`C`), 32 bytes. */
  id: Uint8Array;
  /** `id` as 64 lowercase hex chars. */
  idHex: string;
  /** The 64 raw signature bytes decoded from `sig`. */
  sig: Uint8Array;
  /** RFC 8785 encoding of `value` alone: equal strings mean equal values (SPEC §4 groups). */
  valueCanonical: string;
}
