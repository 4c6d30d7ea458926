/**
 * Forgeries against a real server (SPEC §2.2: the signature is checked before
 * anything else, a tampered copy of a stored assertion is a 422, never a
 * duplicate), each sent four ways — a single POST, a JSON batch item, an
 * NDJSON line (plain fetch) and through the SDK (src/client) — and each
 * refused with its exact code, nothing stored: signed by another key under
 * the victim's name, every field altered after signing, a signature reused
 * from another assertion, a known id with a bad or malleable (S + L)
 * signature, non-canonical hex, a retraction of another agent's assertion.
 * A replay of a stored assertion is an idempotent 200 duplicate: same id and
 * seq, tree unchanged. The SDK's independent verifier (@noble, strict) agrees
 * with every verdict.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  isStemeClientError,
  nobleVerifyAssertion,
  StemeClient,
  type StoredAssertionView,
} from "../../src/client/index.ts";
import { parseConfig } from "../../src/config.ts";
import { fromHex, toHex } from "../../src/hex.ts";
import { type RunningServer, startServer } from "../../src/http/server.ts";
import { silentLogger } from "../../src/logger.ts";
import type { Assertion } from "../../src/protocol/assertion.ts";
import { verifyDataDir } from "../../src/verify/verify-data-dir.ts";
import { type TestAgent, testAgent } from "../helpers/agents.ts";
import { type Doc, idOf, rawSigner } from "./lib/raw-signer.ts";

let dir: string;
let server: RunningServer;
let client: StemeClient;
const victim: TestAgent = testAgent(201);
const attacker: TestAgent = testAgent(202);
/** Signs any document with the attacker's key, whatever its `agent` says. */
const attackerSign = (doc: Doc) => rawSigner(attacker.secretKey).sign(doc) as unknown as Assertion;

/** ℓ, the order of the Ed25519 base point (RFC 8032 §5.1). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

let a: Assertion; // the victim's stored assertion with every optional field
let b: Assertion; // another stored one
let stored: { id: string; seq: number }[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "stemedb-forgery-"));
  server = await startServer(parseConfig({ dataDir: dir, port: 0 }), silentLogger);
  client = new StemeClient({ baseUrl: server.url });
  a = victim.sign({
    concept: "acme/payments/checkout",
    predicate: "status",
    value: { state: "degraded", p99_ms: 840 },
    confidence: 0.9,
    evidence: ["https://status.example/1", "https://status.example/2"],
  });
  b = victim.sign({ concept: "acme/payments/refunds", predicate: "owner", value: "team-blue" });
  const receipts = [await client.assert(a), await client.assert(b)];
  stored = receipts.map((r) => ({ id: r.id, seq: r.seq }));
});

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const post = (body: string, type = "application/json") =>
  fetch(`${server.url}/v1/assert`, { method: "POST", headers: { "content-type": type }, body });

/** The refusal code from each of the four channels (or the status it got instead). */
async function refusals(doc: Assertion): Promise<string[]> {
  const text = JSON.stringify(doc);
  const single = await post(text);
  const singleBody = (await single.json()) as { code?: string; status?: string };
  const batch = (await (await post(`[${text}]`)).json()) as {
    results: { status: string; error?: { code: string } }[];
  };
  const nd = (await (await post(`${text}\n`, "application/x-ndjson")).json()) as typeof batch;
  let sdk: string;
  try {
    const r = await client.assert(doc);
    sdk = `stored:${r.status}`;
  } catch (e) {
    sdk = isStemeClientError(e) ? e.code : String(e);
  }
  const item = (r: (typeof batch)["results"][number] | undefined) =>
    r?.error?.code ?? `stored:${r?.status}`;
  return [
    single.status === 422 ? String(singleBody.code) : `http ${single.status}`,
    item(batch.results[0]),
    item(nd.results[0]),
    sdk,
  ];
}

const treeSize = async () => ((await client.root()) as { tree_size: number }).tree_size;

function withSig(doc: Assertion, sig: string): Assertion {
  return { ...doc, sig };
}

