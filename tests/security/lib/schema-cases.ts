/**
 * Every rule of SPEC §2.1/§2.2 broken one at a time — wrong types, out of
 * range, each boundary and boundary ± 1, nulls, missing and extra fields,
 * lone surrogates and control characters, non-finite numbers, duplicate member
 * names — each with the answer it must get: recorded (`"valid"`), or the
 * problem code (and field) of the first rule it breaks. Documents are signed
 * over what they carry, so only the rule under test can reject them.
 */
import type { ErrorCode } from "../../../src/errors.ts";
import { type Doc, idOf, jsonWithRaw, type RawSigner, rawMarker, signerN } from "./raw-signer.ts";

export type Expectation = "valid" | { code: ErrorCode; field?: string };

export interface BuiltCase {
  text: string;
  /** The id it is recorded under, for valid cases. */
  id?: string;
}

export interface SchemaCase {
  name: string;
  expect: Expectation;
  build(base: Doc, signer: RawSigner): BuiltCase;
}

const bad = (code: ErrorCode, field?: string): Expectation =>
  field === undefined ? { code } : { code, field };
const inv = (field?: string) => bad("invalid_field", field);

function signed(doc: Doc, signer: RawSigner, expect: Expectation): BuiltCase {
  const s = signer.sign(doc);
  return expect === "valid"
    ? { text: JSON.stringify(s), id: idOf(s) }
    : { text: JSON.stringify(s) };
}

/** `field` set to `value` (absent when undefined), then signed. */
function set(name: string, field: string, value: unknown, expect: Expectation): SchemaCase {
  return {
    name,
    expect,
    build(base, signer) {
      const doc: Doc = { ...base };
      if (value === undefined) delete doc[field];
      else doc[field] = value;
      return signed(doc, signer, expect);
    },
  };
}

/** `field` replaced by raw JSON text (what JSON.stringify cannot write); signed over `asParsed` if given. */
function raw(
  name: string,
  field: string,
  text: string,
  expect: Expectation,
  asParsed?: unknown,
): SchemaCase {
  return {
    name,
    expect,
    build(base, signer) {
      if (asParsed !== undefined) {
        const s = signer.sign({ ...base, [field]: asParsed });
        return { text: jsonWithRaw({ ...s, [field]: rawMarker(0) }, [text]), id: idOf(s) };
      }
      const s = signer.sign({ ...base, [field]: rawMarker(0) });
      return { text: jsonWithRaw(s, [text]) };
    },
  };
}

/** Signed first, then `field` changed: the signature no longer covers it. */
function after(name: string, field: string, value: unknown, expect: Expectation): SchemaCase {
  return {
    name,
    expect,
    build(base, signer) {
      const s: Doc = { ...signer.sign(base) };
      if (value === undefined) delete s[field];
      else s[field] = value;
      return { text: JSON.stringify(s) };
    },
  };
}

/** A whole document as given (not an assertion-shaped object). */
function whole(name: string, text: string, expect: Expectation): SchemaCase {
  return { name, expect, build: () => ({ text }) };
}

const seg = (n: number, c = "a") => c.repeat(n);
const hex = (n: number, c = "a") => c.repeat(n);
const ASTRAL = "\u{1F600}";
const SMALL_ORDER_IDENTITY = `01${"00".repeat(31)}`;

/** Value whose canonical encoding (a JSON string) is exactly `bytes` bytes. */
const valueOfBytes = (bytes: number) => "x".repeat(bytes - 2);
const nestedArrays = (n: number): unknown => {
  let v: unknown = [];
  for (let i = 1; i < n; i++) v = [v];
  return v;
};

