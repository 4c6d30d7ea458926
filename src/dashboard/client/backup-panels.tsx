/** @jsxImportSource hono/jsx/dom */
/**
 * Backup and archive on the overview (SPEC §7), from `/v1/health`: `archive`
 * is `{configured: false}` without `--archive-to`, else the archiver's status
 * (target, archived LSN, backlog, lag, last success and error, what was
 * shipped, and `backup_last_success_at`, the newest complete snapshot found
 * at the target). A `backup` object, if a server reports one, is shown as
 * given. `listing` is `GET /v1/backup` (issue 18): the snapshots the URL holds,
 * newest first, and the last recorded dr-drill. Times (`*_at`: ISO strings or
 * ms) are shown with their age.
 */
import type { BackupOverview } from "../../backup/backup-overview.ts";
import type { Health } from "../../client/client-types.ts";
import { fmtAge, fmtBytes, fmtCount, fmtDuration, fmtTime } from "./format.ts";
import { docLink } from "./runbook-links.ts";
import { Badge, DataTable, Figure, Panel } from "./ui.tsx";

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

/** `GET /v1/backup`, as the server answers it (src/http/routes/backup.ts). */
export type BackupListingView = { configured: boolean } & Partial<BackupOverview>;

function SnapshotList(props: { listing: BackupListingView }) {
  const l = props.listing;
  const shown = l.snapshots ?? [];
  if (l.listed_at === null || l.listed_at === undefined) {
    return <p class="muted">{l.error ? `cannot list the URL: ${l.error}` : "listing…"}</p>;
  }
  if (shown.length === 0) return <p class="muted">none at the URL</p>;
  return (
    <>
      <DataTable headers={["snapshot", "LSN", "taken", "stored"]} testId="snapshot-list">
        {shown.map((s) => (
          <tr>
            <td>
              <code>{s.prefix}</code>
            </td>
            <td>{fmtCount(s.last_lsn)}</td>
            <td>{when(s.created_at)}</td>
            <td>{fmtBytes(s.stored_bytes)}</td>
          </tr>
        ))}
      </DataTable>
      <p class="note">
        {fmtCount(l.snapshot_count)} complete snapshot(s), listed {when(l.listed_at)}
        {(l.snapshot_count ?? 0) > shown.length ? `; the ${shown.length} newest shown` : ""}
        {l.error ? ` (the last listing failed: ${l.error})` : ""}
      </p>
    </>
  );
}

function LastDrill(props: { listing: BackupListingView }) {
  const d = props.listing.last_drill;
  if (d === undefined) return null;
  return (
    <div class="part" data-testid="last-drill">
      <h3>Last DR drill</h3>
      {d === null ? (
        <p class="muted">
          none recorded at the URL (<code>stemedb dr-drill --from URL</code> records one;{" "}
          <a href={docLink("backup-dr.md")} rel="noopener noreferrer" target="_blank">
            the drill
          </a>
          )
        </p>
      ) : (
        <dl>
          <Figure
            label="Result"
            value={<Badge tone={d.ok ? "ok" : "bad"}>{d.ok ? "passed" : "failed"}</Badge>}
            note={d.problems.length > 0 ? d.problems.join("; ") : undefined}
          />
          <Figure label="When" value={when(d.at)} />
          <Figure label="Restored tree size" value={fmtCount(d.restored_tree_size ?? undefined)} />
          <Figure label="RTO" value={d.rto_ms === null ? "—" : fmtDuration(d.rto_ms)} />
          <Figure
            label="RPO gap"
            value={
              d.rpo_records === null
                ? "not measured (no --source)"
                : `${fmtCount(d.rpo_records)} record(s)${d.rpo_seconds === null ? "" : `, ${fmtDuration(d.rpo_seconds * 1000)}`}`
            }
          />
          <Figure label="Consistency proof" value={d.consistency} />
        </dl>
      )}
    </div>
  );
}

export function BackupPanel(props: { health: Health; listing?: BackupListingView | undefined }) {
  const archive = obj(props.health.archive);
  const backup = obj(props.health.backup);
  const archiving = archive.configured === true;
  const newest = archive.backup_last_success_at;
  const listing = props.listing?.configured ? props.listing : undefined;
  return (
    <Panel title="Backup and archive" wide>
      <div class="part">
        <h3>Snapshots</h3>
        {listing !== undefined ? (
          <SnapshotList listing={listing} />
        ) : Object.keys(backup).length > 0 ? (
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
      {listing !== undefined ? <LastDrill listing={listing} /> : null}
    </Panel>
  );
}
