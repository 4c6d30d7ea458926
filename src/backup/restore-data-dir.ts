/**
 * `stemedb restore` (SPEC §7): plan, verify every object while staging it in a
 * scratch dir beside DIR, and only then place it: a non-empty DIR is refused
 * without `force`, one in use by a server always. The snapshot becomes
 * `db/state.sqlite` and the records after it a segment log, so `Engine.open`
 * replays them with the engine's own recovery — the one apply path
 * (src/engine/apply.ts) — exactly as after a crash. It ends by checking the
 * restored tree against every signed tree head the backup holds up to its size
 * (the snapshot's own at least): each signature, and the root at that size.
 *
 * Histories (SPEC §7): it restores the newest history of the URL, or
 * `history`, and the restored data dir starts a NEW history whose parent is
 * the one restored and whose branch LSN is the last record restored
 * (history.json, written before the engine opens it) — as PostgreSQL ends
 * every archive recovery on a new timeline — so a server started on it can
 * never ship into the history it came from. A point the URL cannot reach
 * (before its oldest snapshot, before anything, beyond a gap) is an error that
 * names what it can restore, never an empty data dir.
 */

import { Database } from "bun:sqlite";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { mkdirDurable, syncDirectory, writeFileDurable } from "../durable-file.ts";
import { lockDataDir } from "../engine/data-dir-lock.ts";
import { Engine } from "../engine/engine.ts";
import { type DomainRecord, RecordType } from "../engine/log-records.ts";
import { StemeError } from "../errors.ts";
import { toHex } from "../hex.ts";
import { type Logger, silentLogger } from "../logger.ts";
import { NODE_KEY_FILE } from "../merkle/node-key.ts";
import { type SignedTreeHead, verifyTreeHead } from "../merkle/tree-head.ts";
import { writeDataDirLedger } from "../redaction/data-dir-ledger.ts";
import { assertLedgerTrusted, RegistryRoles } from "../redaction/ledger-trust.ts";
import { readLedger } from "../redaction/redaction-ledger.ts";
import { mixedError, overlapDiffers } from "./archive-overlap.ts";
import type { BackupTarget } from "./backup-target.ts";
import { writeDataDirHistory } from "./data-dir-history.ts";
import { branchHistory, type HistoryRecord } from "./history.ts";
import { gapError, planRestore, type RestorePlan, unreachableError } from "./restore-plan.ts";
import { describePoint, type RestorePoint } from "./restore-point.ts";
import { type StageResult, stageRestore, type VerifiedObject } from "./stage-restore.ts";

export interface RestoreOptions {
  target: BackupTarget;
  dataDir: string;
  point: RestorePoint;
  force?: boolean;
  dryRun?: boolean;
  /** Snapshot prefixes to pass over. */
  excludeSnapshots?: readonly string[];
  /** The history to restore (default: the newest). */
  history?: string;
  now?: () => number;
  /**
   * Tree heads the operator holds (write receipts, `stemedb proof --save-sth`),
   * checked like the backup's own; signatures are the caller's to check first.
   */
  treeHeads?: readonly { key: string; sth: SignedTreeHead }[];
  /** A node key file to install, so the restored server signs with the original identity. */
  nodeKeyFile?: string;
  /** Operator keys trusted to have signed the ledger's redactions besides the restored registry's operators. */
  operatorKeys?: readonly string[];
  logger?: Logger;
  onStep?: (detail: string) => void;
  /** Called for each object once it passed every check (verify --backup skips fetching it again). */
  onVerified?: (object: VerifiedObject) => void;
}

export interface TreeHeadCheck {
  key: string;
  tree_size: number;
  root: string;
}

export interface RestoreReport {
  url: string;
  data_dir: string;
  dry_run: boolean;
  point: string;
  /** The history restored; every history the URL holds. */
  history: string;
  histories: RestorePlan["histories"];
  /** The restored data dir's own new history (null for a dry run). */
  new_history: HistoryRecord | null;
  plan: Pick<RestorePlan, "from_lsn" | "to_lsn" | "gap" | "skipped" | "reach"> & {
    snapshot: string | null;
    sources: { key: string; first_lsn: number; last_lsn: number }[];
  };
  staged: StageResult;
  /** Redactions in the URL's ledger, each applied to the restored data dir (SPEC §12). */
  redactions: number;
  /** The restored root (null for a dry run, which places nothing). */
  root: string | null;
  tree_heads_checked: TreeHeadCheck[];
  /** Given tree heads (`treeHeads`) past the restored size: the restore lacks what they cover. */
  tree_heads_beyond: { key: string; tree_size: number }[];
  /** A checked tree head is for exactly the restored size. */
  exact_tree_head: boolean;
  millis: { verify: number; replay: number; total: number };
}

