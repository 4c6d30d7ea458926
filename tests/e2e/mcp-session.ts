/**
 * An MCP session with `stemedb mcp` as a real MCP host has it: the official
 * SDK's Client over StdioClientTransport, which spawns the binary (compiled, or
 * any command line) with a clean environment plus `env`, and collects its
 * stderr. `call` returns the tool result with its text joined.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

export interface McpSession extends AsyncDisposable {
  client: Client;
  call(name: string, args: Record<string, unknown>): Promise<ToolAnswer>;
  stderr(): string;
  close(): Promise<void>;
}

export interface ToolAnswer {
  isError: boolean;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read the tools' structured answers freely
  data: any;
  /** A failed call's `_meta["stemedb/error"]`: `{code, detail, field?, http_status?, …}`. */
  // biome-ignore lint/suspicious/noExplicitAny: as above
  error: any;
}

export async function mcpSession(
  command: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<McpSession> {
  const transport = new StdioClientTransport({
    command: command[0] as string,
    args: command.slice(1),
    cwd: options.cwd,
    // Only PATH and HOME from outside (the SDK adds its safe defaults: no STEMEDB_*).
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      ...options.env,
    },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const client = new Client({ name: "stemedb-tests", version: "1.0.0" });
  await client.connect(transport);
  const close = () => client.close();
  return {
    client,
    async call(name, args) {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
      const text = result.content
        .map((c) => (c.type === "text" ? c.text : `[${c.type}]`))
        .join("\n");
      return {
        isError: result.isError === true,
        text,
        data: result.structuredContent,
        error: result._meta?.["stemedb/error"],
      };
    },
    stderr: () => stderr,
    close,
    [Symbol.asyncDispose]: close,
  };
}
