/**
 * `stemedb dr-drill` (SPEC §7): the disaster-recovery rehearsal. Restores the
 * latest backup plus archive into a scratch dir, starts a server on it, waits
 * until it is ready, and — given the live source's URL — proves the restored
 * tree is a prefix of the source's with a consistency proof the source serves
 * (RFC 9162 §2.1.4, verified client-side). Reports the measured RTO (restore +
 * start until ready) and the RPO gap (the source's tree size minus the restored
 * one, and the time between the newest restored record and the source's tree
 * head). The restore trusts the URL's redactions (SPEC §12) as `restore` does:
 * signed by an operator of the restored registry or a pinned `operatorKeys`
 * key, else the drill fails with `operator_required`. The server is injected
 * (`start`) so this stays free of HTTP framework code; the CLI passes the real
 * one.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FetchLike, StemeClient } from "../client/steme-client.ts";
import { consistencyProblem } from "../client/verify-proof.ts";
import { StemeError } from "../errors.ts";
import { type SignedTreeHead, verifyTreeHead } from "../merkle/tree-head.ts";
import type { BackupTarget } from "./backup-target.ts";
import { type RestoreReport, restoreDataDir } from "./restore-data-dir.ts";

export interface DrillServer {
  url: string;
  stop(): Promise<void>;
}

export interface DrillOptions {
  target: BackupTarget;
  /** The live server's URL, to compare with. */
  source?: string;
  fetch: FetchLike;
  start: (dataDir: string) => Promise<DrillServer>;
  now?: () => number;
  /** Keep the scratch data dir (its path is in the report). */
  keep?: boolean;
  /** Operator keys trusted to have signed the URL's redactions besides the restored registry's (`--operator-key`). */
  operatorKeys?: readonly string[];
}

export interface DrillReport {
  ok: boolean;
  problems: string[];
  url: string;
  /** The restored scratch dir, when kept. */
  data_dir: string | null;
  restored: SignedTreeHead | null;
  /** The operator keys pinned for the restore's redaction ledger check (SPEC §12). */
  operator_keys: string[];
  source: SignedTreeHead | null;
  consistency: "verified" | "not checked" | "failed";
  /** Recovery time: restore (plan, verify, place, replay) + server start until ready. */
  rto_ms: { restore: number; start: number; total: number };
  /** Recovery point: what the restore lacks against the source (null without --source). */
  rpo: { records: number; seconds: number | null } | null;
  /** Age of the newest restored record at the end of the drill. */
  data_age_seconds: number | null;
  restore: Pick<RestoreReport, "plan" | "tree_heads_checked"> | null;
}

const READY_TIMEOUT_MS = 60_000;

export async function drDrill(o: DrillOptions): Promise<DrillReport> {
  const now = o.now ?? Date.now;
  const scratch = mkdtempSync(join(tmpdir(), "stemedb-dr-drill-"));
  const dataDir = join(scratch, "data");
  const report: DrillReport = {
    ok: false,
    problems: [],
    url: o.target.url,
    data_dir: dataDir,
    restored: null,
    operator_keys: [...(o.operatorKeys ?? [])],
    source: null,
    consistency: "not checked",
    rto_ms: { restore: 0, start: 0, total: 0 },
    rpo: null,
    data_age_seconds: null,
    restore: null,
  };
  let server: DrillServer | undefined;
  try {
    const t0 = performance.now();
    const restored = await restoreDataDir({
      target: o.target,
      dataDir,
      point: { kind: "latest" },
      operatorKeys: report.operator_keys,
    });
    const t1 = performance.now();
    report.restore = { plan: restored.plan, tree_heads_checked: restored.tree_heads_checked };
    server = await o.start(dataDir);
    const client = new StemeClient({ baseUrl: server.url, fetch: o.fetch });
    await waitReady(o.fetch, server.url);
    const t2 = performance.now();
    report.rto_ms = { restore: ms(t1 - t0), start: ms(t2 - t1), total: ms(t2 - t0) };
    const head = await client.root();
    report.restored = head;
    if (!verifyTreeHead(head))
      report.problems.push("the restored server's tree head does not verify");
    if (head.root !== restored.root) {
      report.problems.push(
        `the restored server serves root ${head.root}, the restore produced ${restored.root}`,
      );
    }
    const lastAt = restored.staged.last_record_at;
    report.data_age_seconds = lastAt === null ? null : (now() - lastAt) / 1000;
    if (o.source !== undefined) await compare(o, head, lastAt, report);
  } catch (e) {
    // A target that refuses the credentials is a configuration error, not a failed drill (SPEC §7).
    if (e instanceof StemeError && e.code === "config_invalid") throw e;
    // The code first (operator_required, backup_gap, …), for whoever greps the recorded report.
    report.problems.push(
      e instanceof StemeError
        ? `${e.code}: ${e.message}`
        : e instanceof Error
          ? e.message
          : String(e),
    );
  } finally {
    await server?.stop();
    if (!o.keep) {
      rmSync(scratch, { recursive: true, force: true });
      report.data_dir = null;
    }
  }
  report.ok = report.problems.length === 0;
  return report;
}

async function compare(
  o: DrillOptions,
  restored: SignedTreeHead,
  lastAt: number | null,
  report: DrillReport,
): Promise<void> {
  const source = new StemeClient({ baseUrl: o.source as string, fetch: o.fetch });
  const head = await source.root();
  report.source = head;
  if (!verifyTreeHead(head)) report.problems.push("the source's tree head does not verify");
  if (restored.tree_size > head.tree_size) {
    report.consistency = "failed";
    report.problems.push(
      `the restored tree (size ${restored.tree_size}) is larger than the source's (${head.tree_size}): not the same history`,
    );
    return;
  }
  const proof = await source.consistencyProof(restored.tree_size, head.tree_size);
  const problem = consistencyProblem(restored, head, proof);
  report.consistency = problem === undefined ? "verified" : "failed";
  if (problem !== undefined) report.problems.push(`consistency with the source: ${problem}`);
  const records = head.tree_size - restored.tree_size;
  report.rpo = {
    records,
    seconds:
      records === 0 ? 0 : lastAt === null ? null : Math.max(0, head.timestamp - lastAt) / 1000,
  };
}

async function waitReady(fetch: FetchLike, url: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const res = await fetch(`${url}/v1/health/ready`).catch(() => undefined);
    await res?.body?.cancel();
    if (res?.status === 200) return;
    if (Date.now() > deadline)
      throw new Error(`the restored server at ${url} was not ready within ${READY_TIMEOUT_MS} ms`);
    await Bun.sleep(20);
  }
}

function ms(x: number): number {
  return Math.round(x);
}
