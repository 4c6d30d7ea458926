/**
 * Where the operator's runbooks are (ops/docs, SPEC §8): the repository's
 * copy, the same place the systemd units' `Documentation=` names. No DOM or
 * JSX here, so the status logic that links to them is testable on its own.
 */
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
