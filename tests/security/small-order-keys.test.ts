/**
 * Regression for a forgery the hostile suite found: agent keys of small order.
 * For A in the 8-torsion subgroup, [k]A is one of 8 points whatever the
 * message, so `sig` = R ‖ 0 with R = −[k]A verifies under the cofactorless
 * RFC 8032 §5.1.7 check — one of 8 guesses of R works for any assertion, no
 * secret key needed. The runtime's native Ed25519 (which the server verifies
 * with) accepted such signatures; @noble's strict mode and libsodium refuse
 * these keys. Every small-order point, in every encoding (both sign bits, and
 * y + p where that fits in 255 bits), is enumerated here from @noble's curve
 * arithmetic — not from the server's list — and must be refused: by
 * `isWeakPublicKey`, by the server (422 bad_signature, nothing stored) and by
 * the SDK's verifier, while real keys are not affected.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createPublicKey, verify } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ed from "@noble/ed25519";
import { nobleVerifyAssertion } from "../../src/client/index.ts";
import { parseConfig } from "../../src/config.ts";
import { toHex } from "../../src/hex.ts";
import { type RunningServer, startServer } from "../../src/http/server.ts";
import { silentLogger } from "../../src/logger.ts";
import type { Assertion } from "../../src/protocol/assertion.ts";
import { assertionId } from "../../src/protocol/assertion-id.ts";
import { canonicalBytes } from "../../src/protocol/canonical.ts";
import { nativeVerify } from "../../src/protocol/native-ed25519.ts";
import { agentPublicKey } from "../../src/protocol/sign.ts";
import { assertionMessage } from "../../src/protocol/signed-bytes.ts";
import { isWeakPublicKey } from "../../src/protocol/weak-public-key.ts";
import { prng } from "../helpers/prng.ts";

const P = 2n ** 255n - 19n;
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

function leBytes(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}

function yOf(enc: Uint8Array): bigint {
  let y = 0n;
  for (let i = 31; i >= 0; i--)
    y = (y << 8n) | BigInt(i === 31 ? (enc[i] as number) & 0x7f : (enc[i] as number));
  return y;
}

/** The 8 torsion points, generated from one point of order 8 found by search. */
function torsion(): ed.Point[] {
  // Search y = 2, 3, … for a curve point Q; [ℓ]Q is then in the torsion subgroup; keep one of order 8.
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  for (let y = 2n; ; y++) {
    let q: ed.Point;
    try {
      q = ed.Point.fromBytes(leBytes(y));
    } catch {
      continue;
    }
    // [ℓ]Q by double-and-add through `add` (multiply() refuses scalars ≥ ℓ).
    let t = ed.Point.ZERO;
    let base = q;
    for (let k = L; k > 0n; k >>= 1n) {
      if (k & 1n) t = t.add(base);
      base = base.add(base);
    }
    const order4 = t.add(t).add(t.add(t));
    if (!order4.is0()) {
      return Array.from({ length: 8 }, (_, i) => {
        let p = ed.Point.ZERO;
        for (let j = 0; j < i; j++) p = p.add(t);
        return p;
      });
    }
  }
}

/** Every 32-byte encoding that decodes (leniently) to a small-order point. */
function weakEncodings(points: ed.Point[]): Uint8Array[] {
  const out = new Map<string, Uint8Array>();
  for (const p of points) {
    const canonical = p.toBytes();
    const y = yOf(canonical);
    for (const yy of y + P < 2n ** 255n ? [y, y + P] : [y]) {
      for (const sign of [0, 0x80]) {
        const e = leBytes(yy);
        e[31] = (e[31] as number) | sign;
        out.set(toHex(e), e);
      }
    }
  }
  return [...out.values()];
}

let dir: string;
let server: RunningServer;
const points = torsion();
const encodings = weakEncodings(points);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "stemedb-small-order-"));
  server = await startServer(parseConfig({ dataDir: dir, port: 0 }), silentLogger);
});

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The runtime's Ed25519 as it is, without the server's key check. */
function primitiveVerify(key: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  try {
    const k = createPublicKey({
      key: Buffer.concat([SPKI_PREFIX, key]),
      format: "der",
      type: "spki",
    });
    return verify(null, message, k, sig);
  } catch {
    return false;
  }
}

describe("small-order agent keys", () => {
  test("the 8 torsion points and all their encodings are weak; real keys are not", () => {
    expect(new Set(points.map((p) => p.toHex())).size).toBe(8);
    // 5 y values (0, 1, p − 1, two of order 8) and y + p for y = 0, 1; each with either sign bit.
    expect(encodings.length).toBe(14);
    for (const e of encodings) expect([toHex(e), isWeakPublicKey(e)]).toEqual([toHex(e), true]);
    const rng = prng(0x0dd);
    for (let i = 0; i < 500; i++) {
      const key = agentPublicKey(rng.bytes(32));
      expect(isWeakPublicKey(key)).toBe(false);
    }
    // Non-canonical encodings of ordinary y (y + p for y < 19) alias another key: refused too.
    for (let y = 2n; y < 19n; y++) expect(isWeakPublicKey(leBytes(y + P))).toBe(true);
  });

  test("a universal forgery under each weak key: the primitive accepts some, the server none", async () => {
    const rs = points.map((p) => p.toBytes());
    let primitiveAccepted = 0;
    const before = server.engine.tree.size;
    for (const [k, key] of encodings.entries()) {
      const agent = toHex(key);
      const docs = rs.map((r, i) => {
        const unsigned = {
          v: 1 as const,
          concept: "acme/forged/small-order",
          predicate: "status",
          value: `forged ${k}.${i}`,
          ts: 1_767_225_600_000, // fixed: the count below is then reproducible
          agent,
        };
        const sig = new Uint8Array(64);
        sig.set(r, 0);
        const message = assertionMessage(assertionId(canonicalBytes(unsigned)));
        if (primitiveVerify(key, message, sig)) primitiveAccepted++;
        expect(nativeVerify(key, message, sig)).toBe(false);
        const doc: Assertion = { ...unsigned, sig: toHex(sig) };
        expect(nobleVerifyAssertion(doc)).toBe(false);
        return doc;
      });
      const res = await fetch(`${server.url}/v1/assert`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(docs),
      });
      const body = (await res.json()) as {
        results: { status: string; error?: { code: string } }[];
      };
      expect([agent, body.results.map((r) => r.error?.code ?? r.status)]).toEqual([
        agent,
        docs.map(() => "bad_signature"),
      ]);
    }
    // The threat is real at the primitive: without the key check, forgeries verify.
    expect(primitiveAccepted).toBeGreaterThan(0);
    expect(server.engine.tree.size).toBe(before);
    console.log(
      `small-order keys: ${encodings.length} encodings × 8 forged signatures; ` +
        `the runtime's Ed25519 alone accepts ${primitiveAccepted}, the server 0`,
    );
  });
});
