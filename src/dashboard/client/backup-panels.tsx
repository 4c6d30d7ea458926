/** @jsxImportSource hono/jsx/dom */
/**
 * Backup and archive on the overview (SPEC §7), from `/v1/health`: `archive`
 * is `{configured: false}` without `--archive-to`, else the archiver's status
 * (target, archived LSN, backlog, lag, last success and error, what was
 * shipped, and `backup_last_success_at`, the newest complete snapshot found
 * at the target). A `backup` object, if a server reports one, is shown as
 * given. Times (`*_at`: ISO strings or ms) are shown with their age.
 */
import type { Health } from "../../client/client-types.ts";
import { fmtAge, fmtBytes, fmtCount, fmtDuration, fmtTime } from "./format.ts";
import { Badge, Figure, Panel } from "./ui.tsx";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {};
const label = (key: string) =>
  key
    .replace(/_seconds$/, "")
    .replace(/_/g, " ")
    .replace(/\blsn\b/g, "LSN")
    .replace(/^\w/, (c) => c.toUpperCase());

function when(value: unknown): string {
  const ms = typeof value === "string" ? Date.parse(value) : Number(value);
  return Number.isFinite(ms) ? `${fmtTime(ms)} (${fmtAge(ms)})` : String(value);
}

function show(key: string, value: unknown): string {
  if (value === null) return key === "last_error" ? "none" : "—";
  if (key.endsWith("_at") || key === "timestamp") return when(value);
  if (typeof value === "number") {
    if (key.endsWith("_bytes") || key === "bytes") return fmtBytes(value);
    if (key.endsWith("_seconds")) return fmtDuration(value * 1000);
    return fmtCount(value);
  }
  if (typeof value === "object") {
    return Object.entries(value as Obj)
      .map(([k, v]) => `${k} ${show(k, v)}`)
      .join(" · ");
  }
  return String(value);
}

function Entries(props: { data: Obj; skip?: string[] }) {
  return (
    <dl>
      {Object.entries(props.data)
        .filter(([k]) => !props.skip?.includes(k))
        .map(([k, v]) => (
          <Figure
            label={label(k)}
            value={
              k === "last_error" && v !== null ? <Badge tone="bad">{String(v)}</Badge> : show(k, v)
            }
          />
        ))}
    </dl>
  );
}

const NOT_CONFIGURED = <p class="muted">not configured</p>;

export function BackupPanel(props: { health: Health }) {
  const archive = obj(props.health.archive);
  const backup = obj(props.health.backup);
  const archiving = archive.configured === true;
  const newest = archive.backup_last_success_at;
  return (
    <Panel title="Backup and archive" wide>
      <div class="part">
        <h3>Snapshots</h3>
        {Object.keys(backup).length > 0 ? (
          <Entries data={backup} />
        ) : archiving ? (
          <dl>
            <Figure
              label="Newest snapshot"
              value={typeof newest === "string" ? when(newest) : "none found at the target"}
            />
          </dl>
        ) : (
          NOT_CONFIGURED
        )}
      </div>
      <div class="part archive">
        <h3>WAL archive</h3>
        {archiving ? (
          <Entries data={archive} skip={["configured", "backup_last_success_at"]} />
        ) : (
          NOT_CONFIGURED
        )}
      </div>
    </Panel>
  );
}
