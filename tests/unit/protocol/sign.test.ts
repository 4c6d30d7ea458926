/**
 * The client side (SPEC §1, §2.2): @noble/ed25519 keys and signatures, checked
 * against RFC 8032 §7.1 and against the server's native verifier.
 */
import { describe, expect, test } from "bun:test";
import { fromHex, toHex } from "../../../src/hex.ts";
import type { UnsignedAssertion } from "../../../src/protocol/assertion.ts";
import { assertionId } from "../../../src/protocol/assertion-id.ts";
import { canonicalBytes } from "../../../src/protocol/canonical.ts";
import { nativeVerify } from "../../../src/protocol/native-ed25519.ts";
import { prepareAssertion } from "../../../src/protocol/prepare.ts";
import {
  agentPublicKey,
  generateAgentKey,
  nobleVerifyAssertion,
  signAssertion,
} from "../../../src/protocol/sign.ts";
import { assertionMessage } from "../../../src/protocol/signed-bytes.ts";

const limits = { nowMs: 1_732_800_000_000, maxSkewMs: 300_000, maxValueBytes: 16_384 };

function unsigned(agent: string): UnsignedAssertion {
  return {
    v: 1,
    concept: "acme/sdk",
    predicate: "owner",
    value: "team-blue",
    ts: 1_732_700_000_000,
    agent,
  };
}

describe("keys (RFC 8032 §5.1.5)", () => {
  test("RFC 8032 §7.1 TEST 1 and TEST 2 public keys", () => {
    const t1 = fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    const t2 = fromHex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
    expect(toHex(agentPublicKey(t1))).toBe(
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    );
    expect(toHex(agentPublicKey(t2))).toBe(
      "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    );
  });
  test("generateAgentKey makes distinct, consistent pairs", () => {
    const a = generateAgentKey();
    const b = generateAgentKey();
    expect(a.secretKey).toHaveLength(32);
    expect(toHex(a.publicKey)).toBe(toHex(agentPublicKey(a.secretKey)));
    expect(toHex(a.secretKey)).not.toBe(toHex(b.secretKey));
  });
  test("a seed of the wrong length is a TypeError naming the argument", () => {
    expect(() => agentPublicKey(new Uint8Array(31))).toThrow(/secretKey/);
    expect(() => agentPublicKey(new Uint8Array(64))).toThrow(TypeError);
  });
});

describe("signAssertion", () => {
  test("signs C's id with the RFC 8032 pure scheme; both verifiers accept", () => {
    const key = generateAgentKey();
    const a = signAssertion(unsigned(toHex(key.publicKey)), key.secretKey);
    expect(a.sig).toMatch(/^[0-9a-f]{128}$/);
    const { sig, ...rest } = a;
    const msg = assertionMessage(assertionId(canonicalBytes(rest)));
    expect(nativeVerify(key.publicKey, msg, fromHex(sig))).toBe(true);
    expect(nobleVerifyAssertion(a)).toBe(true);
    expect(prepareAssertion(a, limits).idHex).toBe(toHex(assertionId(canonicalBytes(rest))));
  });
  test("refuses to sign for another agent", () => {
    const key = generateAgentKey();
    const other = generateAgentKey();
    expect(() => signAssertion(unsigned(toHex(other.publicKey)), key.secretKey)).toThrow(
      /unsigned\.agent/,
    );
  });
  test("a stray sig on the input is replaced, not signed over", () => {
    const key = generateAgentKey();
    const u = { ...unsigned(toHex(key.publicKey)), sig: "00" } as UnsignedAssertion;
    const a = signAssertion(u, key.secretKey);
    expect(a.sig).toBe(signAssertion(unsigned(toHex(key.publicKey)), key.secretKey).sig);
    expect(nobleVerifyAssertion(a)).toBe(true);
  });
  test("optional fields are signed as sent: absent stays absent", () => {
    const key = generateAgentKey();
    const without = signAssertion(unsigned(toHex(key.publicKey)), key.secretKey);
    const withOne = signAssertion(
      { ...unsigned(toHex(key.publicKey)), confidence: 1 },
      key.secretKey,
    );
    expect(withOne.sig).not.toBe(without.sig);
    expect(nobleVerifyAssertion({ ...without, confidence: 1 })).toBe(false);
  });
});

describe("nobleVerifyAssertion", () => {
  const key = generateAgentKey();
  const a = signAssertion(unsigned(toHex(key.publicKey)), key.secretKey);
  test.each([
    ["a changed value", { ...a, value: "team-red" }],
    ["uppercase sig hex", { ...a, sig: a.sig.toUpperCase() }],
    ["a short sig", { ...a, sig: a.sig.slice(2) }],
    ["a non-hex agent", { ...a, agent: "zz".repeat(32) }],
    ["an agent that is not a curve point", { ...a, agent: `02${"0".repeat(62)}` }],
  ])("is false for %s", (_name, bad) => {
    expect(nobleVerifyAssertion(bad)).toBe(false);
  });
});
