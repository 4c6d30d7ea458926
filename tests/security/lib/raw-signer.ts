/**
 * Signing for hostile inputs: signs any object the way a client would (SPEC
 * §2.2: Ed25519 over "stemedb:assertion:v1:" ‖ BLAKE3(RFC 8785 of everything
 * but `sig`)), even one that breaks the schema, so a rejection is due to the
 * rule under test and not to the signature. Objects that cannot be
 * canonicalized (lone surrogates, non-finite numbers) get a zero signature.
 * Uses the native signer: thousands of signatures cost milliseconds.
 *
 * `jsonWithRaw` splices raw JSON text (`1e309`, `"\ud800"`, duplicate member
 * names) where JSON.stringify cannot produce it.
 */
import { toHex } from "../../../src/hex.ts";
import { assertionId } from "../../../src/protocol/assertion-id.ts";
import { canonicalBytes } from "../../../src/protocol/canonical.ts";
import { nativeSigner } from "../../../src/protocol/native-ed25519.ts";
import { assertionMessage } from "../../../src/protocol/signed-bytes.ts";

export type Doc = Record<string, unknown>;

export const ZERO_SIG = "0".repeat(128);

export interface RawSigner {
  agent: string;
  /** `doc` (any `sig` dropped) with a signature over its canonical form. */
  sign(doc: Doc): Doc;
}

export function rawSigner(seed: Uint8Array): RawSigner {
  const signer = nativeSigner(seed);
  return {
    agent: toHex(signer.publicKey),
    sign(doc) {
      const { sig: _drop, ...unsigned } = doc;
      let sig = ZERO_SIG;
      try {
        sig = toHex(signer.sign(assertionMessage(assertionId(canonicalBytes(unsigned)))));
      } catch {
        // not canonicalizable: the server must refuse it before any signature check
      }
      return { ...unsigned, sig };
    },
  };
}

/** A deterministic signer for index `n` (distinct from tests/helpers/agents.ts keys). */
export function signerN(n: number): RawSigner {
  const seed = new Uint8Array(32).fill(0x5e);
  seed[0] = n & 0xff;
  seed[1] = (n >> 8) & 0xff;
  return rawSigner(seed);
}

/** The id the server computes for a signed document (SPEC §2.2). */
export function idOf(doc: Doc): string {
  const { sig: _drop, ...unsigned } = doc;
  return toHex(assertionId(canonicalBytes(unsigned)));
}

/** A marker string that `jsonWithRaw` replaces by raw JSON text. */
export function rawMarker(n: number): string {
  return `@@raw${n}@@`;
}

/** JSON.stringify(doc), then each `"@@rawN@@"` string replaced by `raws[N]` verbatim. */
export function jsonWithRaw(doc: unknown, raws: readonly string[]): string {
  let text = JSON.stringify(doc);
  raws.forEach((raw, n) => {
    text = text.split(JSON.stringify(rawMarker(n))).join(raw);
  });
  return text;
}
