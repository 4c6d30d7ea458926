/** @jsxImportSource hono/jsx/dom */
/**
 * What is wrong, at the top of the overview (issue 18): a health `status`
 * other than "ok", an archive that fails to ship (`archive.last_error`: a green
 * "ok" beside it would lie, so the status reads "degraded" then even from a
 * server that still says "ok"), and a backup URL that cannot be restored from
 * (`archive.restorable: false`). Each with the runbook that says what to do.
 * Fields a server does not report are simply not shown.
 */
import type { Health } from "../../client/client-types.ts";
import { fmtAge, fmtCount } from "./format.ts";
import { docLink } from "./runbook-links.ts";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {};

/** The archive's error while it fails to ship, if any. */
function archiveError(h: Health): string | undefined {
  const archive = obj(h.archive);
  return archive.configured === true && typeof archive.last_error === "string"
    ? archive.last_error
    : undefined;
}

/** The status to show: the server's, but never a green "ok" while archival fails. */
export function shownStatus(h: Health): { label: string; tone: "ok" | "warn" | "bad" } {
  const status = String(h.status ?? "unknown");
  if (status === "ok") {
    return archiveError(h) === undefined
      ? { label: "ok", tone: "ok" }
      : { label: "degraded", tone: "warn" };
  }
  return { label: status, tone: status === "degraded" ? "warn" : "bad" };
}

interface Warning {
  tone: "warn" | "bad";
  text: string;
  href: string;
  link: string;
}

export function healthWarnings(h: Health): Warning[] {
  const out: Warning[] = [];
  const archive = obj(h.archive);
  const error = archiveError(h);
  if (error !== undefined) {
    const since =
      typeof archive.last_success_at === "string" ? Date.parse(archive.last_success_at) : NaN;
    const backlog =
      typeof archive.backlog_records === "number" ? archive.backlog_records : undefined;
    out.push({
      tone: "bad",
      text:
        `Archiving to ${String(archive.target ?? "the backup URL")} is failing: ${error}. ` +
        `Writes go on; ${fmtCount(backlog)} record(s) wait to ship` +
        (Number.isFinite(since) ? `, last shipped ${fmtAge(since)}.` : ", nothing shipped yet."),
      href: docLink("incident-response.md", "stemedbarchivelagging"),
      link: "What to do",
    });
  } else if (String(h.status ?? "ok") !== "ok") {
    out.push({
      tone: h.status === "degraded" ? "warn" : "bad",
      text: `The server reports status "${String(h.status)}".`,
      href: docLink("incident-response.md"),
      link: "Incident response",
    });
  }
  if (archive.configured === true && archive.restorable === false) {
    out.push({
      tone: "warn",
      text: `${String(archive.target ?? "The backup URL")} cannot be restored from yet: it holds no complete snapshot.`,
      href: docLink("backup-dr.md"),
      link: "Backup and DR",
    });
  }
  return out;
}

export function HealthBanner(props: { health: Health }) {
  const warnings = healthWarnings(props.health);
  if (warnings.length === 0) return null;
  return (
    <div class="banners" role="alert" data-testid="health-banner">
      {warnings.map((w) => (
        <p class={`banner ${w.tone}`}>
          {w.text}{" "}
          <a href={w.href} rel="noopener noreferrer" target="_blank">
            {w.link}
          </a>
        </p>
      ))}
    </div>
  );
}
