/**
 * Bulk test data: signs assertions with the runtime's native Ed25519 (~20× faster
 * than noble), for tests that need 100k+ records. Produces exactly what
 * `signAssertion` does; tests/unit/protocol checks the two agree.
 */
import { toHex } from "../../src/hex.ts";
import type { Assertion, UnsignedAssertion } from "../../src/protocol/assertion.ts";
import { assertionId } from "../../src/protocol/assertion-id.ts";
import { canonicalBytes } from "../../src/protocol/canonical.ts";
import { nativeSigner } from "../../src/protocol/native-ed25519.ts";
import { assertionMessage } from "../../src/protocol/signed-bytes.ts";

export function fastSigner(seed: Uint8Array) {
  const signer = nativeSigner(seed);
  const agent = toHex(signer.publicKey);
  return {
    agent,
    sign(fields: Omit<UnsignedAssertion, "agent" | "v">): Assertion {
      const unsigned: UnsignedAssertion = { v: 1, agent, ...fields };
      const id = assertionId(canonicalBytes(unsigned));
      return { ...unsigned, sig: toHex(signer.sign(assertionMessage(id))) };
    },
  };
}
