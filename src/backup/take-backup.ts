/**
 * `stemedb backup` (SPEC §7): an online backup of a data dir the server keeps
 * serving. It never takes the data dir's LOCK and writes nothing there:
 *
 * 1. `VACUUM INTO` a scratch file over a read-only connection: SQLite copies
 *    one read transaction's view, so the snapshot's rows and its `last_lsn`
 *    (L) agree by construction.
 * 2. The live `last_lsn` read after that (E ≥ L) bounds the log tail: the
 *    engine applies a record only after its fsync, so L+1..E are durable, and
 *    every write acknowledged before the snapshot finished is ≤ E.
 * 3. The root at L is read from the snapshot's Merkle nodes; the root at E is
 *    that tree extended by the tail's assertion ids (in memory, nothing written).
 * 4. Both points get a tree head signed with the node key — the tool runs as the
 *    server's user beside it, and an STH is exactly the server's word that its
 *    tree of that size had that root (SPEC §2.3); the key itself is never
 *    copied into the backup.
 * 5. Objects go to `snapshots/[<history>/]<L>-<time>/` of the data dir's history
 *    (SPEC §7; its `histories/<id>.json` first): state.sqlite.zst (streamed from
 *    the scratch file in chunks, object-stream.ts), log.zst (when the tail is
 *    not empty), and metadata.json last, which marks it complete.
 *
 * A cluster node's data dir has no `wal/` (SPEC §10: the JetStream stream is
 * the log, stream sequence = LSN): its backup is the snapshot alone, E = L, so
 * `snapshot_lsn` / `last_lsn` is the stream sequence the snapshot has applied.
 * A node restored from it follows the stream from L+1 (SPEC §10: "rebuilt from
 * a backup plus the stream's tail").
 */
import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeRecord, isLeafRecord } from "../engine/log-records.ts";
import { StemeError } from "../errors.ts";
import { toHex } from "../hex.ts";
import { leafHash } from "../merkle/hash.ts";
import { MerkleTree } from "../merkle/merkle-tree.ts";
import { loadNodeKey } from "../merkle/node-key.ts";
import { OverlayNodeStore } from "../merkle/overlay-node-store.ts";
import { signTreeHead } from "../merkle/tree-head.ts";
import {
  type LedgerEntry,
  redactionsInFrames,
  redactionsInState,
  writeLedger,
} from "../redaction/redaction-ledger.ts";
import { MetaTable } from "../store/meta-table.ts";
import { SqliteNodeStore } from "../store/sqlite-node-store.ts";
import { openStateReadonly } from "../verify/open-state-readonly.ts";
import {
  SNAPSHOT_LOG,
  SNAPSHOT_METADATA,
  SNAPSHOT_STATE,
  snapshotPrefix,
} from "./backup-layout.ts";
import { type BackupObjectEntry, encodeMetadata } from "./backup-metadata.ts";
import type { BackupTarget } from "./backup-target.ts";
import { readDataDirHistory } from "./data-dir-history.ts";
import { walkLogObject } from "./log-object.ts";
import { readLogFrames } from "./log-range.ts";
import { encodeObject } from "./object-codec.ts";
import { encodeFileObject } from "./object-stream.ts";
import { domainRecordTime } from "./record-time.ts";
import { recordHistory } from "./url-histories.ts";

export interface BackupStep {
  phase: "snapshot" | "log" | "compress" | "upload" | "done";
  detail: string;
}

export interface BackupOptions {
  dataDir: string;
  target: BackupTarget;
  version: string;
  now?: () => number;
  onStep?: (step: BackupStep) => void;
  /** Runs between the snapshot and the read of the live LSN (tests: writes that land in the tail). */
  afterSnapshot?: () => Promise<void>;
}

export interface BackupSummary {
  url: string;
  history: string;
  prefix: string;
  created_at: number;
  /** A cluster node's data dir (no wal/): the snapshot alone; its LSN is the stream sequence applied. */
  cluster: boolean;
  snapshot_lsn: number;
  snapshot_tree_size: number;
  last_lsn: number;
  tree_size: number;
  root: string;
  log_records: number;
  objects: (BackupObjectEntry & { key: string })[];
  stored_bytes: number;
  millis: number;
}