/** S + ℓ: the same signature, non-reduced (RFC 8032 §5.1.7 requires S < ℓ). */
function malleable(sig: string): string {
  const bytes = fromHex(sig, 64);
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(bytes[i] as number);
  s += L;
  for (let i = 32; i < 64; i++) {
    bytes[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return toHex(bytes);
}

describe("forgeries are refused through HTTP and the SDK; nothing is stored", () => {
  test("wrong key, altered fields, reused and malleable signatures, non-canonical hex, foreign retractions", async () => {
    const before = await treeSize();
    const flipBit = (sig: string) =>
      sig.slice(0, 10) + (sig[10] === "0" ? "1" : "0") + sig.slice(11);
    const cases: [string, Assertion, string][] = [
      [
        "signed by the attacker, agent = victim",
        attackerSign({ ...a, ts: a.ts + 1 }),
        "bad_signature",
      ],
      ["concept altered", { ...a, concept: "acme/payments/refunds" }, "bad_signature"],
      ["predicate altered", { ...a, predicate: "owner" }, "bad_signature"],
      ["value altered", { ...a, value: { state: "ok", p99_ms: 840 } }, "bad_signature"],
      [
        "value type altered (number → string)",
        { ...a, value: { state: "degraded", p99_ms: "840" } },
        "bad_signature",
      ],
      ["confidence altered", { ...a, confidence: 0.1 }, "bad_signature"],
      [
        "confidence removed",
        (({ confidence: _c, ...rest }) => rest)(a) as Assertion,
        "bad_signature",
      ],
      ["confidence added", { ...b, confidence: 1 }, "bad_signature"],
      ["ts altered by 1 ms", { ...a, ts: a.ts + 1 }, "bad_signature"],
      ["agent altered to the attacker", { ...a, agent: attacker.key }, "bad_signature"],
      [
        "evidence item altered",
        { ...a, evidence: ["https://status.example/1", "https://evil.example"] },
        "bad_signature",
      ],
      [
        "evidence reordered",
        { ...a, evidence: [...(a.evidence as string[])].reverse() },
        "bad_signature",
      ],
      ["evidence removed", (({ evidence: _e, ...rest }) => rest)(a) as Assertion, "bad_signature"],
      ["evidence added", { ...b, evidence: ["https://evil.example"] }, "bad_signature"],
      [
        "retracts added (value null)",
        { ...b, value: null, retracts: stored[0]?.id as string },
        "bad_signature",
      ],
      ["v altered (schema first)", { ...a, v: 2 as 1 }, "invalid_field"],
      ["sig of A attached to B", withSig(b, a.sig), "bad_signature"],
      ["known id (A), sig of B", withSig(a, b.sig), "bad_signature"],
      ["known id (A), one bit of sig flipped", withSig(a, flipBit(a.sig)), "bad_signature"],
      ["known id (A), malleable sig S + ℓ", withSig(a, malleable(a.sig)), "bad_signature"],
      ["known id (A), zero sig", withSig(a, "0".repeat(128)), "bad_signature"],
      ["uppercase sig", withSig(a, a.sig.toUpperCase()), "invalid_field"],
      [
        "mixed-case sig",
        withSig(a, a.sig.slice(0, 64) + a.sig.slice(64).toUpperCase()),
        "invalid_field",
      ],
      ["0x-prefixed sig", withSig(a, `0x${a.sig.slice(2)}`), "invalid_field"],
      ["uppercase agent", { ...a, agent: a.agent.toUpperCase() }, "invalid_field"],
      ["agent with a trailing space", { ...a, agent: `${a.agent.slice(1)} ` }, "invalid_field"],
      [
        "attacker retracts the victim's assertion",
        attacker.sign({
          concept: a.concept,
          predicate: a.predicate,
          value: null,
          retracts: stored[0]?.id as string,
        }),
        "not_owner",
      ],
      [
        "victim's retraction aimed at another key",
        victim.sign({
          concept: a.concept,
          predicate: "owner",
          value: null,
          retracts: stored[0]?.id as string,
        }),
        "target_mismatch",
      ],
    ];
    const seen: string[] = [];
    const wanted: string[] = [];
    for (const [name, doc, code] of cases) {
      seen.push(`${name}: ${(await refusals(doc)).join(" ")}`);
      wanted.push(`${name}: ${[code, code, code, code].join(" ")}`);
      // The SDK's own verifier (noble, strict) agrees: not a valid signature by `agent`.
      if (code === "bad_signature")
        expect([name, nobleVerifyAssertion(doc)]).toEqual([name, false]);
      if (code === "bad_signature") {
        // Altered content is not stored; a stored id still holds its original signature.
        const id = idOf(doc as unknown as Doc);
        const original = [a, b].find((d) => idOf(d as unknown as Doc) === id);
        const res = await fetch(`${server.url}/v1/assertions/${id}`);
        if (original === undefined) expect([name, res.status]).toEqual([name, 404]);
        else
          expect(((await res.json()) as { assertion: Assertion }).assertion.sig).toBe(original.sig);
      }
    }
    expect(seen).toEqual(wanted);
    expect(await treeSize()).toBe(before);

    // The victim's claim is untouched: no foreign retraction, no altered copy.
    const q = await client.query({ concept: a.concept, predicate: a.predicate, lens: "all" });
    expect(q.results.map((r) => (r as { id: string }).id)).toEqual([stored[0]?.id as string]);
  });

  test("a replay of a stored assertion is an idempotent 200 duplicate: same id and seq, tree unchanged", async () => {
    const before = await treeSize();
    for (const [doc, { id, seq }] of [a, b].map(
      (d, i) => [d, stored[i] as { id: string; seq: number }] as const,
    )) {
      const text = JSON.stringify(doc);
      const single = await post(text);
      expect(single.status).toBe(200);
      expect(await single.json()).toMatchObject({
        id,
        seq,
        status: "duplicate",
        tree_size: before,
      });
      const batch = (await (await post(`[${text},${text}]`)).json()) as {
        results: unknown[];
        duplicates: number;
      };
      expect(batch.results).toEqual([
        { index: 0, id, seq, status: "duplicate" },
        { index: 1, id, seq, status: "duplicate" },
      ]);
      const nd = (await (
        await post(`${text}\n${text}\n`, "application/x-ndjson")
      ).json()) as typeof batch;
      expect(nd.duplicates).toBe(2);
      const viaSdk = await client.assert(doc);
      expect(viaSdk).toMatchObject({ id, seq, status: "duplicate" });
      // Re-formatted JSON is the same canonical assertion: still a duplicate.
      const spaced = await post(JSON.stringify(doc, null, 2));
      expect(await spaced.json()).toMatchObject({ id, seq, status: "duplicate" });
    }
    expect(await treeSize()).toBe(before);

    // What is stored reads back exactly as signed, and the SDK's verifier accepts it.
    for (const { id } of stored) {
      const view = (await client.get(id)) as StoredAssertionView;
      expect(nobleVerifyAssertion(view.assertion as unknown as Assertion)).toBe(true);
    }
  });

  test("the data dir verifies with only the honest assertions in it", async () => {
    expect(await treeSize()).toBe(stored.length);
    await server.stop();
    const report = await verifyDataDir(dir);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.counts.assertions).toBe(stored.length);
  });
});
