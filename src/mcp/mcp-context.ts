/**
 * What every StemeDB MCP tool works with: the SDK client that talks to the
 * server, the agent's key (held in this process only; absent in a read-only
 * session), the tree-head pin, the pinned operator keys, a clock and a logger (stderr only: stdout
 * carries the MCP protocol and nothing else).
 */
import type { StemeClient } from "../client/steme-client.ts";
import type { Logger } from "../logger.ts";
import type { AgentKey } from "../protocol/sign.ts";
import type { InFlight } from "./in-flight.ts";
import type { TreeHeadPin } from "./tree-head-pin.ts";

export interface McpContext {
  client: StemeClient;
  /** The agent's signing key; undefined = read-only (no assert or retract tool). */
  key: AgentKey | undefined;
  /** The agent's public key (64 hex), when there is a key. */
  agent: string | undefined;
  treeHeads: TreeHeadPin;
  /** Operator keys trusted to redact (SPEC §12); empty: a redaction is accepted and its key named. */
  trustedOperators: ReadonlySet<string>;
  /** Tool calls still running (answered before the session closes). */
  inFlight: InFlight;
  /** Claim time for new assertions, ms since the Unix epoch. */
  now(): number;
  logger: Logger;
}
