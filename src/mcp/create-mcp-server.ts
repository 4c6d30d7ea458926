/**
 * The StemeDB MCP server (SPEC §1 `mcp`): an `McpServer` from the official SDK
 * with the tools registered over one context. With an agent key: assert,
 * retract, recall, history, verify; without one (read-only): recall, history,
 * verify. Transport-agnostic: `stemedb mcp` connects it to stdio, tests may
 * connect it to an in-memory pair.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { registerHistoryTool } from "./history-tool.ts";
import type { McpContext } from "./mcp-context.ts";
import { registerRecallTool } from "./recall-tool.ts";
import { registerVerifyTool } from "./verify-tool.ts";
import { registerWriteTools } from "./write-tools.ts";

export function createMcpServer(ctx: McpContext, version: string): McpServer {
  const server = new McpServer(
    { name: "stemedb", title: "StemeDB", version },
    { instructions: instructions(ctx) },
  );
  if (ctx.key !== undefined) registerWriteTools(server, ctx);
  registerRecallTool(server, ctx);
  registerHistoryTool(server, ctx);
  registerVerifyTool(server, ctx);
  return server;
}

/** What the host may show the model about this server (MCP `instructions`). */
function instructions(ctx: McpContext): string {
  const who =
    ctx.agent === undefined
      ? "This session is read-only (no agent key): it can recall, read history and verify, not assert."
      : `You are StemeDB agent ${ctx.agent}: every claim you assert is signed with this key and attributed to it.`;
  return (
    "StemeDB is a shared memory of signed claims for a fleet of agents: '<concept> has <predicate> = " +
    "<value>', with a confidence. Agents may disagree; recall resolves disagreement through a lens and " +
    "shows the conflict, history shows every claim over time, verify proves a claim is in the server's " +
    `signed, append-only log. ${who}`
  );
}
