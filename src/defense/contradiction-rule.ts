/**
 * The `contradiction` rule (SPEC §6): an assertion is quarantined when its key
 * (concept, predicate) has a strong consensus, it claims another value, and
 * its agent is trusted less than every agent of that consensus.
 *
 * - Consensus is what the `consensus` lens (SPEC §4) says over the visible
 *   assertions of the *other* agents: their latest assertions grouped by
 *   value, weighted by confidence — computed by the lens's own code
 *   (src/lens/groups.ts). The claiming agent's own earlier claim counts
 *   neither for nor against it: a dissenter cannot shield itself by having
 *   dissented before.
 * - Strong: the winning group holds ≥ `minAgents` distinct agents and its
 *   agreement is ≥ `minAgreement` (defaults 3 and 0.9).
 * - Lower trust: the agent's trust (registry, else the configured default) is
 *   below the minimum trust among the winning group's agents.
 * - Not a contradiction: the same value; a retraction (not a claim); an agent
 *   whose current claim holds the consensus value changing its own position.
 *
 * Cost. An agent whose trust is not below the highest trust anyone has cannot
 * be lower than a consensus, so its assertions are decided from memory alone:
 * with the defaults (nobody registered, everyone at the default trust) the
 * rule never reads the state. Otherwise it needs the key's agents' latest
 * claims: one exact-key read through `assertions_by_concept` (the lens's
 * query), kept in a bounded cache of keys that is updated in place by every
 * later decision on the key — so a hot key is read once, not once per write —
 * and dropped on a retraction of the key, a release or reject (any status
 * change), or when full (the older of two generations at once). Items earlier in the
 * same commit group, or in the group still in flight (durable, not yet applied: see
 * `IngestPolicy`), count toward the consensus as soon as they are accepted.
 * Should a commit fail after the decision (the log append), the cache keeps
 * the unrecorded claim until the key is dropped: a consensus may then look
 * stronger than it is until the next status change.
 */
import { agentsLatest, agreementOf, groupByValue, isNewer } from "../lens/groups.ts";
import type { PreparedAssertion } from "../protocol/assertion.ts";
import type { VisibleAssertion } from "../store/query-store.ts";
import type { State } from "../store/state.ts";
import type { QuarantineReason } from "./quarantine-reason.ts";
import { NO_REASONS, type QuarantineRule, type RuleContext } from "./quarantine-rule.ts";

export interface ContradictionOptions {
  /** Distinct agents in the winning group that make a consensus strong (≥ 2). */
  minAgents: number;
  /** Agreement (0–1) that makes a consensus strong. */
  minAgreement: number;
  /** Trust of an agent absent from the registry or without a trust. */
  defaultTrust: number;
  /** Keys whose claims are cached (default 10,000). */
  cacheKeys?: number;
}

/** A strong consensus of one key: its value (canonical JSON) and the agents holding it. */
export interface StrongConsensus {
  value: string;
  agents: readonly string[];
}

/** Each agent's latest visible claim on one key. */
type Claims = Map<string, VisibleAssertion>;

const CONTRADICTION: readonly QuarantineReason[] = Object.freeze(["contradiction"]);
/** Agreement is a ratio of sums of doubles: 0.9 must not fail as 0.8999999999999999. */
const EPSILON = 1e-9;
/** Not-yet-stored claims rank after every stored one (their seq will be greater). */
const PENDING_SEQ = Number.MAX_SAFE_INTEGER / 2;

const keyOf = (concept: string, predicate: string) => `${concept}\n${predicate}`;

export class ContradictionRule implements QuarantineRule {
  readonly #options: Required<ContradictionOptions>;
  /** Two generations: hits in `#old` move to `#cache`; a full `#cache` becomes `#old` (O(1) eviction). */
  #cache = new Map<string, Claims>();
  #old = new Map<string, Claims>();
  /** Per group not yet applied, oldest first: its accepted claims per key (not in the state yet). */
  readonly #pendingClaims: Map<string, VisibleAssertion[]>[] = [];
  /** Per group not yet applied: keys it retracts (read again from the state once it is applied). */
  readonly #retracted: Set<string>[] = [];
  #pendingSeq = PENDING_SEQ;
  #statusMarker = Number.NaN;
  #registryVersion = -1;
  #maxTrust = 0;
  /** True while every agent has the same trust: nobody is ever lower, the rule is idle. */
  #uniform = false;
  #state: State | undefined;

  constructor(options: ContradictionOptions) {
    if (!Number.isSafeInteger(options.minAgents) || options.minAgents < 2) {
      throw new RangeError(
        `ContradictionRule: minAgents must be an integer ≥ 2, got ${options.minAgents}`,
      );
    }
    this.#options = { cacheKeys: 10_000, ...options };
  }

