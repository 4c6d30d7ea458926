/**
 * Content defense (SPEC §6) assembled from the config: the engine's ingest
 * policy (quarantine decisions made inside the commit, against stored state)
 * and the ingest guards (refusals before the commit, bookkeeping after it).
 * `startServer` builds this once and hands the policy to the engine and the
 * guards to the HTTP app.
 */

import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { IngestGuard } from "../ingest/ingest-guard.ts";
import type { IngestPolicy } from "../ingest-policy.ts";
import type { AgentBreakerStatus } from "./agent-breaker.ts";
import { agentGuards, type DefenseEvents } from "./agent-guards.ts";
import { type AgentRegistry, agentPolicyGuard } from "./agent-policy.ts";
import { quarantinePolicy } from "./quarantine-policy.ts";

export interface Defense {
  /** Passed to Engine.open: accepted or quarantined, per assertion. */
  policy: IngestPolicy;
  /** Passed to createApp: agent policy, breakers, per-agent rate limits. */
  guards: IngestGuard[];
  /** Open agent breakers, for health and metrics. */
  agentBreakers: AgentBreakerStatus;
}

/**
 * `registry` is where the agent-policy guard reads entries (the engine, which
 * opens after this runs: guards are called only once it has). Without one
 * there is no agent-policy guard — `allowed: false` is not enforced — which
 * only tests that need no registry should rely on; `registered` requires one.
 */
export function buildDefense(
  config: Config,
  clock: Clock,
  events: DefenseEvents = {},
  registry?: AgentRegistry,
): Defense {
  if (registry === undefined && config.agentPolicy === "registered") {
    throw new TypeError('buildDefense: agentPolicy "registered" needs the agent registry');
  }
  // The agent policy refuses first: a refused agent spends no breaker or rate budget.
  const policyGuard =
    registry === undefined ? [] : [agentPolicyGuard({ policy: config.agentPolicy, registry })];
  const agents = agentGuards(config, clock, events, registry);
  return {
    policy: quarantinePolicy(config, clock),
    guards: [...policyGuard, ...agents.guards],
    agentBreakers: agents.breakers,
  };
}
