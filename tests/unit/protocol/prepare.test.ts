/**
 * `prepareAssertion` (SPEC §2.1, §2.2): the order of its checks, so a document
 * with several faults always gets the same error; the limits that depend on
 * configuration; and the rule that the signature is checked on a recomputed id,
 * so a known id with a bad `sig` is `bad_signature`, never a duplicate.
 */
import { describe, expect, test } from "bun:test";
import { type ErrorCode, isStemeError } from "../../../src/errors.ts";
import { fromHex, toHex } from "../../../src/hex.ts";
import type { UnsignedAssertion } from "../../../src/protocol/assertion.ts";
import { assertionId } from "../../../src/protocol/assertion-id.ts";
import { canonicalBytes } from "../../../src/protocol/canonical.ts";
import { prepareAssertion } from "../../../src/protocol/prepare.ts";
import { agentPublicKey, signAssertion } from "../../../src/protocol/sign.ts";

const secret = fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", 32);
const other = fromHex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", 32);
const agent = toHex(agentPublicKey(secret));
const NOW = 1_732_800_000_000;
const limits = { nowMs: NOW, maxSkewMs: 300_000, maxValueBytes: 1024 };

function unsigned(extra: Partial<UnsignedAssertion> = {}): UnsignedAssertion {
  return {
    v: 1,
    concept: "acme/payments/checkout",
    predicate: "status",
    value: "degraded",
    ts: NOW - 1000,
    agent,
    ...extra,
  };
}

function failure(input: unknown, l = limits): { code: ErrorCode; field: string | null } {
  try {
    prepareAssertion(input, l);
  } catch (e) {
    if (!isStemeError(e)) throw e;
    return { code: e.code, field: e.field ?? null };
  }
  throw new Error("expected prepareAssertion to throw");
}

/** Flips the lowest bit of the first signature byte. */
function badSig(sig: string): string {
  return (Number.parseInt(sig.slice(0, 2), 16) ^ 1).toString(16).padStart(2, "0") + sig.slice(2);
}

test("a signed assertion comes out with C, id, sig and canonical value", () => {
  const a = signAssertion(unsigned({ value: { b: [1, -0], a: "é" }, confidence: 0.5 }), secret);
  const p = prepareAssertion(a, limits);
  expect(p.assertion).toEqual(a);
  expect(Buffer.from(p.canonical).toString()).toBe(
    `{"agent":"${agent}","concept":"acme/payments/checkout","confidence":0.5,"predicate":"status","ts":${NOW - 1000},"v":1,"value":{"a":"é","b":[1,0]}}`,
  );
  expect(p.id).toEqual(
    assertionId(canonicalBytes(unsigned({ value: { b: [1, 0], a: "é" }, confidence: 0.5 }))),
  );
  expect(p.idHex).toBe(toHex(p.id));
  expect(toHex(p.sig)).toBe(a.sig);
  expect(p.valueCanonical).toBe('{"a":"é","b":[1,0]}');
});

describe("signatures (SPEC §2.2)", () => {
  test("a known-good id with a bad sig is bad_signature", () => {
    const a = signAssertion(unsigned(), secret);
    expect(prepareAssertion(a, limits).idHex).toHaveLength(64); // the id is good
    expect(failure({ ...a, sig: badSig(a.sig) })).toEqual({ code: "bad_signature", field: "sig" });
  });
  test("signed by another key", () => {
    const a = signAssertion(unsigned({ agent: toHex(agentPublicKey(other)) }), other);
    expect(failure({ ...a, agent })).toEqual({ code: "bad_signature", field: "sig" });
  });
  test("any field changed after signing", () => {
    const a = signAssertion(unsigned({ evidence: ["x"] }), secret);
    for (const changed of [
      { value: "healthy" },
      { ts: a.ts + 1 },
      { concept: "acme/payments" },
      { predicate: "status2" },
      { evidence: ["y"] },
      { evidence: ["x", "x"] },
      { confidence: 1 },
    ]) {
      expect(failure({ ...a, ...changed })).toEqual({ code: "bad_signature", field: "sig" });
    }
  });
  test("a client-supplied id is never trusted: it is an unknown field", () => {
    const a = signAssertion(unsigned(), secret);
    const id = prepareAssertion(a, limits).idHex;
    expect(failure({ ...a, id })).toEqual({ code: "unknown_field", field: "id" });
  });
  test("an agent key that is not a curve point is bad_signature, not a crash", () => {
    const a = signAssertion(unsigned(), secret);
    expect(failure({ ...a, agent: `02${"0".repeat(62)}` })).toEqual({
      code: "bad_signature",
      field: "sig",
    });
  });
});

