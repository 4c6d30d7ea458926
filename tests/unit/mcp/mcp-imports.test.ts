/**
 * The MCP server is a client of StemeDB, like the SDK it builds on: bundling
 * it must not reach the server's modules (bun:sqlite, Hono, native crypto),
 * and no file of src/mcp imports the server's layers.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bundleImports, expectNoServerModules } from "../../helpers/bundle-imports.ts";

const MCP_DIR = new URL("../../../src/mcp/", import.meta.url).pathname;

test("the MCP server bundle holds no bun:sqlite, node:crypto or hono", async () => {
  const imports = await bundleImports(join(MCP_DIR, "create-mcp-server.ts"));
  expectNoServerModules(imports);
  expect(imports).toContain("@modelcontextprotocol/sdk/server/mcp.js");
});

test("no src/mcp file imports the server's layers", () => {
  for (const file of readdirSync(MCP_DIR)) {
    const text = readFileSync(join(MCP_DIR, file), "utf8");
    const bad = [...text.matchAll(/from "\.\.\/(http|engine|store|ingest|log|defense|verify)\//g)];
    expect([file, bad.map((m) => m[0])]).toEqual([file, []]);
  }
});
