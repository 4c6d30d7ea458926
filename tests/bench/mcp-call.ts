/**
 * What the MCP door costs per call: N `assert` and N `recall` tool calls
 * through `stemedb mcp` (from source, over stdio, the official SDK client)
 * against the same calls made directly with the SDK in this process
 * (signAndAssert with ?proof=1 plus the same local receipt checks, and query),
 * on one real server (port 0, temp data dir). A micro-benchmark, not a test:
 *
 *   npx bun tests/bench/mcp-call.ts [calls]
 */
import { join } from "node:path";
import { computeAssertionId } from "../../src/client/assertion-id.ts";
import { writeAgentKeyFile } from "../../src/client/key-file.ts";
import { StemeClient } from "../../src/client/steme-client.ts";
import { inclusionProblem } from "../../src/client/verify-proof.ts";
import { treeHeadProblem } from "../../src/client/verify-tree-head.ts";
import { parseConfig } from "../../src/config.ts";
import { toHex } from "../../src/hex.ts";
import { startServer } from "../../src/http/server.ts";
import { silentLogger } from "../../src/logger.ts";
import { generateAgentKey, signAssertion } from "../../src/protocol/sign.ts";
import { mcpSession } from "../e2e/mcp-session.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const CALLS = Number(process.argv[2] ?? 300);
using dir = tempDir("stemedb-mcp-bench-");
const server = await startServer(
  parseConfig({ dataDir: join(dir.path, "data"), port: 0, floodPerKeyPerMinute: 0 }),
  silentLogger,
);
const keyPath = join(dir.path, "agent.key");
const key = generateAgentKey();
writeAgentKeyFile(keyPath, key);
const agent = toHex(key.publicKey);
const session = await mcpSession(
  [process.execPath, join(import.meta.dir, "../../src/main.ts"), "mcp"],
  { cwd: dir.path, env: { STEMEDB_URL: server.url, STEMEDB_AGENT_KEY: keyPath } },
);
const client = new StemeClient({ baseUrl: server.url });

async function time(label: string, call: (i: number) => Promise<void>): Promise<number> {
  for (let i = 0; i < 20; i++) await call(-1 - i); // warm-up
  const t = performance.now();
  for (let i = 0; i < CALLS; i++) await call(i);
  const perCall = (performance.now() - t) / CALLS;
  console.log(`${label.padEnd(32)} ${perCall.toFixed(2)} ms/call`);
  return perCall;
}

const claim = (i: number, via: string) => ({
  concept: `bench/${via}/svc${i + 100}`,
  predicate: "status",
  value: i % 2 === 0 ? "ok" : "degraded",
  confidence: 0.8,
});

const direct = await time("assert, SDK direct", async (i) => {
  const signed = signAssertion({ v: 1, ts: Date.now(), agent, ...claim(i, "sdk") }, key.secretKey);
  const r = await client.assert(signed, { proof: true });
  const ok =
    r.id === computeAssertionId(signed) &&
    treeHeadProblem(r.sth) === undefined &&
    inclusionProblem(
      r.id,
      {
        leaf_index: r.seq - 1,
        tree_size: r.sth.tree_size,
        audit_path: r.audit_path ?? [],
        root: r.sth.root,
      },
      r.sth,
    ) === undefined;
  if (!ok) throw new Error("receipt did not check");
});
const viaMcp = await time("assert, MCP tool call", async (i) => {
  const r = await session.call("assert", claim(i, "mcp"));
  if (r.isError) throw new Error(r.text);
});
const queryDirect = await time("recall, SDK query", async () => {
  await client.query({ concept: "bench", match: "prefix", lens: "consensus", limit: 20 });
});
const queryMcp = await time("recall, MCP tool call", async () => {
  const r = await session.call("recall", {
    concept: "bench",
    match: "prefix",
    lens: "consensus",
    limit: 20,
  });
  if (r.isError) throw new Error(r.text);
});
console.log(
  `MCP / direct: assert ${(viaMcp / direct).toFixed(2)}×, recall ${(queryMcp / queryDirect).toFixed(2)}× (${CALLS} calls each)`,
);
await session.close();
await server.stop();
