/**
 * The fixture of the `stemedb mcp` end-to-end tests: the compiled binary (built
 * once per file into a temp dir), a real `stemedb serve` on port 0 with a known
 * admin token, two agent key files made by `stemedb keygen`, and MCP sessions
 * of the binary that are all closed afterwards. `mcpFixture()` registers its
 * own beforeAll/afterAll.
 */
import { afterAll, beforeAll, expect } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type ServeProcess, startServeProcess } from "../helpers/serve-process.ts";
import { buildBinary, runBinary } from "./binary.ts";
import { type McpSession, mcpSession } from "./mcp-session.ts";

export const ADMIN_TOKEN = "mcp-e2e-admin-token-0123456789abcdef";
export const STEP = 30_000;

export interface McpFixture {
  bin(): string;
  work(): string;
  url(): string;
  /** Key file paths and public keys of the agents "alice" and "bob". */
  keys: Record<string, string>;
  agents: Record<string, string>;
  /** `stemedb mcp ARGS` with `env` (and nothing of the outer STEMEDB_*), closed after the file. */
  session(args: string[], env?: Record<string, string>): Promise<McpSession>;
}

export function mcpFixture(): McpFixture {
  let bin: string;
  let work: string;
  let server: ServeProcess;
  const sessions: McpSession[] = [];
  const fixture: McpFixture = {
    bin: () => bin,
    work: () => work,
    url: () => server.url,
    keys: {},
    agents: {},
    async session(args, env = {}) {
      const s = await mcpSession([bin, "mcp", ...args], { cwd: work, env });
      sessions.push(s);
      return s;
    },
  };
  beforeAll(async () => {
    bin = (await buildBinary()).path;
    work = mkdtempSync(join(tmpdir(), "stemedb-mcp-"));
    server = await startServeProcess(
      bin,
      ["--data-dir", join(work, "data"), "--port", "0", "--host", "127.0.0.1"],
      { cwd: work, env: { STEMEDB_ADMIN_TOKEN: ADMIN_TOKEN } },
    );
    for (const name of ["alice", "bob"]) {
      const path = join(work, `${name}.key`);
      const r = await runBinary(bin, ["keygen", "--out", path], { cwd: work });
      expect([r.code, r.stderr]).toEqual([0, ""]);
      fixture.keys[name] = path;
      fixture.agents[name] = r.stdout.trim();
    }
  }, 120_000);
  afterAll(async () => {
    for (const s of sessions) await s.close();
    if (server) await server.stop();
    if (work) rmSync(work, { recursive: true, force: true });
    if (bin) rmSync(dirname(bin), { recursive: true, force: true });
  }, STEP);
  return fixture;
}