export async function takeBackup(o: BackupOptions): Promise<BackupSummary> {
  const started = performance.now();
  const now = o.now ?? Date.now;
  const step = o.onStep ?? (() => {});
  const statePath = join(o.dataDir, "db", "state.sqlite");
  const key = existsSync(statePath) ? loadNodeKey(o.dataDir) : undefined;
  if (key === undefined) {
    throw new StemeError(
      "config_invalid",
      `${o.dataDir} is not a StemeDB data dir (no db/state.sqlite or node.key): start the server on it first`,
      { field: "data_dir" },
    );
  }
  const clustered = !existsSync(join(o.dataDir, "wal")); // cluster mode: the stream holds the tail
  const scratch = mkdtempSync(join(tmpdir(), "stemedb-backup-"));
  try {
    step({ phase: "snapshot", detail: "VACUUM INTO a consistent copy of the SQLite state" });
    const snapshotFile = join(scratch, "state.sqlite");
    const live = openStateReadonly(statePath);
    let liveLastLsn: number;
    let snapshotAt: number;
    try {
      live.run("VACUUM INTO ?", [snapshotFile]);
      // After the copy: every record in it was received before its read transaction began.
      snapshotAt = now();
      await o.afterSnapshot?.();
      liveLastLsn = new MetaTable(live).get("last_lsn");
    } finally {
      live.close();
    }

    const snap = new Database(snapshotFile, { readonly: true });
    let tail: Uint8Array;
    let points: ReturnType<typeof extendTree>;
    let ledger: LedgerEntry[];
    try {
      const meta = new MetaTable(snap);
      const snapshotLsn = meta.get("last_lsn");
      const tree = MerkleTree.open(
        new OverlayNodeStore(new SqliteNodeStore(snap)),
        meta.get("tree_size"),
      );
      step({ phase: "log", detail: `log records after lsn ${snapshotLsn}` });
      const lastLsn = clustered ? snapshotLsn : Math.max(snapshotLsn, liveLastLsn);
      tail = readLogFrames(o.dataDir, snapshotLsn + 1, lastLsn);
      points = extendTree(tree, { first_lsn: snapshotLsn + 1, last_lsn: lastLsn }, tail);
      ledger = [...redactionsInState(snap), ...redactionsInFrames(tail, snapshotLsn + 1)];
    } finally {
      snap.close();
    }
    const lastRecordAt =
      points.lastRecordAt ?? (clustered ? null : lastTime(o.dataDir, points.lastLsn));
    const createdAt = now();

    const history = readDataDirHistory(o.dataDir);
    await recordHistory(o.target, history);
    // SPEC §12: every redaction the snapshot or its log holds is in the ledger before them.
    await writeLedger(o.target, ledger);
    const prefix = snapshotPrefix(history.id, points.snapshotLsn, createdAt);
    const objects: BackupSummary["objects"] = [];
    const put = async (name: string, plain: Uint8Array) => {
      step({ phase: "compress", detail: `${name} (${plain.length} bytes)` });
      const encoded = encodeObject(plain);
      step({ phase: "upload", detail: `${prefix}${name} (${encoded.body.length} bytes)` });
      await o.target.put(prefix + name, encoded.body);
      objects.push({
        key: prefix + name,
        name,
        size: encoded.body.length,
        plain_size: encoded.plainBytes,
        blake3: encoded.blake3,
      });
    };
    // The state streams from the snapshot file in chunks: never whole in memory (~1 GB at 1M).
    step({ phase: "compress", detail: `${SNAPSHOT_STATE} (${statSync(snapshotFile).size} bytes)` });
    const state = await encodeFileObject(snapshotFile);
    step({ phase: "upload", detail: `${prefix}${SNAPSHOT_STATE}` });
    await o.target.putChunks(prefix + SNAPSHOT_STATE, state.chunks);
    objects.push({
      key: prefix + SNAPSHOT_STATE,
      name: SNAPSHOT_STATE,
      size: state.storedBytes(),
      plain_size: state.plainBytes,
      blake3: state.blake3,
    });
    if (tail.length > 0) await put(SNAPSHOT_LOG, tail);

    const sign = (size: number, root: Uint8Array) =>
      signTreeHead(size, root, createdAt, key.signer);
    const metadata = encodeMetadata({
      stemedb_version: o.version,
      created_at: createdAt,
      snapshot_lsn: points.snapshotLsn,
      snapshot_tree_size: points.snapshotSize,
      snapshot_at: snapshotAt,
      snapshot_sth: sign(points.snapshotSize, points.snapshotRoot),
      last_lsn: points.lastLsn,
      tree_size: points.size,
      root: toHex(points.root),
      sth: sign(points.size, points.root),
      last_record_at: lastRecordAt,
      objects: objects.map(({ key: _key, ...entry }) => entry),
    });
    step({ phase: "upload", detail: `${prefix}${SNAPSHOT_METADATA}` });
    await o.target.put(prefix + SNAPSHOT_METADATA, metadata);
    step({ phase: "done", detail: prefix });
    return {
      url: o.target.url,
      history: history.id,
      prefix,
      created_at: createdAt,
      cluster: clustered,
      snapshot_lsn: points.snapshotLsn,
      snapshot_tree_size: points.snapshotSize,
      last_lsn: points.lastLsn,
      tree_size: points.size,
      root: toHex(points.root),
      log_records: points.lastLsn - points.snapshotLsn,
      objects,
      stored_bytes: objects.reduce((n, x) => n + x.size, metadata.length),
      millis: Math.round(performance.now() - started),
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The snapshot's point, and where its tail's assertion records take the tree. */
function extendTree(
  tree: MerkleTree,
  range: { first_lsn: number; last_lsn: number },
  tail: Uint8Array,
) {
  const snapshotSize = tree.size;
  const snapshotRoot = tree.root().slice();
  const leaves: Uint8Array[] = [];
  let lastRecordAt: number | undefined;
  walkLogObject("the live log", tail, range, (f) => {
    const record = decodeRecord(f.type, f.payload);
    lastRecordAt = domainRecordTime(record);
    if (!isLeafRecord(record)) return true;
    const expected = snapshotSize + leaves.length + 1;
    if (record.body.seq < expected) return true; // already in the tree (replay is idempotent)
    if (record.body.seq !== expected) {
      throw new StemeError(
        "corrupt_segment",
        `log record at lsn ${f.lsn} has seq ${record.body.seq}, expected ${expected}`,
        { lsn: f.lsn },
      );
    }
    leaves.push(leafHash(record.body.id));
    return true;
  });
  tree.append(leaves);
  return {
    snapshotLsn: range.first_lsn - 1,
    snapshotSize,
    snapshotRoot,
    lastLsn: range.last_lsn,
    size: tree.size,
    root: tree.root(),
    lastRecordAt,
  };
}

/** When the record at `lsn` was written, read from the live log; null when retention removed it. */
function lastTime(dataDir: string, lsn: number): number | null {
  if (lsn === 0) return null;
  try {
    let at: number | null = null;
    walkLogObject(
      "the live log",
      readLogFrames(dataDir, lsn, lsn),
      { first_lsn: lsn, last_lsn: lsn },
      (f) => {
        at = domainRecordTime(decodeRecord(f.type, f.payload));
        return true;
      },
    );
    return at;
  } catch {
    return null;
  }
}
