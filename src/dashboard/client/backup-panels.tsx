/**
 * Backup and archive on the overview (SPEC §7). The server reports them in
 * `/v1/health` as `backup` and `archive` objects once backups exist; until
 * then the panels say "not configured". Their members are shown as given,
 * with times (`*_at`, ms since the epoch) also as an age, so a new member
 * shows up without a dashboard change.
 */
import type { Health } from "../../client/client-types.ts";
import { fmtAge, fmtBytes, fmtCount, fmtTime } from "./format.ts";
import { Figure, Panel } from "./ui.tsx";

const label = (key: string) => key.replace(/_/g, " ").replace(/^\w/, (c) => c.toUpperCase());

function show(key: string, value: unknown): string {
  if (typeof value === "number") {
    if (key.endsWith("_at") || key === "timestamp") return `${fmtTime(value)} (${fmtAge(value)})`;
    if (key.endsWith("_bytes") || key === "bytes") return fmtBytes(value);
    return fmtCount(value);
  }
  if (typeof value === "string" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function Section(props: { title: string; data: unknown }) {
  const entries =
    typeof props.data === "object" && props.data !== null ? Object.entries(props.data) : [];
  return (
    <Panel title={props.title}>
      {entries.length === 0 ? (
        <p class="muted">not configured</p>
      ) : (
        <dl>
          {entries.map(([k, v]) => (
            <Figure label={label(k)} value={show(k, v)} />
          ))}
        </dl>
      )}
    </Panel>
  );
}

export function BackupPanels(props: { health: Health }) {
  return (
    <>
      <Section title="Backup" data={props.health.backup} />
      <Section title="WAL archive" data={props.health.archive} />
    </>
  );
}