export async function restoreDataDir(o: RestoreOptions): Promise<RestoreReport> {
  const started = performance.now();
  const step = o.onStep ?? (() => {});
  step(`planning a restore of ${describePoint(o.point)} from ${o.target.url}`);
  const plan = await planRestore(o.target, o.point, o.excludeSnapshots, o.history);
  if (plan.snapshot === null && plan.sources.length === 0) {
    // Nothing to start from: no snapshot holds nothing past the point, and the archive does not start at lsn 1.
    throw unreachableError(
      plan,
      o.point.kind === "latest"
        ? "there is no snapshot to start from and the archive does not start at lsn 1"
        : `${describePoint(o.point)} is before the oldest point this URL can restore`,
    );
  }
  if (plan.gap !== null && o.point.kind === "latest") {
    throw gapError(
      plan,
      plan.gap,
      "the latest records cannot be restored: restore to a point before the gap (--until-seq / --until-time), or ship the missing range",
    );
  }
  if (!o.dryRun) assertReplaceable(o.dataDir, o.force === true);
  const parent = dirname(resolve(o.dataDir));
  let staging: string | undefined;
  if (!o.dryRun) {
    mkdirSync(parent, { recursive: true });
    staging = mkdtempSync(join(parent, ".stemedb-restore-"));
    mkdirSync(join(staging, "db"));
  }
  try {
    const agentRecords: DomainRecord[] = []; // registry changes up to the point (ledger-trust.ts)
    const staged = await stageRestore(
      o.target,
      plan,
      staging,
      (key) => step(`verifying ${key}`),
      o.onVerified,
      (record) => {
        if (record.type === RecordType.agent) agentRecords.push(record);
      },
    );
    if (plan.snapshot === null && staged.records === 0) {
      throw unreachableError(
        plan,
        `${describePoint(o.point)} is before the first record: the restore would be an empty database`,
      );
    }
    if (o.point.kind !== "latest" && !staged.point_reached) {
      if (plan.gap !== null)
        throw gapError(plan, plan.gap, `${describePoint(o.point)} may lie beyond it`);
      if (o.point.kind === "seq") {
        throw new StemeError(
          "invalid_field",
          `the backup holds seq up to ${staged.tree_size}, not ${o.point.seq}`,
          { field: "until_seq" },
        );
      }
    }
    // SPEC §7: never a mixed history. Objects of one history that overlap what was taken must agree.
    for (const { source, other, take_to } of plan.overlaps) {
      const lsn = await overlapDiffers(o.target, source, other);
      if (lsn !== undefined && lsn <= Math.min(staged.last_lsn, take_to)) {
        throw mixedError(plan.history, source.key, other.key, lsn);
      }
    }
    // SPEC §12: every redaction the URL knows is applied, also past the point (data-dir-ledger.ts).
    const ledger = await readLedger(o.target);
    if (staging !== undefined && ledger.length > 0) {
      // SPEC §12: applied only when signed by an operator (ledger-trust.ts); the dry run places
      // no state to read the registry from, so it checks the signatures only.
      const registry = new RegistryRoles();
      if (plan.snapshot !== null) registry.loadState(join(staging, "db", "state.sqlite"));
      for (const record of agentRecords) registry.apply(record);
      assertLedgerTrusted(ledger, new Set([...registry.operators(), ...(o.operatorKeys ?? [])]));
    }
    const verified = performance.now();
    const report: RestoreReport = {
      url: o.target.url,
      data_dir: o.dataDir,
      dry_run: o.dryRun === true,
      point: describePoint(o.point),
      history: plan.history,
      histories: plan.histories,
      new_history: null,
      plan: {
        snapshot: plan.snapshot?.prefix ?? null,
        sources: plan.sources.map((s) => ({
          key: s.key,
          first_lsn: s.first_lsn,
          last_lsn: s.last_lsn,
        })),
        from_lsn: plan.from_lsn,
        to_lsn: plan.to_lsn,
        gap: plan.gap,
        reach: plan.reach,
        skipped: plan.skipped,
      },
      staged,
      redactions: ledger.length,
      root: null,
      tree_heads_checked: [],
      tree_heads_beyond: [],
      exact_tree_head: false,
      millis: { verify: Math.round(verified - started), replay: 0, total: 0 },
    };
    if (staging !== undefined && ledger.length > 0) writeDataDirLedger(staging, ledger);
    if (staging !== undefined) {
      step(`placing into ${o.dataDir} and replaying ${staged.records} record(s)`);
      report.new_history = branchHistory(plan.history, staged.last_lsn, (o.now ?? Date.now)());
      place(staging, o.dataDir, o.nodeKeyFile, report.new_history);
      const engine = await Engine.open({ dataDir: o.dataDir, logger: o.logger ?? silentLogger });
      try {
        report.root = toHex(engine.tree.root());
        const given = o.treeHeads ?? [];
        report.tree_heads_checked = checkTreeHeads([...plan.tree_heads, ...given], engine, staged);
        report.tree_heads_beyond = given
          .filter((t) => t.sth.tree_size > staged.tree_size)
          .map((t) => ({ key: t.key, tree_size: t.sth.tree_size }));
        report.exact_tree_head = report.tree_heads_checked.some(
          (c) => c.tree_size === staged.tree_size,
        );
      } finally {
        await engine.close();
      }
      if (ledger.length > 0 && plan.snapshot !== null) rebuildState(o.dataDir);
      report.millis.replay = Math.round(performance.now() - verified);
    }
    report.millis.total = Math.round(performance.now() - started);
    return report;
  } catch (e) {
    throw asStorageError(e, o.dataDir);
  } finally {
    if (staging !== undefined) rmSync(staging, { recursive: true, force: true });
  }
}

