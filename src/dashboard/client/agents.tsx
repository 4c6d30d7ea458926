/** @jsxImportSource hono/jsx/dom */
/**
 * Agents (SPEC §3, §6): the registry — name, trust (lens `trust` weights;
 * unset means the server's default), allowed — with each agent's activity
 * (its newest visible assertion, through the `all` lens), and a form that
 * registers an agent or changes an entry (PUT merges the fields given).
 * Admin API, behind the session's token.
 */
import { useEffect, useRef, useState } from "hono/jsx/dom";
import type { AgentEntry, AgentFields, AssertionResult } from "../../client/client-types.ts";
import { refreshAgentNames } from "./agent-label.tsx";
import { apiClient, errorText } from "./api.ts";
import { fmtAge, fmtDecimal, fmtTime } from "./format.ts";
import { Badge, DataTable, ErrorNote, Hex, markReady, TextField } from "./ui.tsx";

type Activity = Record<string, AssertionResult | null>;

export function Agents(props: { token: string }) {
  const [agents, setAgents] = useState<AgentEntry[] | undefined>(undefined);
  const [activity, setActivity] = useState<Activity>({});
  const [error, setError] = useState<string | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [editing, setEditing] = useState<AgentEntry | undefined>(undefined);
  const client = apiClient(props.token);
  const load = async () => {
    try {
      const list = await client.listAgents({ limit: 100 });
      setAgents(list.agents);
      setError(undefined);
      markReady("agents");
      const latest = await Promise.all(
        list.agents.map((a) =>
          client
            .query({ agent: a.agent, lens: "all", limit: 1 })
            .then((r) => [a.agent, (r.results[0] as AssertionResult | undefined) ?? null] as const),
        ),
      );
      setActivity(Object.fromEntries(latest));
    } catch (e) {
      setError(errorText(e));
      markReady("agents");
    }
  };
  useEffect(() => {
    void load();
  }, []);
  const save = async (key: string, fields: AgentFields) => {
    try {
      await client.putAgent(key, fields);
      refreshAgentNames();
      setNotice(`Saved agent ${key.slice(0, 12)}…`);
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <div>
      <p class="notice" role="status">
        {notice ?? ""}
      </p>
      <ErrorNote error={error} />
      <DataTable
        testId="agents-table"
        headers={["agent", "name", "trust", "allowed", "latest visible assertion", "updated", ""]}
      >
        {(agents ?? []).map((a) => {
          const last = activity[a.agent];
          return (
            <tr>
              <td>
                <Hex value={a.agent} chars={12} />
              </td>
              <td>{a.name ?? <span class="muted">—</span>}</td>
              <td>{a.trust === null ? <span class="muted">default</span> : fmtDecimal(a.trust)}</td>
              <td>
                <Badge tone={a.allowed ? "ok" : "bad"}>{a.allowed ? "allowed" : "blocked"}</Badge>
              </td>
              <td>
                {last === undefined ? (
                  "…"
                ) : last === null ? (
                  <span class="muted">none</span>
                ) : (
                  <span title={fmtTime(last.ts)}>
                    <code>{last.concept}</code> · {fmtAge(last.ts)}
                  </span>
                )}
              </td>
              <td>{fmtTime(typeof a.updated_at === "number" ? a.updated_at : undefined)}</td>
              <td>
                <button
                  type="button"
                  class="secondary small"
                  aria-label={`Edit ${a.name ?? a.agent}`}
                  onClick={() => setEditing(a)}
                >
                  Edit
                </button>
              </td>
            </tr>
          );
        })}
      </DataTable>
      {agents?.length === 0 ? <p class="muted">No agent is registered yet.</p> : null}
      <AgentForm onSave={save} editing={editing} />
    </div>
  );
}

function AgentForm(props: {
  onSave: (key: string, fields: AgentFields) => void;
  editing: AgentEntry | undefined;
}) {
  const [key, setKey] = useState("");
  const [name, setName] = useState("");
  const [trust, setTrust] = useState("");
  const [allowed, setAllowed] = useState(true);
  const keyInput = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const e = props.editing;
    if (e === undefined) return;
    setKey(e.agent);
    setName(e.name ?? "");
    setTrust(e.trust === null ? "" : String(e.trust));
    setAllowed(e.allowed);
    keyInput.current?.scrollIntoView({ block: "center" });
    keyInput.current?.focus();
  }, [props.editing]);
  return (
    <form
      class="agent-form"
      aria-label="Register or update an agent"
      onSubmit={(e: Event) => {
        e.preventDefault();
        const fields: AgentFields = { allowed };
        if (name.trim() !== "") fields.name = name.trim();
        if (trust !== "") fields.trust = Number(trust);
        props.onSave(key.trim(), fields);
      }}
    >
      <h2>Register or update an agent</h2>
      <TextField
        id="a-key"
        label="Agent key"
        class="grow"
        inputRef={keyInput}
        required
        pattern="[0-9a-f]{64}"
        value={key}
        onValue={setKey}
        placeholder="64 lowercase hex chars"
      />
      <TextField id="a-name" label="Name" value={name} onValue={setName} />
      <TextField
        id="a-trust"
        label="Trust"
        class="narrow"
        type="number"
        min="0"
        max="1"
        step="0.05"
        value={trust}
        onValue={setTrust}
      />
      <div class="field check-field">
        <input
          id="a-allowed"
          type="checkbox"
          checked={allowed}
          onChange={(e: Event) => setAllowed((e.target as HTMLInputElement).checked)}
        />
        <label for="a-allowed">Allowed</label>
      </div>
      <div class="field actions">
        <button type="submit">Save</button>
      </div>
    </form>
  );
}
