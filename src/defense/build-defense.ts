/**
 * Content defense (SPEC §6) assembled from the config: the engine's ingest
 * policy (quarantine decisions made inside the commit, against stored state)
 * and the ingest guards (refusals before the commit, bookkeeping after it).
 * `startServer` builds this once and hands the policy to the engine and the
 * guards to the HTTP app.
 */
import type { Config } from "../config.ts";
import { acceptAll, type Clock, type IngestPolicy } from "../engine/engine-options.ts";
import type { IngestGuard } from "../ingest/ingest-guard.ts";

export interface Defense {
  /** Passed to Engine.open: accepted or quarantined, per assertion. */
  policy: IngestPolicy;
  /** Passed to createApp: agent policy, breakers, per-agent rate limits. */
  guards: IngestGuard[];
}

export function buildDefense(_config: Config, _clock: Clock): Defense {
  // Quarantine rules and guards are added here as they are built (issue: content defense).
  return { policy: acceptAll, guards: [] };
}
