/**
 * Redaction end to end through the compiled binary (SPEC §12): `serve` with
 * reader threads and small segments, a few thousand assertions around one
 * whose value holds a unique marker, `stemedb redact` with an operator key,
 * then the byte search: the marker — and the target's signature — are in no
 * file of the data dir (db/, wal/, everything), both while the server runs
 * (the answer came after the scrub) and after it stops; every tree head handed
 * out before the redaction is consistent with the current tree; the redacted
 * id's inclusion proof verifies; the MCP verify tool verifies it by its
 * redaction; `stemedb verify --operator-key` passes.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { StemeClient } from "../../src/client/index.ts";
import type { SignedTreeHead } from "../../src/merkle/tree-head.ts";
import { filesHolding, markerAssertion } from "../helpers/byte-search.ts";
import { fastSigner } from "../helpers/fast-sign.ts";
import { expectRedactedWithProofs } from "../helpers/redacted-proofs.ts";
import { startServeProcess } from "../helpers/serve-process.ts";
import { buildBinary, runBinary, type ServerProcess } from "./binary.ts";
import { mcpSession } from "./mcp-session.ts";

const ADMIN = "redaction-e2e-admin-token-0123456789";
const STEP = 60_000;
let bin: string;
let work: string;
let dataDir: string;
let server: ServerProcess | undefined;

beforeAll(async () => {
  bin = (await buildBinary()).path;
  work = mkdtempSync(join(tmpdir(), "stemedb-redaction-e2e-"));
  dataDir = join(work, "data");
}, 120_000);

afterAll(async () => {
  if (server && server.proc.exitCode === null) await server.stop("SIGKILL");
  rmSync(work, { recursive: true, force: true });
  if (bin) rmSync(dirname(bin), { recursive: true, force: true });
}, STEP);

test(
  "a redacted assertion leaves no byte in the data dir and every proof holds",
  async () => {
    server = await startServeProcess(
      bin,
      ["--data-dir", dataDir, "--port", "0", "--segment-bytes", "65536", "--reader-threads", "1"],
      { cwd: work, env: { STEMEDB_ADMIN_TOKEN: ADMIN } },
    );
    const client = new StemeClient({ baseUrl: server.url, adminToken: ADMIN });
    const keyPath = join(work, "operator.key");
    const keygen = await runBinary(bin, ["keygen", "--out", keyPath], { cwd: work });
    expect([keygen.code, keygen.stderr]).toEqual([0, ""]);
    const operator = keygen.stdout.trim();
    await client.putAgent(operator, { role: "operator" });

    const writer = fastSigner(crypto.getRandomValues(new Uint8Array(32)));
    const marker = `MARKER-${crypto.randomUUID()}`;
    const heads: SignedTreeHead[] = [];
    const batch = (from: number) =>
      Array.from({ length: 500 }, (_, i) =>
        writer.sign({
          concept: `e2e/people/p${(from + i) % 50}`,
          predicate: "contact",
          value: { n: from + i, note: "x".repeat(64) },
          ts: Date.now(),
        }),
      );
    for (let k = 0; k < 4; k++) heads.push((await client.assert(batch(k * 500))).sth);
    const original = markerAssertion(writer, marker);
    const target = await client.assert(original);
    heads.push(target.sth);
    for (let k = 4; k < 8; k++) heads.push((await client.assert(batch(k * 500))).sth);
    expect(filesHolding(dataDir, marker).length).toBeGreaterThan(0);

    const redact = await runBinary(
      bin,
      ["redact", target.id, "--reason", "personal_data", "--key", keyPath, "--url", server.url],
      { cwd: work },
    );
    expect([redact.code, redact.stderr]).toEqual([0, ""]);
    const receipt = JSON.parse(redact.stdout) as { id: string; seq: number; status: string };
    expect(receipt.status).toBe("accepted");

    // Answered after the scrub: nothing to wait for, even with the server running.
    const sig = Buffer.from(original.sig, "hex");
    expect(filesHolding(dataDir, marker)).toEqual([]);
    expect(filesHolding(dataDir, original.sig)).toEqual([]);
    expect(filesHolding(dataDir, sig)).toEqual([]);

    await expectRedactedWithProofs(
      client,
      target,
      { id: receipt.id, seq: receipt.seq, reason: "personal_data" },
      heads,
    );
    expect(
      await client.verifyAssertion(target.id, { trustedOperators: new Set([operator]) }),
    ).toMatchObject({ ok: true, redacted: { operator, trusted: true } });

    // The MCP verify tool (a separate process, the SDK's verifiers): verified by its redaction.
    const mcp = await mcpSession([bin, "mcp", "--key", keyPath, "--url", server.url], {
      cwd: work,
    });
    try {
      const v = await mcp.call("verify", { id: target.id });
      expect(v.isError).toBe(false);
      expect(v.data).toMatchObject({
        verified: true,
        status: "redacted",
        seq: target.seq,
        checks: { tree_head: "ok", redaction: "ok", inclusion: "ok" },
        redaction: { id: receipt.id, reason: "personal_data", operator },
      });
      expect(v.text).toStartWith(`REDACTED: assertion ${target.id}`);
      expect(v.data.assertion).toBeUndefined();
    } finally {
      await mcp.close();
    }

    const stopped = await server.stop("SIGTERM");
    expect(stopped.code).toBe(0);
    expect(filesHolding(dataDir, marker)).toEqual([]);
    expect(filesHolding(dataDir, sig)).toEqual([]);
    const verify = await runBinary(bin, ["verify", dataDir, "--operator-key", operator], {
      cwd: work,
    });
    expect([verify.code, verify.stderr]).toEqual([0, ""]);
    expect(verify.stdout).toContain("PASS  assertions.redacted");
    expect(verify.stdout).toContain("PASS  log.redactions");
  },
  { timeout: 180_000 },
);