function assertReplaceable(dataDir: string, force: boolean): void {
  if (!existsSync(dataDir)) return;
  const entries = readdirSync(dataDir);
  if (entries.length > 0 && !force) {
    throw new StemeError(
      "data_dir_not_empty",
      `${dataDir} is not empty (${entries.slice(0, 5).join(", ")}${entries.length > 5 ? ", …" : ""}): restore into an empty or new dir, or pass --force to replace what it holds`,
      { field: "data_dir" },
    );
  }
}

/**
 * Replaces DIR's contents with the staged db/ and wal/, holding DIR's LOCK (so
 * never under a server). Durable when it returns (ops/docs/durability.md): the
 * staged files were fsynced, db/ and DIR (and DIR's own name) are fsynced here,
 * so a power cut after `restore` exited 0 cannot take the restore back.
 */
function place(
  staging: string,
  dataDir: string,
  nodeKeyFile: string | undefined,
  history: HistoryRecord,
): void {
  mkdirDurable(dataDir, 0o700);
  const lock = lockDataDir(dataDir);
  try {
    for (const name of readdirSync(dataDir)) {
      if (name !== "LOCK") rmSync(join(dataDir, name), { recursive: true, force: true });
    }
    writeDataDirHistory(dataDir, history); // before anything can open the data dir
    renameSync(join(staging, "db"), join(dataDir, "db"));
    renameSync(join(staging, "wal"), join(dataDir, "wal"));
    if (nodeKeyFile !== undefined) {
      writeFileDurable(join(dataDir, NODE_KEY_FILE), readFileSync(nodeKeyFile, "utf8"), 0o600);
    }
    syncDirectory(join(dataDir, "db")); // state.sqlite's name, made in the staging dir
    syncDirectory(dataDir);
  } finally {
    lock.release();
  }
}

function checkTreeHeads(
  heads: readonly { key: string; sth: SignedTreeHead }[],
  engine: Engine,
  staged: StageResult,
): TreeHeadCheck[] {
  const size = engine.tree.size;
  if (size !== staged.tree_size) {
    throw new StemeError(
      "internal",
      `replay reached tree_size ${size}, the staged records lead to ${staged.tree_size}`,
    );
  }
  const checked = new Map<string, TreeHeadCheck>();
  for (const { key, sth } of heads) {
    if (sth.tree_size > size || checked.has(`${sth.tree_size}:${sth.root}`)) continue;
    if (!verifyTreeHead(sth)) {
      throw new StemeError(
        "corrupt_backup",
        `${key}: its tree head for size ${sth.tree_size} has a bad signature`,
        { object: key },
      );
    }
    const root = toHex(engine.tree.root(sth.tree_size));
    if (root !== sth.root) {
      throw new StemeError(
        "corrupt_backup",
        `the restored tree's root at size ${sth.tree_size} is ${root}; the tree head in ${key} signs ${sth.root}: not the history that was signed, do not serve this data dir`,
        { object: key },
      );
    }
    checked.set(`${sth.tree_size}:${sth.root}`, { key, tree_size: sth.tree_size, root });
  }
  return [...checked.values()].sort((a, b) => a.tree_size - b.tree_size);
}

/**
 * SPEC §12: a snapshot's state is a VACUUM INTO copy, and a row of it may also sit in the free
 * space of the pages its B-tree was built through, where the apply path's secure_delete does not
 * reach. After the redactions are applied the file is rebuilt (VACUUM) and the WAL truncated, so
 * no page keeps a redacted row's bytes.
 */
function rebuildState(dataDir: string): void {
  const db = new Database(join(dataDir, "db", "state.sqlite"));
  try {
    db.run("VACUUM");
    db.run("PRAGMA wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
}

/** A file-system failure while staging or placing (a full disk, EIO) as `storage_unavailable`. */
function asStorageError(e: unknown, dataDir: string): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (e instanceof StemeError || typeof code !== "string") return e;
  return new StemeError(
    "storage_unavailable",
    `cannot write the restore of ${dataDir}: ${(e as Error).message} (the scratch copy is removed; if the replay had begun, rerun with --force)`,
    { field: "data_dir" },
    e,
  );
}
