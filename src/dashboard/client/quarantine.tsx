/** @jsxImportSource hono/jsx/dom */
/**
 * Quarantine review (SPEC §6): the queue of assertions the content defense
 * held back, with their reasons, and Release (make visible to lenses) or
 * Reject (keep for audit, never visible) for each; both are durable records
 * on the server. Admin API, behind the session's token.
 */
import { useEffect, useState } from "hono/jsx/dom";
import type {
  QuarantineItem,
  QuarantinePage,
  QuarantineParams,
} from "../../client/client-types.ts";
import { AgentLabel } from "./agent-label.tsx";
import { apiClient, errorText } from "./api.ts";
import { fmtCount, fmtDecimal, fmtTime } from "./format.ts";
import { Badge, ErrorNote, Hex, JsonValue, markReady } from "./ui.tsx";

type StatusFilter = NonNullable<QuarantineParams["status"]>;
const FILTERS: [StatusFilter, string][] = [
  ["quarantined", "Pending review"],
  ["released", "Released"],
  ["rejected", "Rejected"],
  ["all", "All"],
];

export function QuarantineReview(props: { token: string }) {
  const [status, setStatus] = useState<StatusFilter>("quarantined");
  const [page, setPage] = useState<QuarantinePage | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const client = apiClient(props.token);
  const load = async (s: StatusFilter) => {
    try {
      setPage(await client.listQuarantine({ status: s, limit: 100 }));
      setError(undefined);
    } catch (e) {
      setError(errorText(e));
    } finally {
      markReady("quarantine");
    }
  };
  useEffect(() => {
    void load(status);
  }, [status]);
  const review = async (item: QuarantineItem, decision: "release" | "reject") => {
    try {
      const after = await client.reviewQuarantined(item.id, decision);
      setNotice(
        `${decision === "release" ? "Released" : "Rejected"} ${item.id.slice(0, 12)}… (now ${after.status})`,
      );
      await load(status);
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <div>
      <div class="toolbar">
        <label for="q-status">Show</label>
        <select
          id="q-status"
          value={status}
          onChange={(e: Event) => setStatus((e.target as HTMLSelectElement).value as StatusFilter)}
        >
          {FILTERS.map(([v, l]) => (
            <option value={v} selected={v === status}>
              {l}
            </option>
          ))}
        </select>
        {page ? (
          <span class="muted" data-testid="quarantine-total">
            {fmtCount(page.total)} items
          </span>
        ) : null}
      </div>
      <p class="notice" role="status">
        {notice ?? ""}
      </p>
      <ErrorNote error={error} />
      {page?.items.length === 0 ? <p class="muted">Nothing here.</p> : null}
      <div class="results">
        {page?.items.map((item) => (
          <article class="result" data-testid="quarantine-item" data-id={item.id}>
            <header>
              <h3>
                <code>{item.assertion.concept}</code> · <code>{item.assertion.predicate}</code>
              </h3>
              {item.reasons.map((r) => (
                <Badge tone="warn">{r}</Badge>
              ))}
              <Badge
                tone={
                  item.status === "released" ? "ok" : item.status === "rejected" ? "bad" : "info"
                }
              >
                {item.status}
              </Badge>
            </header>
            <dl class="inline">
              <dt>value</dt>
              <dd>
                <JsonValue value={item.assertion.value} />
              </dd>
              <dt>agent</dt>
              <dd>
                <AgentLabel agent={item.assertion.agent} chars={12} />
              </dd>
              <dt>confidence</dt>
              <dd>{fmtDecimal(item.assertion.confidence ?? 1)}</dd>
              <dt>claimed</dt>
              <dd>{fmtTime(item.assertion.ts)}</dd>
              <dt>received</dt>
              <dd>{fmtTime(item.received_at)}</dd>
              <dt>id</dt>
              <dd>
                <Hex value={item.id} chars={16} /> (seq {item.seq})
              </dd>
            </dl>
            {item.status === "quarantined" ? (
              <div class="actions">
                <button type="button" onClick={() => review(item, "release")}>
                  Release
                </button>
                <button type="button" class="danger" onClick={() => review(item, "reject")}>
                  Reject
                </button>
              </div>
            ) : null}
          </article>
        ))}
      </div>
    </div>
  );
}
