/** @jsxImportSource hono/jsx/dom */
/**
 * The history of one key (`GET /v1/history`, SPEC §3): every assertion in seq
 * order with its status, retractions included, paged with `next_cursor`.
 */
import { useEffect, useState } from "hono/jsx/dom";
import type { HistoryResponse } from "../../client/client-types.ts";
import { AgentLabel } from "./agent-label.tsx";
import { apiClient, errorText } from "./api.ts";
import { fmtDecimal, fmtTime } from "./format.ts";
import { Badge, DataTable, ErrorNote, Hex, IdLink, JsonValue, Panel } from "./ui.tsx";

const tone = (s: string) =>
  s === "accepted" || s === "released" ? "ok" : s === "rejected" ? "bad" : "warn";

export function HistoryPanel(props: {
  concept: string;
  predicate: string;
  onDetail: (id: string) => void;
  onClose: () => void;
}) {
  const [pages, setPages] = useState<HistoryResponse[]>([]);
  const [error, setError] = useState<string | undefined>(undefined);
  const load = async (cursor?: string) => {
    try {
      const page = await apiClient().history({
        concept: props.concept,
        predicate: props.predicate,
        limit: 100,
        ...(cursor === undefined ? {} : { cursor }),
      });
      setPages((p) => (cursor === undefined ? [page] : [...p, page]));
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => {
    void load();
  }, [props.concept, props.predicate]);
  const items = pages.flatMap((p) => p.items);
  const next = pages[pages.length - 1]?.next_cursor ?? null;
  return (
    <Panel title={`History of ${props.concept} · ${props.predicate}`} id="history" wide>
      <button type="button" class="secondary small close" onClick={props.onClose}>
        Close
      </button>
      <ErrorNote error={error} />
      <DataTable headers={["seq", "claim time", "agent", "value", "conf.", "status", "assertion"]}>
        {items.map((it) => (
          <tr>
            <td>{it.seq}</td>
            <td>{fmtTime(it.assertion.ts)}</td>
            <td>
              <AgentLabel agent={it.assertion.agent} />
            </td>
            <td>
              {it.assertion.retracts ? (
                <span>
                  retracts <Hex value={it.assertion.retracts} chars={8} />
                </span>
              ) : (
                <JsonValue value={it.assertion.value} />
              )}
            </td>
            <td>{fmtDecimal(it.assertion.confidence ?? 1)}</td>
            <td>
              <Badge tone={tone(it.status)}>{it.status}</Badge>
            </td>
            <td>
              <IdLink id={it.id} onOpen={props.onDetail} />
            </td>
          </tr>
        ))}
      </DataTable>
      {next !== null ? (
        <button type="button" class="secondary" onClick={() => load(next)}>
          More
        </button>
      ) : null}
    </Panel>
  );
}
