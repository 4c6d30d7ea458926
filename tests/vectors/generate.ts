/**
 * Writes tests/vectors/assertions.json, the protocol v1 test vectors (SPEC §2.2).
 * Run: `npx bun tests/vectors/generate.ts`; it rewrites the file byte for byte
 * (fixed seeds, fixed timestamps, RFC 8032 signatures are deterministic, and the
 * output goes through the repo's pinned Biome formatter). It deliberately uses
 * none of the server's ingest path: C comes from the generic RFC 8785
 * canonicalizer over the whole object, ids from @noble/hashes BLAKE3, signatures
 * from @noble/ed25519. Only the signed-message layout (`signed-bytes.ts`) is
 * shared, since that is the thing under test. `--check` compares instead of writing.
 */
import * as ed from "@noble/ed25519";
import { blake3 } from "@noble/hashes/blake3.js";
import { sha512 } from "@noble/hashes/sha2.js";
import canonicalize from "canonicalize";
import { assertionMessage } from "../../src/protocol/signed-bytes.ts";

ed.hashes.sha512 = sha512;

const OUT = new URL("./assertions.json", import.meta.url).pathname;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const utf8 = (s: string) => new TextEncoder().encode(s);

type Doc = Record<string, unknown>;

interface Agent {
  name: string;
  seed: Uint8Array;
  pub: string;
}

function agent(name: string, seed: Uint8Array): Agent {
  return { name, seed, pub: hex(ed.getPublicKey(seed)) };
}

