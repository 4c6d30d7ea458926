/**
 * The result of each `stemedb dr-drill` kept at the URL it drilled (SPEC §7,
 * issue 18), so the dashboard and anyone with the URL can see the last drill:
 *
 *   drills/<started, 20261130T130501123Z>.json   the drill's JSON report plus `at`
 *
 * Plain JSON, immutable like every object (a new key per drill), beside
 * `snapshots/` and `archive/`, which restore, verify and prune list by their
 * own prefixes and so never see these. A listing orders them by time.
 */
import { compactTime } from "./backup-layout.ts";
import type { DrillSummary } from "./backup-overview.ts";
import type { BackupTarget } from "./backup-target.ts";
import type { DrillReport } from "./dr-drill.ts";

export const DRILLS_PREFIX = "drills/";

export function drillKey(atMs: number): string {
  return `${DRILLS_PREFIX}${compactTime(atMs)}.json`;
}

/** Writes the drill's report under a new `drills/` key; returns the key. */
export async function recordDrill(
  target: BackupTarget,
  report: DrillReport,
  atMs: number,
): Promise<string> {
  const key = drillKey(atMs);
  const body = JSON.stringify({ at: new Date(atMs).toISOString(), ...report }, null, 2);
  await target.put(key, new TextEncoder().encode(`${body}\n`));
  return key;
}

/** The newest recorded drill, or null when none is (or it does not parse: `problems` says so). */
export async function latestDrill(target: BackupTarget): Promise<DrillSummary | null> {
  const keys = (await target.list(DRILLS_PREFIX)).filter((o) => o.key.endsWith(".json"));
  const newest = keys.at(-1)?.key;
  if (newest === undefined) return null;
  const bytes = await target.get(newest);
  try {
    const r = JSON.parse(new TextDecoder().decode(bytes)) as Partial<DrillReport> & {
      at?: string;
    };
    return {
      key: newest,
      at: String(r.at),
      ok: r.ok === true,
      problems: Array.isArray(r.problems) ? r.problems.map(String) : [],
      restored_tree_size: r.restored?.tree_size ?? null,
      rto_ms: r.rto_ms?.total ?? null,
      rpo_records: r.rpo?.records ?? null,
      rpo_seconds: r.rpo?.seconds ?? null,
      consistency: String(r.consistency ?? "not checked"),
    };
  } catch (e) {
    return {
      key: newest,
      at: "",
      ok: false,
      problems: [`${newest} is not a drill report: ${(e as Error).message}`],
      restored_tree_size: null,
      rto_ms: null,
      rpo_records: null,
      rpo_seconds: null,
      consistency: "not checked",
    };
  }
}