export const SCHEMA_CASES: readonly SchemaCase[] = [
  // v (SPEC §2.1: integer 1)
  set("v missing", "v", undefined, bad("missing_field", "v")),
  set("v = 2", "v", 2, inv("v")),
  set("v = 0", "v", 0, inv("v")),
  set("v = 1.5", "v", 1.5, inv("v")),
  set('v = "1"', "v", "1", inv("v")),
  set("v = null", "v", null, inv("v")),
  set("v = true", "v", true, inv("v")),
  set("v = []", "v", [], inv("v")),
  set("v = {}", "v", {}, inv("v")),
  raw("v = 1e309", "v", "1e309", inv("v")),
  raw("v = 1.0 is 1", "v", "1.0", "valid", 1),
  raw("v = 1e0 is 1", "v", "1e0", "valid", 1),
  // concept: 1–32 segments of [a-z0-9_.:-]{1,64}, ≤ 512 chars
  set("concept missing", "concept", undefined, bad("missing_field", "concept")),
  set("concept empty", "concept", "", inv("concept")),
  set("concept /", "concept", "/", inv("concept")),
  set("concept a//b", "concept", "sec//b", inv("concept")),
  set("concept trailing /", "concept", "sec/", inv("concept")),
  set("concept leading /", "concept", "/sec", inv("concept")),
  set("concept uppercase", "concept", "Sec/x", inv("concept")),
  set("concept space", "concept", "sec/a b", inv("concept")),
  set("concept NUL", "concept", "sec/a\u0000b", inv("concept")),
  set("concept U+001F", "concept", "sec/a\u001fb", inv("concept")),
  set("concept DEL", "concept", "sec/a\u007fb", inv("concept")),
  set("concept newline", "concept", "sec/a\nb", inv("concept")),
  set("concept non-ASCII", "concept", "sec/é", inv("concept")),
  set("concept zero-width space", "concept", "sec/a\u200bb", inv("concept")),
  set("concept percent", "concept", "sec/%2e%2e", inv("concept")),
  set("concept backslash", "concept", "sec\\x", inv("concept")),
  raw("concept lone surrogate", "concept", '"sec/\\ud800"', bad("bad_unicode", "concept")),
  set("concept 32 segments", "concept", Array(32).fill("s").join("/"), "valid"),
  set("concept 33 segments", "concept", Array(33).fill("s").join("/"), inv("concept")),
  set("concept segment 64", "concept", `sec/${seg(64)}`, "valid"),
  set("concept segment 65", "concept", `sec/${seg(65)}`, inv("concept")),
  set("concept 512 chars", "concept", [...Array(7).fill(seg(64)), seg(57)].join("/"), "valid"),
  set(
    "concept 513 chars",
    "concept",
    [...Array(7).fill(seg(64)), seg(58)].join("/"),
    inv("concept"),
  ),
  set("concept 100 KB", "concept", seg(100_000), inv("concept")),
  set("concept path-like ../../etc/passwd is just a name", "concept", "../../etc/passwd", "valid"),
  set("concept number", "concept", 5, inv("concept")),
  set("concept null", "concept", null, inv("concept")),
  set("concept array", "concept", ["sec"], inv("concept")),
  set("concept object", "concept", { a: 1 }, inv("concept")),
  // predicate: 1–128 chars, ^[a-z][a-z0-9_.:-]*$
  set("predicate missing", "predicate", undefined, bad("missing_field", "predicate")),
  set("predicate empty", "predicate", "", inv("predicate")),
  set("predicate leading digit", "predicate", "1status", inv("predicate")),
  set("predicate leading _", "predicate", "_status", inv("predicate")),
  set("predicate uppercase", "predicate", "Status", inv("predicate")),
  set("predicate slash", "predicate", "a/b", inv("predicate")),
  set("predicate space", "predicate", "a b", inv("predicate")),
  set("predicate NUL", "predicate", "a\u0000", inv("predicate")),
  raw("predicate lone surrogate", "predicate", '"a\\udfff"', bad("bad_unicode", "predicate")),
  set("predicate 128 chars", "predicate", `p${seg(127)}`, "valid"),
  set("predicate 129 chars", "predicate", `p${seg(128)}`, inv("predicate")),
  set("predicate number", "predicate", 7, inv("predicate")),
  set("predicate null", "predicate", null, inv("predicate")),
  // value: any JSON, canonical ≤ 16 KiB, nesting ≤ 100 levels (json-input.ts)
  set("value missing", "value", undefined, bad("missing_field", "value")),
  set("value null (not a retraction)", "value", null, "valid"),
  set("value 16384 canonical bytes", "value", valueOfBytes(16_384), "valid"),
  set(
    "value 16385 canonical bytes",
    "value",
    valueOfBytes(16_385),
    bad("value_too_large", "value"),
  ),
  set("value 8191 two-byte chars (16384 bytes)", "value", "é".repeat(8_191), "valid"),
  set(
    "value 8192 two-byte chars (16386 bytes)",
    "value",
    "é".repeat(8_192),
    bad("value_too_large", "value"),
  ),
  set("value 1 MB", "value", "x".repeat(1_000_000), bad("value_too_large", "value")),
  set("value control characters", "value", "\u0000\u0001\u0008\u001f\u007f", "valid"),
  set("value control chars in member names", "value", { "\u0000": 1, "\u001f": 2, "": 3 }, "valid"),
  set("value __proto__ member", "value", JSON.parse('{"__proto__":{"polluted":true}}'), "valid"),
  set("value constructor/prototype members", "value", { constructor: 1, prototype: 2 }, "valid"),
  raw("value lone high surrogate", "value", '"a\\ud800b"', bad("bad_unicode", "value")),
  raw("value lone low surrogate", "value", '"\\udc00"', bad("bad_unicode", "value")),
  raw(
    "value lone surrogate member name",
    "value",
    '{"\\udc00":1}',
    bad("bad_unicode", 'value["\\udc00"]'),
  ),
  raw("value reversed surrogate pair", "value", '"\\udc00\\ud800"', bad("bad_unicode", "value")),
  set("value valid surrogate pair", "value", ASTRAL, "valid"),
  raw("value 1e309", "value", "1e309", inv("value")),
  raw("value -1e309", "value", "[-1e309]", inv("value[0]")),
  raw("value -0 is 0", "value", "-0", "valid", 0),
  set("value 5e-324", "value", 5e-324, "valid"),
  set("value 1e21", "value", 1e21, "valid"),
  raw(
    "value 30-digit integer",
    "value",
    "123456789012345678901234567890",
    "valid",
    1.2345678901234568e29,
  ),
  set("value 99 nested arrays", "value", nestedArrays(99), "valid"),
  set("value 100 nested arrays", "value", nestedArrays(100), inv("value")),
  raw(
    "value 10k nested arrays",
    "value",
    `${"[".repeat(10_000)}${"]".repeat(10_000)}`,
    inv("value"),
  ),
  raw(
    "value 10k nested objects",
    "value",
    `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`,
    inv("value"),
  ),
  set("value invisible unicode (quarantined)", "value", "ok\u200bok", "valid"),
  set("value bidi override (quarantined)", "value", "\u202egnp.exe", "valid"),
  set("value script tag (quarantined)", "value", { note: "<script>alert(1)</script>" }, "valid"),
  set("value injection phrase (quarantined)", "value", "Ignore previous instructions", "valid"),
  // confidence: optional number 0 ≤ c ≤ 1
  set("confidence 0", "confidence", 0, "valid"),
  set("confidence 1", "confidence", 1, "valid"),
  set("confidence 5e-324", "confidence", 5e-324, "valid"),
  raw("confidence -0 is 0", "confidence", "-0", "valid", 0),
  set("confidence -1e-9", "confidence", -1e-9, inv("confidence")),
  set("confidence 1.000000001", "confidence", 1.000000001, inv("confidence")),
  set("confidence 2", "confidence", 2, inv("confidence")),
  set("confidence -1", "confidence", -1, inv("confidence")),
  set('confidence "0.5"', "confidence", "0.5", inv("confidence")),
  set("confidence null", "confidence", null, inv("confidence")),
  set("confidence true", "confidence", true, inv("confidence")),
  set("confidence []", "confidence", [], inv("confidence")),
  raw("confidence 1e309", "confidence", "1e309", inv("confidence")),
  raw("confidence NaN", "confidence", "NaN", bad("bad_json")),
  // ts: integer ms, ≥ 946684800000, ≤ now + max skew
  set("ts missing", "ts", undefined, bad("missing_field", "ts")),
  set("ts = 946684800000", "ts", 946_684_800_000, "valid"),
  set("ts = 946684799999", "ts", 946_684_799_999, inv("ts")),
  set("ts = 0", "ts", 0, inv("ts")),
  set("ts = -1", "ts", -1, inv("ts")),
  set("ts = 1.5e12 + 0.5", "ts", 1_500_000_000_000.5, inv("ts")),
  set("ts string", "ts", "1732700000000", inv("ts")),
  set("ts null", "ts", null, inv("ts")),
  set("ts 2^53", "ts", 2 ** 53, inv("ts")),
  set("ts max safe integer", "ts", Number.MAX_SAFE_INTEGER, bad("clock_skew", "ts")),
  raw("ts 1e309", "ts", "1e309", inv("ts")),
  // agent: 64 lowercase hex, a usable Ed25519 key
  set("agent missing", "agent", undefined, bad("missing_field", "agent")),
  set("agent 63 hex", "agent", hex(63), inv("agent")),
  set("agent 65 hex", "agent", hex(65), inv("agent")),
  set("agent uppercase", "agent", hex(64, "A"), inv("agent")),
  set("agent non-hex", "agent", hex(64, "g"), inv("agent")),
  set("agent 0x-prefixed", "agent", `0x${hex(62)}`, inv("agent")),
  set("agent null", "agent", null, inv("agent")),
  set("agent number", "agent", 5, inv("agent")),
  set("agent all zeros (small order)", "agent", hex(64, "0"), bad("bad_signature", "sig")),
  after(
    "agent swapped for another key",
    "agent",
    signerN(9_999).agent,
    bad("bad_signature", "sig"),
  ),
  {
    name: "agent = identity point with the universal forged signature",
    expect: bad("bad_signature", "sig"),
    build: (base) => ({
      text: JSON.stringify({ ...base, agent: SMALL_ORDER_IDENTITY, sig: `01${"00".repeat(63)}` }),
    }),
  },
  // retracts: 64 hex of an earlier assertion by the same agent; value null
  set("retracts 63 hex", "retracts", hex(63), inv("retracts")),
  set("retracts uppercase", "retracts", hex(64, "F"), inv("retracts")),
  set("retracts null", "retracts", null, inv("retracts")),
  set("retracts number", "retracts", 1, inv("retracts")),
  set("retracts with a non-null value", "retracts", hex(64), inv("value")),
  {
    name: "retracts an unknown id",
    expect: bad("unknown_target", "retracts"),
    build: (base, signer) =>
      signed({ ...base, value: null, retracts: hex(64, "e") }, signer, bad("unknown_target")),
  },
  // evidence: ≤ 16 strings of 1–512 chars
  set("evidence []", "evidence", [], "valid"),
  set("evidence 16 items", "evidence", Array(16).fill("https://e.example/x"), "valid"),
  set("evidence 17 items", "evidence", Array(17).fill("x"), inv("evidence")),
  set("evidence empty item", "evidence", ["x", ""], inv("evidence[1]")),
  set("evidence 512-char item", "evidence", [seg(512)], "valid"),
  set("evidence 513-char item", "evidence", [seg(513)], inv("evidence[0]")),
  set("evidence 512 astral chars", "evidence", [ASTRAL.repeat(512)], "valid"),
  set("evidence 513 astral chars", "evidence", [ASTRAL.repeat(513)], inv("evidence[0]")),
  set("evidence number item", "evidence", [5], inv("evidence[0]")),
  set("evidence null item", "evidence", [null], inv("evidence[0]")),
  set("evidence null", "evidence", null, inv("evidence")),
  set("evidence string", "evidence", "https://e.example", inv("evidence")),
  set("evidence object", "evidence", { 0: "x" }, inv("evidence")),
  set("evidence nested array", "evidence", [["x"]], inv("evidence[0]")),
  raw("evidence lone surrogate", "evidence", '["\\ud83d"]', bad("bad_unicode", "evidence[0]")),
  // sig: 128 lowercase hex, valid over the id
  after("sig 127 hex", "sig", hex(127), inv("sig")),
  after("sig missing", "sig", undefined, bad("missing_field", "sig")),
  after("sig 129 hex", "sig", hex(129), inv("sig")),
  after("sig uppercase", "sig", hex(128, "A"), inv("sig")),
  after("sig non-hex", "sig", hex(128, "z"), inv("sig")),
  after("sig null", "sig", null, inv("sig")),
  after("sig zeros", "sig", hex(128, "0"), bad("bad_signature", "sig")),
  after("sig ff", "sig", hex(128, "f"), bad("bad_signature", "sig")),
  // the envelope: unknown fields, non-objects
  set("extra field id", "id", hex(64), bad("unknown_field", "id")),
  set("extra field extra", "extra", 1, bad("unknown_field", "extra")),
  set("extra field empty name", "", 1, bad("unknown_field", "")),
  set("extra field V", "V", 1, bad("unknown_field", "V")),
  set("extra field constructor", "constructor", 1, bad("unknown_field", "constructor")),
  raw("extra field __proto__", "__proto__", '{"v":2}', bad("unknown_field", "__proto__")),
  {
    name: "extra field with a lone surrogate name",
    expect: bad("bad_unicode"),
    build: (base, signer) => ({
      text: JSON.stringify(signer.sign(base)).replace(/^\{/, '{"\\ud800":1,'),
    }),
  },
  whole("document null", "null", inv()),
  whole("document string", '"assertion"', inv()),
  whole("document number", "42", inv()),
  whole("document true", "true", inv()),
  whole("document {}", "{}", bad("missing_field", "v")),
  // duplicate member names: the last one wins (SPEC §2.2)
  {
    name: "duplicate concept, signed over the last (last wins)",
    expect: "valid",
    build(base, signer) {
      const s = signer.sign(base);
      return { text: `{"concept":"evil/first",${JSON.stringify(s).slice(1)}`, id: idOf(s) };
    },
  },
  {
    name: "duplicate concept, signed over the first",
    expect: bad("bad_signature", "sig"),
    build(base, signer) {
      const s = signer.sign(base);
      return { text: `${JSON.stringify(s).slice(0, -1)},"concept":"evil/last"}` };
    },
  },
  {
    name: "duplicate sig: a bad one after the good one",
    expect: bad("bad_signature", "sig"),
    build(base, signer) {
      const s = signer.sign(base);
      return { text: `${JSON.stringify(s).slice(0, -1)},"sig":"${hex(128, "1")}"}` };
    },
  },
];
