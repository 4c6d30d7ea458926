/**
 * `stemedb verify DATA_DIR` (SPEC §7): an offline audit of a data dir that
 * writes nothing. In order:
 *
 *   log.segments    every segment's header (magic, format version), every
 *                   frame's checksum and LSN continuity (`scanSegments`)
 *   sqlite.integrity  `PRAGMA integrity_check` on the state, opened read-only
 *   assertions.*    each row's id = BLAKE3(canonical bytes), content, signature
 *   merkle.*        every stored Merkle node and the root, recomputed from the
 *                   leaves with a streaming RFC 6962 computation
 *   metadata        metadata.json's root and size against the recomputation,
 *                   and its server key against node.key
 *   log.*           every logged assertion's id and signature; the log and
 *                   SQLite agree on what was applied
 *
 * A cluster node's data dir has no `wal/` (SPEC §10: the JetStream stream is
 * its log): the log checks are skipped with a note, the rest apply.
 *
 * Each problem says where it is: a segment and byte offset, a seq and id, or
 * a Merkle node. Run it on a stopped server for an exact answer; on a running
 * one it reads a moving state.
 */
import type { Database } from "bun:sqlite";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fromHex, isLowerHex, toHex } from "../hex.ts";
import { scanSegments } from "../log/scan-segments.ts";
import { hashEquals } from "../merkle/hash.ts";
import { NODE_KEY_FILE } from "../merkle/node-key.ts";
import { nativeSigner } from "../protocol/native-ed25519.ts";
import { readDataDirLedger } from "../redaction/data-dir-ledger.ts";
import type { LedgerEntry } from "../redaction/redaction-ledger.ts";
import { requireMigrated } from "../store/migrate.ts";
import { openStateReadonly } from "./open-state-readonly.ts";
import { verifyLogRecords } from "./verify-log.ts";
import { CheckCollector, emptyCounts, type VerifyReport } from "./verify-report.ts";
import { type StateFacts, verifyState } from "./verify-state.ts";

export type { VerifyCheck, VerifyReport, VerifyWhere } from "./verify-report.ts";

interface Metadata {
  tree_size?: unknown;
  root?: unknown;
  server_key?: unknown;
}

export interface VerifyOptions {
  /** Operator keys (64 hex) trusted to redact (SPEC §12); none: redactions are reported, not judged. */
  trustedOperators?: ReadonlySet<string>;
}

export async function verifyDataDir(
  dir: string,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const checks = new CheckCollector();
  const counts = emptyCounts();
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    checks.fail("data_dir", `${dir} is not a directory`);
    return { dir, ok: false, checks: checks.checks, counts };
  }

  // Log frames.
  const walDir = join(dir, "wal");
  const clustered = !existsSync(walDir) && existsSync(join(dir, "db", "state.sqlite"));
  const scan = scanSegments(walDir);
  counts.segments = scan.segments.length;
  counts.log_records = scan.records;
  if (clustered) {
    checks.note("log.segments", "no wal/: a cluster node's data dir, whose log is the stream");
  } else if (scan.segments.length === 0) {
    checks.fail("log.segments", `no segment files in ${walDir}`);
  }
  for (const p of scan.problems) {
    const where = { segment: p.segment, offset: p.offset };
    if (p.repairable) {
      checks.note(
        "log.segments",
        `torn tail of the newest segment (${p.reason}); the next start cuts it off`,
        where,
      );
    } else {
      checks.fail("log.segments", `${p.code}: ${p.reason}`, where);
    }
  }
  checks.finish(
    "log.segments",
    `${scan.records} record(s) in ${scan.segments.length} segment(s), lsn ${scan.firstLsn ?? "-"}..${scan.lastLsn ?? "-"}`,
  );

  // SQLite.
  const metadata = readMetadata(dir, checks);
  const metaSize = typeof metadata?.tree_size === "number" ? metadata.tree_size : undefined;
  const statePath = join(dir, "db", "state.sqlite");
  let db: Database | undefined;
  let state: StateFacts | undefined;
  let ledger: LedgerEntry[] = [];
  try {
    ledger = readDataDirLedger(dir);
  } catch (e) {
    checks.fail("log.redactions", `the restore's redaction ledger: ${(e as Error).message}`);
  }
  try {
    if (!existsSync(statePath)) {
      checks.fail("sqlite.integrity", `${statePath} does not exist`);
    } else {
      db = openStateReadonly(statePath);
      const rows = db.query("PRAGMA integrity_check").all() as { integrity_check: string }[];
      const problems = rows.map((r) => r.integrity_check).filter((s) => s !== "ok");
      for (const p of problems) checks.fail("sqlite.integrity", p);
      checks.finish("sqlite.integrity", "PRAGMA integrity_check: ok");
      if (problems.length === 0) {
        requireMigrated(db); // a state at another schema stops here, saying how to migrate it
        state = verifyState(
          db,
          checks,
          metaSize === undefined ? [] : [metaSize],
          options.trustedOperators,
          ledger,
        );
        counts.assertions = state.rows;
        counts.tree_size = state.treeSize;
        counts.merkle_nodes = state.merkleNodes;
      }
    }
    metadataChecks(dir, metadata, state, checks);
    if (!clustered) {
      const log = verifyLogRecords(walDir, scan, db, state, checks, ledger);
      counts.log_assertions = log.assertions;
    }
  } catch (e) {
    checks.fail("verify", `verification stopped: ${(e as Error).message}`);
  } finally {
    db?.close();
  }
  return { dir, ok: checks.ok, checks: checks.checks, counts };
}