describe("limits", () => {
  test("value size is measured on the canonical UTF-8 bytes, inclusive", () => {
    // "é" is 2 bytes: a string of 511 of them is 1022 + 2 quote bytes = 1024.
    const atLimit = signAssertion(unsigned({ value: "é".repeat(511) }), secret);
    expect(() => prepareAssertion(atLimit, limits)).not.toThrow();
    const over = signAssertion(unsigned({ value: `${"é".repeat(511)}x` }), secret);
    expect(failure(over)).toEqual({ code: "value_too_large", field: "value" });
  });
  test("value size counts the canonical form, not the text sent", () => {
    const text = `{"v":1,"concept":"a","predicate":"p","ts":${NOW},"agent":"${agent}","sig":"${"0".repeat(128)}","value":[${"1.0000, ".repeat(300)}1]}`;
    // 300 × "1.0000, " is 2400 chars sent but 600 bytes canonical: passes size, fails signature.
    expect(failure(JSON.parse(text))).toEqual({ code: "bad_signature", field: "sig" });
  });
  test("ts may run ahead of the server clock by max skew, not more", () => {
    const edge = signAssertion(unsigned({ ts: NOW + limits.maxSkewMs }), secret);
    expect(() => prepareAssertion(edge, limits)).not.toThrow();
    const ahead = signAssertion(unsigned({ ts: NOW + limits.maxSkewMs + 1 }), secret);
    expect(failure(ahead)).toEqual({ code: "clock_skew", field: "ts" });
  });
  test("old timestamps are fine (only the 2000-01-01 floor applies)", () => {
    const old = signAssertion(unsigned({ ts: 946_684_800_000 }), secret);
    expect(() => prepareAssertion(old, limits)).not.toThrow();
  });
  test("a retraction must have value null", () => {
    const retracts = "ab".repeat(32);
    const bad = signAssertion(unsigned({ retracts }), secret);
    expect(failure(bad)).toEqual({ code: "invalid_field", field: "value" });
    const good = signAssertion(unsigned({ retracts, value: null }), secret);
    expect(prepareAssertion(good, limits).assertion.retracts).toBe(retracts);
  });
});

describe("check order: I-JSON → schema → value size → clock skew → retraction → signature", () => {
  const big = "x".repeat(2000);
  const bad = "0".repeat(128); // a well-formed but wrong signature
  const base = { ...unsigned(), sig: bad };
  const cases: [string, unknown, ErrorCode, string][] = [
    [
      "lone surrogate beats unknown field",
      { ...base, value: "\ud800", x: 1 },
      "bad_unicode",
      "value",
    ],
    ["unknown field beats a bad concept", { ...base, concept: "A", x: 1 }, "unknown_field", "x"],
    ["schema beats value size", { ...base, value: big, ts: 1 }, "invalid_field", "ts"],
    [
      "value size beats clock skew",
      { ...base, value: big, ts: NOW * 2 },
      "value_too_large",
      "value",
    ],
    [
      "clock skew beats retraction value",
      { ...base, ts: NOW * 2, retracts: "ab".repeat(32) },
      "clock_skew",
      "ts",
    ],
    [
      "retraction value beats signature",
      { ...base, retracts: "ab".repeat(32) },
      "invalid_field",
      "value",
    ],
    ["signature last", base, "bad_signature", "sig"],
  ];
  test.each(cases)("%s", (_name, input, code, field) => {
    expect(failure(input)).toEqual({ code, field });
  });
});

test("the input object is not modified", () => {
  const a = signAssertion(unsigned({ value: { b: 1, a: 2 } }), secret);
  const copy = structuredClone(a);
  prepareAssertion(a, limits);
  expect(a).toEqual(copy);
  expect(Object.keys(a.value as object)).toEqual(["b", "a"]);
});
