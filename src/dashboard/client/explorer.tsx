/** @jsxImportSource hono/jsx/dom */
/**
 * Explorer (issue 11): any concept (exact, prefix, tail) and predicate through
 * any lens (SPEC §4), conflicts side by side, a time-travel control over tree
 * sizes (`as_of`), the history of a key, and each assertion's detail with its
 * proof verified in this browser. Queries go through the SDK's `query()`
 * (POST /v1/query): the same path as curl and the CLI.
 */
import { useEffect, useRef, useState } from "hono/jsx/dom";
import type { AssertionResult, KeyResult, QueryResponse } from "../../client/client-types.ts";
import { AgentLabel } from "./agent-label.tsx";
import { apiClient, errorText } from "./api.ts";
import { AssertionDetail } from "./assertion-detail.tsx";
import { fmtCount, fmtDecimal, fmtTime } from "./format.ts";
import { HistoryPanel } from "./history-panel.tsx";
import { KeyResultCard } from "./key-result.tsx";
import {
  type FormState,
  formFromUrl,
  formToUrl,
  hasFilter,
  QueryForm,
  queryParams,
} from "./query-form.tsx";
import { TimeTravel } from "./time-travel.tsx";
import { DataTable, ErrorNote, Hex, IdLink, JsonValue, markReady } from "./ui.tsx";

interface Answer {
  pages: QueryResponse[];
  form: FormState;
  asOf: number | undefined;
}

export function Explorer() {
  const initial = formFromUrl(location.search);
  const [form, setForm] = useState<FormState>(initial.form);
  const [asOf, setAsOf] = useState<number | undefined>(initial.asOf);
  const [treeSize, setTreeSize] = useState(0);
  const [answer, setAnswer] = useState<Answer | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [historyKey, setHistoryKey] = useState<[string, string] | undefined>(undefined);
  const [detailId, setDetailId] = useState<string | undefined>(undefined);

  // Answers can arrive out of order (the slider asks again as it moves): only the latest counts.
  const latest = useRef(0);
  const run = async (f: FormState, at: number | undefined, cursor?: string) => {
    if (!hasFilter(f)) return;
    const mine = ++latest.current;
    setBusy(true);
    try {
      const client = apiClient();
      const [page, root] = await Promise.all([
        client.query(queryParams(f, at, cursor)),
        client.root(),
      ]);
      if (mine !== latest.current) return;
      setTreeSize(root.tree_size);
      setAnswer((prev) =>
        cursor !== undefined && prev
          ? { ...prev, pages: [...prev.pages, page] }
          : { pages: [page], form: f, asOf: at },
      );
      setError(undefined);
      history.replaceState(null, "", formToUrl(f, at));
    } catch (e) {
      if (mine === latest.current) setError(errorText(e));
    } finally {
      if (mine === latest.current) setBusy(false);
      markReady("explorer");
    }
  };

  useEffect(() => {
    if (hasFilter(initial.form)) void run(initial.form, initial.asOf);
    else
      apiClient()
        .root()
        .then((r) => setTreeSize(r.tree_size))
        .catch((e) => setError(errorText(e)))
        .finally(() => markReady("explorer"));
  }, []);

  const travel = (at: number | undefined) => {
    setAsOf(at);
    if (answer) void run(answer.form, at);
  };
  const last = answer?.pages[answer.pages.length - 1];
  const results: (AssertionResult | KeyResult)[] =
    answer?.pages.flatMap((p): (AssertionResult | KeyResult)[] => p.results) ?? [];
  const keyLens = answer !== undefined && answer.form.lens !== "all";
  return (
    <div>
      <QueryForm
        form={form}
        onChange={setForm}
        busy={busy}
        onSubmit={() => {
          setAnswer(undefined);
          void run(form, asOf);
        }}
      />
      <TimeTravel treeSize={treeSize} asOf={asOf} onChange={travel} />
      <ErrorNote error={error} />
      {last ? (
        <p class="summary" role="status" data-testid="query-summary">
          {fmtCount(results.length)} {keyLens ? "keys" : "assertions"} through the{" "}
          <strong>{last.lens}</strong> lens at tree size {fmtCount(last.tree_size)}
          {answer?.asOf !== undefined
            ? " (time travel: assertions only; trust and review state are today's)"
            : ""}
          {" · root "}
          <Hex value={last.root} chars={12} />
        </p>
      ) : null}
      {detailId ? <AssertionDetail id={detailId} onClose={() => setDetailId(undefined)} /> : null}
      {historyKey ? (
        <HistoryPanel
          concept={historyKey[0]}
          predicate={historyKey[1]}
          onDetail={setDetailId}
          onClose={() => setHistoryKey(undefined)}
        />
      ) : null}
      {answer === undefined ? (
        <p class="muted">Name a concept, a predicate or an agent, pick a lens, and press Query.</p>
      ) : results.length === 0 ? (
        <p class="muted">No visible assertions match at this tree size.</p>
      ) : keyLens ? (
        <div class="results">
          {(results as KeyResult[]).map((r) => (
            <KeyResultCard
              result={r}
              onHistory={(c, p) => setHistoryKey([c, p])}
              onDetail={setDetailId}
            />
          ))}
        </div>
      ) : (
        <AllTable rows={results as AssertionResult[]} onDetail={setDetailId} />
      )}
      {last?.next_cursor && answer ? (
        <button
          type="button"
          class="secondary"
          onClick={() => run(answer.form, answer.asOf, last.next_cursor ?? undefined)}
        >
          More
        </button>
      ) : null}
    </div>
  );
}

function AllTable(props: { rows: AssertionResult[]; onDetail: (id: string) => void }) {
  return (
    <DataTable
      headers={[
        "concept",
        "predicate",
        "value",
        "conf.",
        "agent",
        "claim time",
        "seq",
        "assertion",
      ]}
    >
      {props.rows.map((r) => (
        <tr>
          <td>
            <code>{r.concept}</code>
          </td>
          <td>
            <code>{r.predicate}</code>
          </td>
          <td>
            <JsonValue value={r.value} />
          </td>
          <td>{fmtDecimal(r.confidence)}</td>
          <td>
            <AgentLabel agent={r.agent} />
          </td>
          <td>{fmtTime(r.ts)}</td>
          <td>{r.seq}</td>
          <td>
            <IdLink id={r.id} onOpen={props.onDetail} />
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