// Agent A is RFC 8032 §7.1 TEST 1, so its public key can be checked against the RFC.
const A = agent("A", unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
// The others: seed = BLAKE3-256 of an ASCII label.
const B = agent("B", blake3(utf8("stemedb test vectors: agent B")));
const C = agent("C", blake3(utf8("stemedb test vectors: agent C")));

const TS = 1_732_700_000_000; // 2024-11-27T09:33:20Z
const LIMITS = { now_ms: 1_732_800_000_000, max_skew_ms: 300_000, max_value_bytes: 16_384 };

function canonicalOf(doc: Doc): string {
  const { sig: _sig, ...rest } = doc;
  const c = canonicalize(rest);
  if (c === undefined) throw new Error("not canonicalizable");
  return c;
}

function signDoc(doc: Doc, signer: Agent): { canonical: string; id: Uint8Array; sig: string } {
  const canonical = canonicalOf(doc);
  const id = blake3(utf8(canonical));
  return { canonical, id, sig: hex(ed.sign(assertionMessage(id), signer.seed)) };
}

function base(signer: Agent, k: number, extra: Doc = {}): Doc {
  return {
    v: 1,
    concept: "acme/payments/checkout",
    predicate: "status",
    value: "degraded",
    ts: TS + k * 1000,
    agent: signer.pub,
    ...extra,
  };
}

const valid: Doc[] = [];
const ids = new Map<string, string>();

/** A valid vector from an object: the assertion is the object plus its `sig`. */
function addValid(name: string, signer: Agent, doc: Doc, note?: string): void {
  const { canonical, id, sig } = signDoc(doc, signer);
  ids.set(name, hex(id));
  valid.push({
    name,
    ...(note === undefined ? {} : { note }),
    secret_key: hex(signer.seed),
    public_key: signer.pub,
    assertion: { ...doc, sig },
    canonical,
    id: hex(id),
    message: hex(assertionMessage(id)),
    sig,
  });
}

/**
 * A valid vector whose body must be sent as text (non-canonical spellings, -0,
 * escapes, member order, whitespace): `$SIG` in `template` becomes the signature.
 */
function addValidText(name: string, signer: Agent, template: string, note: string): void {
  const doc = JSON.parse(template.replace("$SIG", "")) as Doc;
  const { canonical, id, sig } = signDoc(doc, signer);
  const input_text = template.replace("$SIG", sig);
  ids.set(name, hex(id));
  valid.push({
    name,
    note,
    secret_key: hex(signer.seed),
    public_key: signer.pub,
    assertion: JSON.parse(input_text),
    input_text,
    canonical,
    id: hex(id),
    message: hex(assertionMessage(id)),
    sig,
  });
}

addValid(
  "minimal",
  A,
  base(A, 0),
  "Only the required fields; agent A is the RFC 8032 §7.1 TEST 1 key.",
);
addValid("all-optional-fields", B, {
  ...base(B, 1),
  value: { state: "degraded", p99_ms: 812, regions: ["eu-west-1", "us-east-1"] },
  confidence: 0.85,
  evidence: ["https://status.example.com/incidents/4411", "9".repeat(64)],
});
addValid("confidence-only", B, { ...base(B, 2), confidence: 0 });
addValid("confidence-one", C, { ...base(C, 2), confidence: 1, value: true });
addValid("evidence-only", C, { ...base(C, 3), evidence: ["a"], value: false });
addValid(
  "retraction",
  A,
  { ...base(A, 4), value: null, retracts: ids.get("minimal") },
  'Withdraws the vector "minimal": same agent, concept and predicate; value null.',
);
addValid("null-value-not-retraction", B, { ...base(B, 4), value: null });
addValid(
  "unicode-strings",
  A,
  {
    ...base(A, 5, { concept: "acme/i18n/strings", predicate: "label" }),
    value: 'é ☃ 😀 \u2028 \u2029 \u0001 \u001f \u007f \n \t \b \f \r " \\ /',
    evidence: ["https://例え.テスト/ページ?q=ü", "😀"],
  },
  'RFC 8785 §3.2.2.2: only ", \\ and U+0000–U+001F are escaped (short forms \\b \\t \\n \\f \\r); U+2028, U+007F and emoji stay literal.',
);
addValid(
  "numbers",
  A,
  {
    ...base(A, 6, { predicate: "metrics" }),
    value: [
      1e21, 1e-7, 0.1, 5e-324, 123456789012345680000, 1.7976931348623157e308, -1.5, 1e20,
      999999999999999900000,
    ],
  },
  "RFC 8785 §3.2.2.3 (ECMAScript Number.prototype.toString): 1e21 → 1e+21, 1e-7 stays, 1e20 → 100000000000000000000.",
);
addValid(
  "nested-key-order",
  B,
  {
    ...base(B, 7, { predicate: "config" }),
    value: { b: 1, a: { d: [1, "x", null], c: true }, "": [], A: {}, aa: [[]] },
  },
  "Members sorted at every depth; empty name, empty array and object.",
);
addValid(
  "rfc8785-key-order",
  C,
  {
    ...base(C, 8, { predicate: "labels" }),
    value: {
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis",
    },
  },
  "The RFC 8785 §3.2.3 sorting example: UTF-16 code units put the emoji (U+D83D…) before U+FB33.",
);
addValid(
  "long-concept-path",
  A,
  {
    ...base(A, 9),
    concept: Array.from({ length: 32 }, (_, i) => `s${i}`).join("/"),
    predicate: "a0_.:-z",
  },
  "32 segments (the maximum); predicate using every allowed character class.",
);
addValid(
  "value-at-size-limit",
  B,
  {
    ...base(B, 10, { predicate: "blob" }),
    value: "x".repeat(LIMITS.max_value_bytes - 2),
  },
  "The canonical value is exactly 16384 bytes (the default limit).",
);
addValidText(
  "negative-zero",
  A,
  `{"v":1,"concept":"acme/payments/checkout","predicate":"delta","value":{"z":-0,"w":[-0.0,0E0]},"ts":${TS + 11_000},"agent":"${A.pub}","sig":"$SIG"}`,
  "-0 and 0E0 are sent; RFC 8785 writes them 0. input_text is the body to send.",
);
addValidText(
  "rfc8785-numbers",
  B,
  `{"v":1,"concept":"acme/payments/checkout","predicate":"samples","value":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001,9007199254740993],"ts":${TS + 12_000},"agent":"${B.pub}","sig":"$SIG"}`,
  "The RFC 8785 §3.2.2.3 number examples, plus 2^53+1 which parses to the double 2^53.",
);
addValidText(
  "whitespace-order-escapes",
  C,
  `{\n  "sig" : "$SIG",\n  "value" : {"text": "caf\\u00e9 \\/ \\u2028 \\ud83d\\ude00 \\u0041"},\n  "agent": "${C.pub}",\n  "ts": ${TS + 13_000},\n  "predicate": "note",\n  "concept": "acme/payments/checkout",\n  "confidence": 5E-1,\n  "v": 1\n}`,
  "Members in any order, whitespace, escaped characters that RFC 8785 writes literally: the id covers the canonical form, not the bytes sent.",
);

const invalid: Doc[] = [];

function addInvalid(
  name: string,
  expected_code: string,
  expected_field: string | null,
  body: Doc | string,
): void {
  invalid.push({
    name,
    expected_code,
    expected_field,
    ...(typeof body === "string" ? { input_text: body } : { assertion: body }),
  });
}

/** Signed correctly by A, so that only the named rule fails. */
function signedA(k: number, extra: Doc = {}): Doc {
  const doc = base(A, 100 + k, extra);
  return { ...doc, sig: signDoc(doc, A).sig };
}

const good = signedA(0);
const goodSig = good.sig as string;

// Signatures.
{
  const doc = base(A, 101);
  addInvalid("signed-by-another-key", "bad_signature", "sig", { ...doc, sig: signDoc(doc, B).sig });
}
addInvalid("flipped-bit-in-sig", "bad_signature", "sig", {
  ...good,
  sig:
    goodSig.slice(0, 10) +
    (Number.parseInt(goodSig[10] as string, 16) ^ 1).toString(16) +
    goodSig.slice(11),
});
addInvalid("value-altered-after-signing", "bad_signature", "sig", { ...good, value: "healthy" });
addInvalid("ts-altered-after-signing", "bad_signature", "sig", {
  ...good,
  ts: (good.ts as number) + 1,
});
addInvalid("optional-field-added-after-signing", "bad_signature", "sig", {
  ...good,
  confidence: 1,
});
{
  const doc = base(A, 102, { confidence: 1 });
  const signed: Doc = { ...doc, sig: signDoc(doc, A).sig };
  const { confidence: _c, ...stripped } = signed;
  addInvalid("optional-field-removed-after-signing", "bad_signature", "sig", stripped);
}
{
  // S + L: the same signature in non-reduced form (RFC 8032 §5.1.7 requires S < L).
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const raw = unhex(goodSig);
  let s = 0n;
  for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(raw[32 + i] as number);
  s += L;
  for (let i = 0; i < 32; i++) {
    raw[32 + i] = Number(s & 0xffn);
    s >>= 8n;
  }
  addInvalid("malleable-sig-s-plus-l", "bad_signature", "sig", { ...good, sig: hex(raw) });
}
addInvalid("sig-of-another-assertion", "bad_signature", "sig", { ...signedA(3), sig: goodSig });
{
  // The smallest y (little-endian encoding, RFC 8032 §5.1.3) that decodes to no curve point.
  let y = 2;
  const encode = (n: number) => n.toString(16).padStart(2, "0") + "0".repeat(62);
  for (; ; y++) {
    try {
      ed.Point.fromHex(encode(y));
    } catch {
      break;
    }
  }
  const doc = base(A, 104, { agent: encode(y) });
  addInvalid("agent-not-a-curve-point", "bad_signature", "sig", {
    ...doc,
    sig: signDoc(doc, A).sig,
  });
}

// Hex encodings.
addInvalid("uppercase-hex-sig", "invalid_field", "sig", { ...good, sig: goodSig.toUpperCase() });
addInvalid("uppercase-hex-agent", "invalid_field", "agent", {
  ...good,
  agent: A.pub.toUpperCase(),
});
addInvalid("short-sig", "invalid_field", "sig", { ...good, sig: goodSig.slice(0, 126) });
addInvalid(
  "uppercase-hex-retracts",
  "invalid_field",
  "retracts",
  signedA(5, { value: null, retracts: `${"ABCDEF".repeat(10)}ABCD` }),
);

// Envelope.
addInvalid("unknown-field-id", "unknown_field", "id", { ...good, id: ids.get("minimal") });
addInvalid("missing-sig", "missing_field", "sig", (({ sig: _s, ...rest }) => rest)(good));
addInvalid(
  "missing-value",
  "missing_field",
  "value",
  (() => {
    const { value: _v, ...doc } = base(A, 106);
    return { ...doc, sig: signDoc(doc, A).sig };
  })(),
);
addInvalid("version-2", "invalid_field", "v", signedA(7, { v: 2 }));
addInvalid("not-an-object", "invalid_field", null, [good] as unknown as Doc);

// Field rules (SPEC §2.1).
addInvalid(
  "concept-empty-segment",
  "invalid_field",
  "concept",
  signedA(8, { concept: "acme//checkout" }),
);
addInvalid(
  "concept-uppercase",
  "invalid_field",
  "concept",
  signedA(9, { concept: "Acme/checkout" }),
);
addInvalid(
  "concept-33-segments",
  "invalid_field",
  "concept",
  signedA(10, { concept: Array(33).fill("s").join("/") }),
);
addInvalid(
  "concept-segment-65-chars",
  "invalid_field",
  "concept",
  signedA(11, { concept: `acme/${"s".repeat(65)}` }),
);
addInvalid(
  "concept-513-chars",
  "invalid_field",
  "concept",
  signedA(12, { concept: `${Array(8).fill("s".repeat(56)).join("/")}/${"s".repeat(57)}` }),
);
addInvalid(
  "predicate-leading-digit",
  "invalid_field",
  "predicate",
  signedA(13, { predicate: "1status" }),
);
addInvalid(
  "predicate-129-chars",
  "invalid_field",
  "predicate",
  signedA(14, { predicate: "p".repeat(129) }),
);
addInvalid("confidence-above-1", "invalid_field", "confidence", signedA(15, { confidence: 1.5 }));
addInvalid("confidence-null", "invalid_field", "confidence", signedA(16, { confidence: null }));
addInvalid("ts-before-2000", "invalid_field", "ts", signedA(17, { ts: 946_684_799_999 }));
addInvalid("ts-not-integer", "invalid_field", "ts", signedA(18, { ts: TS + 0.5 }));
addInvalid(
  "ts-beyond-clock-skew",
  "clock_skew",
  "ts",
  signedA(19, { ts: LIMITS.now_ms + LIMITS.max_skew_ms + 1 }),
);
addInvalid(
  "retraction-with-value",
  "invalid_field",
  "value",
  signedA(20, { retracts: ids.get("minimal") }),
);
addInvalid(
  "evidence-17-items",
  "invalid_field",
  "evidence",
  signedA(21, { evidence: Array(17).fill("e") }),
);
addInvalid(
  "evidence-empty-item",
  "invalid_field",
  "evidence[1]",
  signedA(22, { evidence: ["e", ""] }),
);
addInvalid(
  "evidence-item-513-chars",
  "invalid_field",
  "evidence[0]",
  signedA(23, { evidence: ["e".repeat(513)] }),
);
addInvalid(
  "value-over-size-limit",
  "value_too_large",
  "value",
  signedA(24, { value: "x".repeat(LIMITS.max_value_bytes - 1) }),
);

// I-JSON and syntax (bodies as text: the lone surrogates cannot live in this file as strings).
const sigless = (k: number, valueText: string) =>
  `{"v":1,"concept":"acme/payments/checkout","predicate":"status","value":${valueText},"ts":${TS + k * 1000},"agent":"${A.pub}","sig":"${goodSig}"}`;
addInvalid("lone-surrogate-in-value", "bad_unicode", "value", sigless(125, '"\\ud800"'));
addInvalid(
  "lone-surrogate-in-member-name",
  "bad_unicode",
  'value["\\udc00"]',
  sigless(126, '{"\\udc00":1}'),
);
addInvalid("truncated-json", "bad_json", null, sigless(127, "1").slice(0, 60));

const file = {
  description:
    "StemeDB protocol v1 assertion test vectors (SPEC §2.1, §2.2). For each valid vector: the agent's Ed25519 seed (secret_key) and public key (RFC 8032), the signed assertion, canonical = C, the RFC 8785 (JCS) encoding of the assertion without sig, id = BLAKE3-256(UTF-8 bytes of C), message = ASCII 'stemedb:assertion:v1:' followed by the 32 id bytes, and sig = Ed25519 over message. Where input_text is given, send that exact text: it holds spellings JSON.stringify cannot reproduce (-0, exponents, escapes, member order); assertion is its parsed form. Each invalid vector must be rejected with expected_code (and expected_field), judged with the limits below as the server's clock and configuration. Generated by tests/vectors/generate.ts with @noble/ed25519, @noble/hashes and canonicalize (none of the server's ingest path); agent A is RFC 8032 §7.1 TEST 1, the other seeds are BLAKE3 of ASCII labels. References: RFC 8785, RFC 8032, RFC 7493, BLAKE3.",
  generator: "tests/vectors/generate.ts",
  limits: LIMITS,
  valid,
  invalid,
};

const raw = `${JSON.stringify(file, null, 2)}\n`;
const biome = new URL("../../node_modules/.bin/biome", import.meta.url).pathname;
const formatted = Bun.spawnSync([biome, "format", `--stdin-file-path=${OUT}`], {
  stdin: new TextEncoder().encode(raw),
});
if (formatted.exitCode !== 0)
  throw new Error(`biome format failed: ${formatted.stderr.toString()}`);
const text = formatted.stdout.toString();

if (process.argv.includes("--check")) {
  const current = await Bun.file(OUT).text();
  if (current !== text) {
    console.error(`${OUT} is out of date: run npx bun tests/vectors/generate.ts`);
    process.exit(1);
  }
  console.log(`${OUT} is up to date (${valid.length} valid, ${invalid.length} invalid)`);
} else {
  await Bun.write(OUT, text);
  console.log(`wrote ${OUT}: ${valid.length} valid, ${invalid.length} invalid`);
}
