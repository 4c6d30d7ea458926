/**
 * The SDK against the shared protocol vectors (tests/vectors/assertions.json,
 * SPEC §2.2): signing each vector's unsigned fields with its secret key gives
 * the vector's exact sig and id (Ed25519 is deterministic, RFC 8032 §5.1.6),
 * and the SDK's noble verifier accepts every valid vector and refuses every
 * invalid one that fails on its signature.
 */
import { describe, expect, test } from "bun:test";
import {
  type Assertion,
  agentPublicKey,
  computeAssertionId,
  nobleVerifyAssertion,
  signAssertion,
  type UnsignedAssertion,
} from "../../../src/client/index.ts";
import { fromHex, toHex } from "../../../src/hex.ts";
import vectors from "../../vectors/assertions.json" with { type: "json" };

interface ValidVector {
  name: string;
  secret_key: string;
  public_key: string;
  assertion: Assertion;
  input_text?: string;
  id: string;
  sig: string;
}

const valid = vectors.valid as unknown as ValidVector[];
const invalid = vectors.invalid as unknown as {
  name: string;
  assertion?: Assertion;
  expected_code: string;
}[];

describe("SDK signing reproduces every valid vector", () => {
  for (const v of valid) {
    test(v.name, () => {
      // Where input_text is given, the parsed text is what a client holds.
      const source = (
        v.input_text === undefined ? v.assertion : JSON.parse(v.input_text)
      ) as Assertion;
      const { sig: _sig, ...unsigned } = source;
      const secretKey = fromHex(v.secret_key, 32);
      expect(toHex(agentPublicKey(secretKey))).toBe(v.public_key);
      const signed = signAssertion(unsigned as UnsignedAssertion, secretKey);
      expect(signed.sig).toBe(v.sig);
      expect(computeAssertionId(signed)).toBe(v.id);
      expect(computeAssertionId(unsigned as UnsignedAssertion)).toBe(v.id);
      expect(nobleVerifyAssertion(signed)).toBe(true);
    });
  }
});

describe("SDK noble verify refuses the bad-signature vectors", () => {
  for (const v of invalid.filter((x) => x.expected_code === "bad_signature")) {
    test(v.name, () => {
      expect(nobleVerifyAssertion(v.assertion as Assertion)).toBe(false);
    });
  }
});

test("signAssertion refuses an agent field that is not the key's public key", () => {
  const v = valid[0] as ValidVector;
  const other = valid.find((x) => x.public_key !== v.public_key) as ValidVector;
  const { sig: _sig, ...unsigned } = v.assertion;
  expect(() => signAssertion(unsigned, fromHex(other.secret_key, 32))).toThrow(TypeError);
});
