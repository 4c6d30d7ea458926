/**
 * The agent policy (SPEC §6, `STEMEDB_AGENT_POLICY`):
 *
 * | policy       | agent in the registry | agent not in the registry          |
 * |--------------|-----------------------|------------------------------------|
 * | `open`       | accepted              | accepted                           |
 * | `registered` | accepted              | 403 `agent_not_registered`         |
 * | `probation`  | accepted              | quarantined, reason `probation`    |
 *
 * Under every policy an agent whose registry entry says `allowed: false` is
 * refused with 403 `agent_not_allowed`. Refusals are an ingest guard (before
 * the commit, nothing recorded); probation is a quarantine rule (recorded,
 * awaiting review). "In the registry" means an entry exists, whatever its
 * fields: `PUT /v1/agents/<key>` with `{}` registers an agent.
 */
import type { Config } from "../config.ts";
import { StemeError } from "../errors.ts";
import type { IngestGuard } from "../ingest/ingest-guard.ts";
import type { AgentEntry } from "../store/agent-table.ts";
import type { QuarantineReason } from "./quarantine-reason.ts";
import { NO_REASONS, type QuarantineRule } from "./quarantine-rule.ts";

export type AgentPolicy = Config["agentPolicy"];

/** Where the guard reads registry entries (the engine: `Engine.agent`). */
export interface AgentRegistry {
  agent(key: string): AgentEntry | undefined;
}

export interface AgentPolicyGuardOptions {
  policy: AgentPolicy;
  registry: AgentRegistry;
}

/** Refuses agents the registry disallows, and unregistered ones under `registered`. */
export function agentPolicyGuard(options: AgentPolicyGuardOptions): IngestGuard {
  const { policy, registry } = options;
  return {
    admit(item) {
      const agent = item.assertion.agent;
      const entry = registry.agent(agent);
      if (entry === undefined) {
        if (policy !== "registered") return undefined;
        return new StemeError(
          "agent_not_registered",
          `agent ${agent} is not in the registry and the agent policy is "registered"; an admin registers it with PUT /v1/agents/${agent}`,
          { field: "agent" },
        );
      }
      if (entry.allowed) return undefined;
      return new StemeError(
        "agent_not_allowed",
        `agent ${agent} is not allowed to write (its registry entry has allowed: false)`,
        { field: "agent" },
      );
    },
  };
}

const PROBATION: readonly QuarantineReason[] = Object.freeze(["probation"]);

/** Under `probation`: an unregistered agent's assertions wait for review. */
export const probationRule: QuarantineRule = {
  check: (item, ctx) =>
    ctx.agentEntry(item.assertion.agent) === undefined ? PROBATION : NO_REASONS,
};