  beginGroup(state: State): void {
    if (state !== this.#state) {
      this.#forget();
      this.#registryVersion = -1;
      this.#state = state;
    }
    this.#readRegistry(state); // registry updates are applied before the next group is planned
    if (this.#pendingClaims.length === 0) this.#pendingSeq = PENDING_SEQ;
    this.#pendingClaims.push(new Map());
    this.#retracted.push(new Set());
    if (this.#cache.size + this.#old.size === 0) return;
    const marker = statusMarker(state);
    if (marker !== this.#statusMarker) {
      this.#forget();
      this.#statusMarker = marker;
    }
  }

  endGroup(): void {
    this.#pendingClaims.shift();
    this.#retracted.shift();
  }

  /** The newest group's share of `groups` (one is opened if the policy runs outside a group, as in tests). */
  #newest<T>(groups: T[], open: () => T): T {
    if (groups.length === 0) groups.push(open());
    return groups[groups.length - 1] as T;
  }

  check(item: PreparedAssertion, ctx: RuleContext): readonly QuarantineReason[] {
    const a = item.assertion;
    if (a.retracts !== undefined) return NO_REASONS;
    const trust = this.#trustOf(ctx.state, a.agent);
    if (trust >= this.#maxTrust) return NO_REASONS;
    const claims = this.#claims(ctx.state, a.concept, a.predicate);
    const consensus = this.#strong(claims, a.agent);
    if (consensus === undefined || consensus.value === item.valueCanonical) return NO_REASONS;
    if (claims.get(a.agent)?.value === consensus.value) return NO_REASONS;
    for (const member of consensus.agents) {
      if (trust >= this.#trustOf(ctx.state, member)) return NO_REASONS;
    }
    return CONTRADICTION;
  }

  decided(item: PreparedAssertion, quarantined: boolean): void {
    if (quarantined || this.#uniform) return; // invisible, or nothing will ever be read
    const a = item.assertion;
    const key = keyOf(a.concept, a.predicate);
    if (a.retracts !== undefined) {
      // The withdrawn claim may be its agent's latest: read the key afresh next group.
      this.#cache.delete(key);
      this.#old.delete(key);
      this.#newest(this.#retracted, () => new Set()).add(key);
      return;
    }
    const claim: VisibleAssertion = {
      seq: this.#pendingSeq++,
      id: item.id,
      concept: a.concept,
      predicate: a.predicate,
      agent: a.agent,
      value: item.valueCanonical,
      confidence: a.confidence ?? 1,
      ts: a.ts,
      status: 1,
    };
    const group = this.#newest(this.#pendingClaims, () => new Map());
    const pending = group.get(key);
    if (pending === undefined) group.set(key, [claim]);
    else pending.push(claim);
    const cached = this.#cache.get(key) ?? this.#old.get(key);
    if (cached !== undefined) addClaim(cached, claim);
  }

  /** The consensus of `claims` but `agent`'s, if it is strong. */
  #strong(claims: Claims, agent: string): StrongConsensus | undefined {
    if (claims.size - (claims.has(agent) ? 1 : 0) < this.#options.minAgents) return undefined;
    const others: VisibleAssertion[] = [];
    for (const c of claims.values()) if (c.agent !== agent) others.push(c);
    const groups = groupByValue(others, (r) => r.confidence);
    const winner = groups[0];
    if (winner === undefined || winner.members.length < this.#options.minAgents) return undefined;
    if (agreementOf(winner, groups) + EPSILON < this.#options.minAgreement) return undefined;
    return { value: winner.value, agents: winner.members.map((m) => m.agent) };
  }

  #claims(state: State, concept: string, predicate: string): Claims {
    const key = keyOf(concept, predicate);
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const aging = this.#old.get(key);
    if (aging !== undefined) {
      this.#old.delete(key);
      this.#remember(key, aging);
      return aging;
    }
    const filter = {
      concept,
      match: "exact" as const,
      predicate,
      asOf: Number.MAX_SAFE_INTEGER,
      minConfidence: 0,
    };
    const claims: Claims = new Map();
    for (const { rows } of state.query.byKey(filter)) {
      for (const r of agentsLatest(rows)) claims.set(r.agent, r);
    }
    for (const group of this.#pendingClaims) {
      for (const pending of group.get(key) ?? []) addClaim(claims, pending);
    }
    if (!this.#retracted.some((keys) => keys.has(key))) {
      if (this.#cache.size + this.#old.size === 0) this.#statusMarker = statusMarker(state);
      this.#remember(key, claims);
    }
    return claims;
  }

  #remember(key: string, claims: Claims): void {
    this.#cache.set(key, claims);
    if (this.#cache.size >= this.#options.cacheKeys / 2) {
      this.#old = this.#cache;
      this.#cache = new Map();
    }
  }

  #forget(): void {
    this.#cache.clear();
    this.#old.clear();
  }

  #trustOf(state: State, agent: string): number {
    return state.agents.get(agent)?.trust ?? this.#options.defaultTrust;
  }

  /** The highest and lowest trust anyone has (registry or default), when the registry changed. */
  #readRegistry(state: State): void {
    if (state.agents.version === this.#registryVersion) return;
    const { defaultTrust } = this.#options;
    let max = defaultTrust;
    let min = defaultTrust;
    for (const e of state.agents.entries()) {
      if (e.trust !== null && e.trust > max) max = e.trust;
      if (e.trust !== null && e.trust < min) min = e.trust;
    }
    if (this.#uniform && min < max) this.#forget(); // claims were not tracked while idle
    this.#maxTrust = max;
    this.#uniform = min >= max;
    this.#registryVersion = state.agents.version;
  }
}

/** Changes with every status change (or registry update) applied: records that are not leaves. */
function statusMarker(state: State): number {
  return state.meta.get("last_lsn") - state.meta.get("tree_size");
}

function addClaim(claims: Claims, claim: VisibleAssertion): void {
  const held = claims.get(claim.agent);
  if (held === undefined || isNewer(claim, held)) claims.set(claim.agent, claim);
}
