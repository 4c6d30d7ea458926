/**
 * The protocol v1 vectors (tests/vectors/assertions.json, SPEC §2.2) against
 * both sides: the server path (`prepareAssertion`, native Ed25519, field-by-field
 * `C`) and the client path (`signAssertion`, @noble/ed25519, generic RFC 8785).
 * Also checks that the file is exactly what its generator writes.
 */
import { describe, expect, test } from "bun:test";
import { isStemeError } from "../../../src/errors.ts";
import { fromHex, toHex } from "../../../src/hex.ts";
import type { Assertion, UnsignedAssertion } from "../../../src/protocol/assertion.ts";
import { assertionCanonicalString } from "../../../src/protocol/assertion-canonical.ts";
import { assertionId } from "../../../src/protocol/assertion-id.ts";
import { canonicalString } from "../../../src/protocol/canonical.ts";
import { parseJsonText } from "../../../src/protocol/json-input.ts";
import { nativeVerify } from "../../../src/protocol/native-ed25519.ts";
import { prepareAssertion } from "../../../src/protocol/prepare.ts";
import { agentPublicKey, nobleVerifyAssertion, signAssertion } from "../../../src/protocol/sign.ts";
import { assertionMessage } from "../../../src/protocol/signed-bytes.ts";
import vectors from "../../vectors/assertions.json" with { type: "json" };

interface ValidVector {
  name: string;
  secret_key: string;
  public_key: string;
  assertion: Assertion;
  input_text?: string;
  canonical: string;
  id: string;
  message: string;
  sig: string;
}

interface InvalidVector {
  name: string;
  expected_code: string;
  expected_field: string | null;
  assertion?: unknown;
  input_text?: string;
}

const valid = vectors.valid as unknown as ValidVector[];
const invalid = vectors.invalid as unknown as InvalidVector[];
const limits = {
  nowMs: vectors.limits.now_ms,
  maxSkewMs: vectors.limits.max_skew_ms,
  maxValueBytes: vectors.limits.max_value_bytes,
};
const utf8 = new TextEncoder();

function withoutSig(a: Assertion): UnsignedAssertion {
  const { sig: _sig, ...rest } = a;
  return rest;
}

/** What a server receives: the exact text where given, else the object. */
function received(v: { assertion?: unknown; input_text?: string }): unknown {
  return v.input_text === undefined ? structuredClone(v.assertion) : parseJsonText(v.input_text);
}

test("the vector file covers what SPEC §2.2 asks for", () => {
  expect(valid.length).toBeGreaterThanOrEqual(12);
  const names = new Set(valid.map((v) => v.name));
  for (const n of ["minimal", "retraction", "numbers", "unicode-strings", "negative-zero"]) {
    expect(names.has(n)).toBe(true);
  }
  const codes = new Set(invalid.map((v) => v.expected_code));
  for (const c of ["bad_signature", "invalid_field", "unknown_field", "missing_field"]) {
    expect(codes.has(c)).toBe(true);
  }
});

describe.each(valid.map((v) => [v.name, v] as const))("valid vector %s", (_name, v) => {
  test("public key derives from the seed", () => {
    expect(toHex(agentPublicKey(fromHex(v.secret_key, 32)))).toBe(v.public_key);
    expect(v.assertion.agent).toBe(v.public_key);
  });

  test("C, by the generic canonicalizer and by the server's assembly", () => {
    const a = received(v) as Assertion;
    expect(canonicalString(withoutSig(a))).toBe(v.canonical);
    expect(assertionCanonicalString(a, canonicalString(a.value))).toBe(v.canonical);
  });

  test("id = BLAKE3-256(C) and message = prefix ‖ id", () => {
    const id = assertionId(utf8.encode(v.canonical));
    expect(toHex(id)).toBe(v.id);
    expect(toHex(assertionMessage(id))).toBe(v.message);
  });

  test("sig verifies natively and with noble", () => {
    expect(v.assertion.sig).toBe(v.sig);
    const msg = fromHex(v.message);
    expect(nativeVerify(fromHex(v.public_key, 32), msg, fromHex(v.sig, 64))).toBe(true);
    expect(nobleVerifyAssertion(received(v) as Assertion)).toBe(true);
  });

  test("the client signs it to the same bytes (RFC 8032 is deterministic)", () => {
    const a = received(v) as Assertion;
    const signed = signAssertion(withoutSig(a), fromHex(v.secret_key, 32));
    expect(signed.sig).toBe(v.sig);
  });

  test("prepareAssertion accepts it and derives the same C, id and sig", () => {
    const p = prepareAssertion(received(v), limits);
    expect(new TextDecoder().decode(p.canonical)).toBe(v.canonical);
    expect(p.idHex).toBe(v.id);
    expect(toHex(p.id)).toBe(v.id);
    expect(toHex(p.sig)).toBe(v.sig);
    expect(p.valueCanonical).toBe(canonicalString(p.assertion.value));
  });
});

describe.each(invalid.map((v) => [v.name, v] as const))("invalid vector %s", (_name, v) => {
  test(`prepareAssertion rejects it with ${v.expected_code}`, () => {
    let caught: unknown;
    try {
      prepareAssertion(received(v), limits);
    } catch (e) {
      caught = e;
    }
    expect(isStemeError(caught)).toBe(true);
    const err = caught as { code: string; field: string | undefined };
    expect({ code: err.code, field: err.field ?? null }).toEqual({
      code: v.expected_code,
      field: v.expected_field,
    });
  });

  if (v.expected_code === "bad_signature") {
    test("noble agrees the signature is bad", () => {
      expect(nobleVerifyAssertion(v.assertion as Assertion)).toBe(false);
    });
  }
});

test("the vector file is exactly what tests/vectors/generate.ts writes", () => {
  const gen = new URL("../../vectors/generate.ts", import.meta.url).pathname;
  const run = Bun.spawnSync([process.execPath, gen, "--check"], { stdout: "pipe", stderr: "pipe" });
  expect({
    exitCode: run.exitCode,
    stderr: run.stderr.toString(),
    stdout: run.stdout.toString().includes("is up to date"),
  }).toEqual({ exitCode: 0, stderr: "", stdout: true });
});
