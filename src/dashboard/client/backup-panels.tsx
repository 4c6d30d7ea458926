/**
 * Backup and archive on the overview (SPEC §7). The server reports them in
 * `/v1/health` as `backup` and `archive` objects once they are configured;
 * until then each says "not configured". Their members are shown as given,
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

function Part(props: { title: string; data: unknown }) {
  const entries =
    typeof props.data === "object" && props.data !== null ? Object.entries(props.data) : [];
  return (
    <div class="part">
      <h3>{props.title}</h3>
      {entries.length === 0 ? (
        <p class="muted">not configured</p>
      ) : (
        <dl>
          {entries.map(([k, v]) => (
            <Figure label={label(k)} value={show(k, v)} />
          ))}
        </dl>
      )}
    </div>
  );
}

export function BackupPanel(props: { health: Health }) {
  return (
    <Panel title="Backup and archive">
      <Part title="Snapshots" data={props.health.backup} />
      <Part title="WAL archive" data={props.health.archive} />
    </Panel>
  );
}
