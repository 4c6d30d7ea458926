/** @jsxImportSource hono/jsx/dom */
/**
 * Links to the operator's runbooks (ops/docs, SPEC §8) from the overview and
 * from the warnings that need one. They point at the repository's copy, the
 * same place the systemd units' `Documentation=` names.
 */
import { Panel } from "./ui.tsx";

export const DOCS_BASE = "https://github.com/stemedb/stemedb/blob/main/ops/docs";

export const RUNBOOKS = [
  {
    doc: "backup-dr.md",
    title: "Backup and DR",
    what: "restore, point-in-time recovery, the drill",
  },
  {
    doc: "incident-response.md",
    title: "Incident response",
    what: "what to do for each alert",
  },
  { doc: "monitoring.md", title: "Monitoring", what: "metrics, alerts, dashboards" },
  { doc: "backup-timers.md", title: "Backup timers", what: "what the timers run, and failures" },
  { doc: "security.md", title: "Security", what: "quarantine review, admin token rotation" },
  { doc: "deployment.md", title: "Deployment", what: "install, upgrade, roll back" },
] as const;

export function docLink(doc: string, anchor?: string): string {
  return `${DOCS_BASE}/${doc}${anchor === undefined ? "" : `#${anchor}`}`;
}

export function RunbooksPanel() {
  return (
    <Panel title="Runbooks">
      <ul class="runbooks" data-testid="runbooks">
        {RUNBOOKS.map((r) => (
          <li>
            <a href={docLink(r.doc)} rel="noopener noreferrer" target="_blank">
              {r.title}
            </a>
            <span class="note"> {r.what}</span>
          </li>
        ))}
      </ul>
    </Panel>
  );
}
