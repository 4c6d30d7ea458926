/**
 * What the overview puts above its panels (issue 18), from `/v1/health` as
 * servers answer it: a failing archive (status "degraded" even from a server
 * that still says "ok"), a status other than "ok" (the "degraded" that
 * servers report while archival fails), and a URL not restorable yet. The
 * browser test shows a real archive failure end to end.
 */
import { describe, expect, test } from "bun:test";
import { healthWarnings, shownStatus } from "../../../src/dashboard/client/health-banner.tsx";

const archive = (fields: Record<string, unknown>) => ({
  configured: true,
  target: "s3://b/prod",
  last_error: null,
  backlog_records: 0,
  last_success_at: null,
  ...fields,
});

describe("the overview's status and warnings", () => {
  test("all well: a green ok and nothing above the panels", () => {
    const h = { status: "ok", archive: archive({}) };
    expect(shownStatus(h)).toEqual({ label: "ok", tone: "ok" });
    expect(healthWarnings(h)).toEqual([]);
    expect(healthWarnings({ status: "ok", archive: { configured: false } })).toEqual([]);
  });

  test("archival failing under a server that says ok: degraded, and the error at the top", () => {
    const h = {
      status: "ok",
      archive: archive({
        last_error: "backup_unavailable: connect ECONNREFUSED",
        backlog_records: 12,
      }),
    };
    expect(shownStatus(h)).toEqual({ label: "degraded", tone: "warn" });
    const [w, ...rest] = healthWarnings(h);
    expect(rest).toEqual([]);
    expect(w?.tone).toBe("bad");
    expect(w?.text).toContain(
      "Archiving to s3://b/prod is failing: backup_unavailable: connect ECONNREFUSED",
    );
    expect(w?.text).toContain("12 record(s) wait to ship");
    expect(w?.href).toEndWith("incident-response.md#stemedbarchivelagging");
  });

  test("a server's own degraded status, and a URL that cannot be restored from yet", () => {
    const h = { status: "degraded", archive: archive({ restorable: false }) };
    expect(shownStatus(h)).toEqual({ label: "degraded", tone: "warn" });
    const texts = healthWarnings(h).map((w) => w.text);
    expect(texts).toEqual([
      'The server reports status "degraded".',
      "s3://b/prod cannot be restored from yet: it holds no complete snapshot.",
    ]);
    expect(shownStatus({ status: "not_ready" }).tone).toBe("bad");
  });
});
