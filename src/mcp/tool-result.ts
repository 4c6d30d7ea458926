/**
 * How a StemeDB MCP tool answers (MCP "tools/call" results): `answer` pairs the
 * structured content a program reads with a short text a language model reads;
 * `failure` turns whatever a tool threw into an `isError` result instead of a
 * crash. A server refusal keeps its RFC 9457 problem `code`, `detail` and
 * `field` (SPEC §3) in both the text and `_meta["stemedb/error"]`, so a model
 * can fix its input and a host can branch on the code.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { StemeClientError } from "../client/client-error.ts";
import type { InFlight } from "./in-flight.ts";

/** `_meta["stemedb/error"]` of a failed tool result. */
export interface ToolError {
  code: string;
  detail: string;
  field?: string;
  /** HTTP status of the server's answer; absent when none arrived. */
  http_status?: number;
  request_id?: string;
  retry_after_s?: number;
}

export function answer(structured: object, text: string): CallToolResult {
  return {
    content: [{ type: "text", text }],
    structuredContent: structured as Record<string, unknown>,
  };
}

/** A failure the tool itself detected (nothing was sent, or the server's answer does not check out). */
export function toolFailure(code: string, detail: string, field?: string): StemeClientError {
  return new StemeClientError(code, detail, field === undefined ? {} : { field });
}

/** `error` as an `isError` tool result; `serverUrl` goes into the hint for an unreachable server. */
export function failure(error: unknown, serverUrl: string): CallToolResult {
  const e = toToolError(error);
  const extras: string[] = [];
  if (e.field !== undefined) extras.push(`field ${e.field}`);
  if (e.http_status !== undefined) extras.push(`HTTP ${e.http_status}`);
  if (e.retry_after_s !== undefined) extras.push(`retry after ${e.retry_after_s}s`);
  if (e.request_id !== undefined) extras.push(`request ${e.request_id}`);
  let text = `Error ${e.code}: ${e.detail}${extras.length > 0 ? ` (${extras.join(", ")})` : ""}`;
  if (e.code === "network_error") {
    text += `\nThe StemeDB server at ${serverUrl} did not answer: is \`stemedb serve\` running there? (set by --url or STEMEDB_URL)`;
  }
  // The error travels in the text and in `_meta`, not `structuredContent`: clients check
  // structured content against the tool's output schema even on errors.
  return {
    isError: true,
    content: [{ type: "text", text }],
    _meta: { "stemedb/error": e },
  };
}

function toToolError(error: unknown): ToolError {
  if (error instanceof StemeClientError) {
    const out: ToolError = { code: error.code, detail: error.message };
    if (error.field !== undefined) out.field = error.field;
    if (error.status !== 0) out.http_status = error.status;
    if (error.requestId !== undefined) out.request_id = error.requestId;
    if (error.retryAfter !== undefined) out.retry_after_s = error.retryAfter;
    return out;
  }
  // The SDK's argument checks throw TypeError naming the argument (e.g. an id that is not hex).
  if (error instanceof TypeError) return { code: "invalid_argument", detail: error.message };
  return {
    code: "internal_error",
    detail: error instanceof Error ? error.message : String(error),
  };
}

/**
 * A tool handler that answers `failure(...)` for whatever `run` throws instead
 * of throwing, and counts as in flight until it has answered.
 */
export function guarded<A>(
  ctx: { client: { baseUrl: string }; inFlight: InFlight },
  run: (args: A) => Promise<CallToolResult>,
): (args: A) => Promise<CallToolResult> {
  return (args) =>
    ctx.inFlight.track(
      (async () => {
        try {
          return await run(args);
        } catch (e) {
          return failure(e, ctx.client.baseUrl);
        }
      })(),
    );
}