function readMetadata(dir: string, checks: CheckCollector): Metadata | undefined {
  const path = join(dir, "metadata.json");
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Metadata;
  } catch (e) {
    checks.fail("metadata", `cannot read ${path}: ${(e as Error).message}`);
    return undefined;
  }
}

/** metadata.json against the recomputed tree, and its server key against node.key. */
function metadataChecks(
  dir: string,
  metadata: Metadata | undefined,
  state: StateFacts | undefined,
  checks: CheckCollector,
): void {
  if (metadata !== undefined && state !== undefined) {
    const size = metadata.tree_size;
    const root = metadata.root;
    if (typeof size !== "number" || typeof root !== "string" || !isLowerHex(root, 32)) {
      checks.fail("metadata", "metadata.json lacks a numeric tree_size and a 64-hex root");
    } else if (size > state.rows) {
      checks.fail(
        "metadata",
        `metadata.json records tree_size ${size} but the state holds ${state.rows} assertion(s): the state lost data`,
      );
    } else {
      const recomputed = state.rootAt.get(size);
      if (recomputed === undefined || !hashEquals(recomputed, fromHex(root))) {
        checks.fail(
          "metadata",
          `metadata.json root at tree_size ${size} is ${root}; recomputed from the leaves: ${recomputed === undefined ? "-" : toHex(recomputed)}`,
        );
      }
    }
  }
  const key = nodePublicKey(dir, checks);
  if (key !== undefined && metadata !== undefined && metadata.server_key !== key) {
    checks.fail(
      "metadata",
      `metadata.json names server key ${String(metadata.server_key)}, node.key holds ${key}`,
    );
  }
  checks.finish(
    "metadata",
    `metadata.json: root at tree_size ${String(metadata?.tree_size)} and server key match`,
  );
}

function nodePublicKey(dir: string, checks: CheckCollector): string | undefined {
  const path = join(dir, NODE_KEY_FILE);
  try {
    const mode = statSync(path).mode;
    if ((mode & 0o077) !== 0) {
      checks.fail(
        "node_key",
        `${path} is accessible by group or others (mode ${(mode & 0o777).toString(8)}); the server refuses to start: chmod 600 it`,
      );
    }
    const line = readFileSync(path, "utf8").trim();
    if (!isLowerHex(line, 32)) {
      checks.fail("node_key", `${path} is not one line of 64 lowercase hex chars`);
      return undefined;
    }
    const key = toHex(nativeSigner(fromHex(line, 32)).publicKey);
    checks.finish("node_key", `server key ${key}`);
    return key;
  } catch (e) {
    checks.fail("node_key", `cannot read ${path}: ${(e as Error).message}`);
    return undefined;
  }
}
