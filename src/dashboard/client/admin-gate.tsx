/** @jsxImportSource hono/jsx/dom */
/**
 * The admin token, entered once per browser session (SPEC §6, issue 11): a
 * password field whose value is checked against the server (one admin call)
 * and then kept in sessionStorage (see ./api.ts) — never in a URL, never in a
 * cookie. "Lock" forgets it. The admin pages render their content only
 * behind this gate, and get the token as a prop.
 */
import type { Child } from "hono/jsx/dom";
import { useState } from "hono/jsx/dom";
import { adminToken, apiClient, errorText, setAdminToken } from "./api.ts";
import { ErrorNote, markReady } from "./ui.tsx";

export function AdminGate(props: { page: string; render: (token: string) => Child }) {
  const [token, setToken] = useState<string | undefined>(adminToken());
  const [draft, setDraft] = useState("");
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  if (token !== undefined) {
    return (
      <div>
        <div class="admin-bar">
          <span class="muted">Admin token held for this browser session.</span>
          <button
            type="button"
            class="secondary small"
            onClick={() => {
              setAdminToken(undefined);
              setToken(undefined);
            }}
          >
            Lock
          </button>
        </div>
        {props.render(token)}
      </div>
    );
  }
  markReady(props.page);
  return (
    <form
      class="gate"
      method="post"
      aria-label="Admin token"
      onSubmit={async (e: Event) => {
        e.preventDefault();
        const candidate = draft.trim();
        if (candidate === "") return;
        setBusy(true);
        try {
          await apiClient(candidate).listAgents({ limit: 1 });
          setAdminToken(candidate);
          setDraft("");
          setError(undefined);
          setToken(candidate);
        } catch (err) {
          setError(errorText(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2>Admin token</h2>
      <p>
        This page uses the admin API. Enter the token (<code>STEMEDB_ADMIN_TOKEN</code>, or the file{" "}
        <code>admin.token</code> in the data dir); it is kept for this browser session only.
      </p>
      <div class="field">
        <label for="admin-token">Token</label>
        <input
          id="admin-token"
          name="token"
          type="password"
          autocomplete="off"
          required
          value={draft}
          onInput={(e: Event) => setDraft((e.target as HTMLInputElement).value)}
        />
      </div>
      <button type="submit" disabled={busy}>
        Unlock
      </button>
      <ErrorNote error={error} />
    </form>
  );
}
