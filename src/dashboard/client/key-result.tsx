/** @jsxImportSource hono/jsx/dom */
/**
 * One key's resolved value (SPEC §4 `latest`, `consensus`, `trust`) with its
 * conflict laid out side by side: the winning group and each alternative as
 * a column — value, weight, share of the total weight, and the agents and
 * assertions behind it. Assertion ids open their detail (and proof).
 */
import type { KeyResult } from "../../client/client-types.ts";
import { AgentLabel } from "./agent-label.tsx";
import { fmtDecimal, fmtPercent } from "./format.ts";
import { Badge, IdLink, JsonValue } from "./ui.tsx";

interface Group {
  value: unknown;
  weight: number | undefined;
  share: number;
  support: string[];
  agents: string[];
  winner: boolean;
}

/** The groups of a key, winner first; weights of alternatives are given, the winner's derived. */
function groups(r: KeyResult): Group[] {
  const altTotal = r.alternatives.reduce((a, g) => a + g.weight, 0);
  const total = r.agreement < 1 ? altTotal / (1 - r.agreement) : undefined;
  const winner: Group = {
    value: r.value,
    weight: total === undefined ? undefined : total - altTotal,
    share: r.agreement,
    support: r.support,
    agents: r.agents,
    winner: true,
  };
  return [
    winner,
    ...r.alternatives.map((g) => ({
      value: g.value,
      weight: g.weight,
      share: total && total > 0 ? g.weight / total : 0,
      support: g.support,
      agents: g.agents,
      winner: false,
    })),
  ];
}

export function KeyResultCard(props: {
  result: KeyResult;
  onHistory: (concept: string, predicate: string) => void;
  onDetail: (id: string) => void;
}) {
  const r = props.result;
  return (
    <article class={r.conflict ? "result conflict" : "result"} data-testid="key-result">
      <header>
        <h3>
          <code>{r.concept}</code> · <code>{r.predicate}</code>
        </h3>
        {r.conflict ? (
          <Badge tone="warn">conflict · agreement {fmtPercent(r.agreement)}</Badge>
        ) : (
          <Badge tone="ok">agreed</Badge>
        )}
        <button
          type="button"
          class="secondary small"
          onClick={() => props.onHistory(r.concept, r.predicate)}
        >
          History
        </button>
      </header>
      <div class="groups">
        {groups(r).map((g) => (
          <div class={g.winner ? "group winner" : "group"} data-testid="group">
            <div class="group-head">
              <span class="group-label">{g.winner ? "Winning value" : "Alternative"}</span>
              <span class="weight">
                {g.weight === undefined ? "" : `weight ${fmtDecimal(g.weight)} · `}
                {fmtPercent(g.share)}
              </span>
            </div>
            <meter min="0" max="1" value={String(g.share)} aria-label="share of the weight">
              {fmtPercent(g.share)}
            </meter>
            <JsonValue value={g.value} />
            {g.winner ? <p class="muted small">confidence {fmtDecimal(r.confidence)}</p> : null}
            <ul class="support" aria-label="agents and assertions">
              {g.support.map((id, i) => (
                <li>
                  <span class="muted">agent</span> <AgentLabel agent={g.agents[i] ?? ""} />
                  <span class="muted"> · assertion</span> <IdLink id={id} onOpen={props.onDetail} />
                </li>
              ))}
            </ul>
          </div>
        ))}
      </div>
    </article>
  );
}
