/**
 * The per-agent guards of SPEC §6 built from the config: the agent circuit
 * breaker (`STEMEDB_AGENT_BREAKER_*`; a threshold of 0 turns it off) and the
 * per-agent assertion rate limit (`STEMEDB_RATE_ASSERT_PER_AGENT`; 0 turns it
 * off). The breaker comes first, so a paused agent spends no tokens.
 */

import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { IngestGuard } from "../ingest/ingest-guard.ts";
import { AgentBreaker, type AgentBreakerStatus } from "./agent-breaker.ts";
import type { AgentRegistry } from "./agent-policy.ts";
import { AgentRateLimit } from "./agent-rate-limit.ts";
import type { BreakerState } from "./circuit-breaker.ts";

/** Hooks for metrics (`Metrics` implements them). */
export interface DefenseEvents {
  breakerTransition?(breaker: "agent", to: BreakerState): void;
  rateLimitedHit?(rateClass: "agent", route: string): void;
}

export interface AgentGuards {
  guards: IngestGuard[];
  /** Open agent breakers, for health and metrics. */
  breakers: AgentBreakerStatus;
}

const NONE_OPEN: AgentBreakerStatus = { openCount: () => 0 };

/** `registry` tells an agent on probation (under `STEMEDB_AGENT_POLICY=probation`). */
export function agentGuards(
  config: Config,
  clock: Clock,
  events: DefenseEvents = {},
  registry?: AgentRegistry,
): AgentGuards {
  const guards: IngestGuard[] = [];
  let breakers = NONE_OPEN;
  if (config.agentBreakerThreshold > 0) {
    const onProbation =
      config.agentPolicy === "probation" && registry !== undefined
        ? (agent: string) => registry.agent(agent) === undefined
        : undefined;
    const breaker = new AgentBreaker({
      window: config.agentBreakerWindow,
      minSubmissions: config.agentBreakerMinSubmissions,
      threshold: config.agentBreakerThreshold,
      openSeconds: config.agentBreakerOpenSeconds,
      clock,
      onTransition: (_agent, to) => events.breakerTransition?.("agent", to),
      ...(onProbation === undefined ? {} : { onProbation }),
    });
    guards.push(breaker);
    breakers = breaker;
  }
  if (config.rateAssertPerAgent > 0) {
    guards.push(
      new AgentRateLimit({
        ratePerSecond: config.rateAssertPerAgent,
        burstSeconds: config.rateBurstSeconds,
        clock,
        onLimited: () => events.rateLimitedHit?.("agent", "/v1/assert"),
      }),
    );
  }
  return { guards, breakers };
}
