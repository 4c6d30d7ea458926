/**
 * `stemedb mcp`: the agents' own door (SPEC §1) — a Model Context Protocol
 * server on stdio, for an agent runtime (an MCP host) to launch. The agent's
 * key is read once from --key / STEMEDB_AGENT_KEY and never leaves this
 * process: every assertion is signed here and its receipt checked here
 * (src/mcp). stdout carries the MCP protocol and nothing else; logs go to
 * stderr as JSON lines.
 *
 * Startup contract, chosen for what an MCP host shows its user: a key that is
 * configured but missing, unreadable, readable by others or malformed stops
 * the command before it speaks MCP (exit 1, the reason on stderr, which hosts
 * show in their server log) — a misconfigured writer must not run on silently
 * as a reader. No key configured at all is a read-only session (recall,
 * history, verify). The StemeDB server is not contacted at startup: while it
 * is down every tool call answers an `isError` result with code
 * `network_error` naming the URL, and the session recovers when it is back.
 * The session ends with exit 0 when the host closes stdin or sends SIGTERM.
 */
import { type Readable, Writable } from "node:stream";
import { Command } from "commander";
import { StemeClientError } from "../client/client-error.ts";
import { readAgentKeyFile } from "../client/key-file.ts";
import { toHex } from "../hex.ts";
import { jsonLogger } from "../logger.ts";
import { InFlight } from "../mcp/in-flight.ts";
import { TreeHeadPin } from "../mcp/tree-head-pin.ts";
import type { AgentKey } from "../protocol/sign.ts";
import { CliExit, type CliIo } from "./cli-io.ts";
import {
  clientConfig,
  keyOption,
  makeClient,
  operatorKeyOption,
  serverKeyOption,
  urlOption,
} from "./cli-options.ts";
import { VERSION } from "./version.ts";

interface McpOptions {
  url?: string;
  key?: string;
  serverKey?: string;
  operatorKey?: string;
}

export function mcpCommand(io: CliIo): Command {
  return new Command("mcp")
    .description("run an MCP server on stdio for an AI agent: signs locally, recalls, proves")
    .addOption(urlOption())
    .addOption(keyOption("the agent's key file; without one the session is read-only"))
    .addOption(serverKeyOption())
    .addOption(operatorKeyOption())
    .addHelpText(
      "after",
      "\nSpeaks the Model Context Protocol on stdin/stdout; launched by an MCP host, e.g.\n" +
        '  {"command": "stemedb", "args": ["mcp"], "env": {"STEMEDB_URL": "http://127.0.0.1:18180",\n' +
        '   "STEMEDB_AGENT_KEY": "/path/to/agent.key"}}\n' +
        "Tools: assert, retract (with a key), recall, history, verify. Logs go to stderr.\n" +
        "A configured key file that cannot be read exits 1 before MCP starts; an unreachable\n" +
        "server makes each tool call answer a network_error tool result.\n",
    )
    .action(async (options: McpOptions) => {
      const settings = clientConfig(options, io);
      const key = settings.agentKey === undefined ? undefined : readKey(settings.agentKey);
      const agent = key === undefined ? undefined : toHex(key.publicKey);
      const logger = jsonLogger("info", io.stderr);
      // Loaded here, not at the top: the MCP SDK would add to every other command's startup.
      const [{ createMcpServer }, { StdioServerTransport }] = await Promise.all([
        import("../mcp/create-mcp-server.ts"),
        import("@modelcontextprotocol/sdk/server/stdio.js"),
      ]);
      const inFlight = new InFlight();
      const server = createMcpServer(
        {
          client: makeClient(settings.url, io),
          key,
          agent,
          treeHeads: new TreeHeadPin(settings.serverKey),
          trustedOperators: new Set(settings.operatorKeys?.split(",") ?? []),
          inFlight,
          now: io.now,
          logger,
        },
        VERSION,
      );
      const stdin = io.stdin();
      const ended = new Promise<void>((resolve) => {
        stdin.once("end", resolve);
        stdin.once("close", resolve);
        process.once("SIGTERM", resolve);
        process.once("SIGINT", resolve);
      });
      // CliIo types stdin as the NodeJS stream interface; it is process.stdin (or a test's Readable).
      await server.connect(new StdioServerTransport(stdin as Readable, stdoutStream(io)));
      if (io.stdinIsTTY) {
        io.stderr(
          "stemedb mcp speaks MCP on stdin/stdout: launch it from an MCP host (see --help)\n",
        );
      }
      logger.info("stemedb mcp ready", {
        url: settings.url,
        agent: agent ?? null,
        mode: key === undefined ? "read-only" : "read-write",
        server_key: settings.serverKey ?? "pinned on first use",
        operator_keys: settings.operatorKeys?.split(",") ?? "not pinned: redactions are reported",
      });
      await ended;
      await inFlight.idle();
      await server.close();
      logger.info("stemedb mcp stopped");
    });
}

function readKey(path: string): AgentKey {
  try {
    return readAgentKeyFile(path);
  } catch (e) {
    if (!(e instanceof StemeClientError)) throw e;
    throw new CliExit(
      1,
      `mcp: not started: ${e.message}. Create a key with \`stemedb keygen --out ${path}\`, ` +
        "or leave --key and STEMEDB_AGENT_KEY unset for a read-only session.",
    );
  }
}

/** The MCP transport writes to this stream; it goes to the process's stdout through the CLI's io. */
function stdoutStream(io: CliIo): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      io.stdout(typeof chunk === "string" ? chunk : chunk.toString("utf8"));
      done();
    },
  });
}
