/**
 * Verification of the segment log against itself and against the state
 * (SPEC §5, §7). Frames were checked by `scanSegments` (headers and versions,
 * checksums, LSN continuity); this pass decodes every good record and checks
 * each assertion record's id (BLAKE3 of its canonical bytes) and signature,
 * that assertion seqs run on without gaps, and — for every record the state
 * says it has applied (lsn ≤ last_lsn) — that SQLite holds the same id at the
 * same seq with the status the log's last word gives it. Segments removed by
 * retention are not an error; the report says how much of the state the log
 * still covers. Redaction stubs (SPEC §12) stand for their leaf and are valid
 * only with a redaction of their id in the log or the state
 * (src/redaction/log-redactions.ts).
 */
import type { Database } from "bun:sqlite";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { blake3 } from "@noble/hashes/blake3.js";
import { decodeRecord, isLeafRecord, RecordType } from "../engine/log-records.ts";
import { fromHex, toHex } from "../hex.ts";
import { FrameCursor } from "../log/record-frame.ts";
import type { ScanReport } from "../log/scan-segments.ts";
import { SEGMENT_HEADER_BYTES } from "../log/segment-header.ts";
import { hashEquals } from "../merkle/hash.ts";
import { nativeVerify } from "../protocol/native-ed25519.ts";
import { assertionMessage } from "../protocol/signed-bytes.ts";
import { LogRedactions } from "../redaction/log-redactions.ts";
import type { LedgerEntry } from "../redaction/redaction-ledger.ts";
import type { CheckCollector } from "./verify-report.ts";
import type { StateFacts } from "./verify-state.ts";

export interface LogFacts {
  records: number;
  assertions: number;
}

interface Slim {
  id: Uint8Array;
  sig: Uint8Array;
  status: number;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

export function verifyLogRecords(
  walDir: string,
  scan: ScanReport,
  db: Database | undefined,
  state: StateFacts | undefined,
  checks: CheckCollector,
  ledger: readonly LedgerEntry[] = [],
): LogFacts {
  const bySeq = db?.query("SELECT id, sig, status FROM assertions WHERE seq = ?");
  // Schema v2 indexes the id's first 8 bytes (assertions_by_id); the full id is compared on a hit.
  const byId = db?.query(
    "SELECT seq, status FROM assertions WHERE substr(id, 1, 8) = substr(?1, 1, 8) AND id = ?1",
  );
  const lastApplied = state?.lastLsn ?? 0;
  const redactions = new LogRedactions(db, checks, ledger);
  let records = 0;
  let assertions = 0;
  let appliedAssertions = 0;
  let firstSeq: number | undefined;
  let prevSeq: number | undefined;
  /** Last status record per id (applied part of the log only). */
  const lastStatus = new Map<
    string,
    { status: number; where: { segment: string; offset: number } }
  >();
  /** Assertion records whose original status differs from the row's: fine if a status record follows. */
  const statusDiffers = new Map<string, { seq: number; detail: string }>();

  for (const seg of scan.segments) {
    if (seg.firstLsn === undefined) continue; // unreadable header: already reported
    const bytes = readFileSync(join(walDir, seg.name));
    const cursor = new FrameCursor(bytes, SEGMENT_HEADER_BYTES, seg.firstLsn);
    for (let at = cursor.offset; cursor.next(); at = cursor.offset) {
      records++;
      const where = { segment: seg.name, offset: at };
      let record: ReturnType<typeof decodeRecord>;
      try {
        record = decodeRecord(cursor.type, cursor.payload());
      } catch (e) {
        checks.fail(
          "log.records",
          `lsn ${cursor.lsn}: undecodable record: ${(e as Error).message}`,
          where,
        );
        continue;
      }
      const applied = cursor.lsn <= lastApplied;
      if (record.type === RecordType.status) {
        if (applied) lastStatus.set(record.body.id, { status: record.body.status, where });
        continue;
      }
      if (!isLeafRecord(record)) continue;
      const leafSeq = record.body.seq;
      assertions++;
      firstSeq ??= leafSeq;
      if (prevSeq !== undefined && leafSeq !== prevSeq + 1) {
        checks.fail(
          "log.assertions",
          `lsn ${cursor.lsn}: seq ${leafSeq} follows seq ${prevSeq}`,
          where,
        );
      }
      prevSeq = leafSeq;
      if (record.type === RecordType.stub) {
        redactions.stub(record.body, where, applied);
        if (applied) appliedAssertions++;
        continue;
      }
      const r = record.body;
      redactions.assertion(r);
      const idHex = toHex(r.id);
      const id = blake3(r.canonical);
      if (!hashEquals(id, r.id)) {
        checks.fail(
          "log.assertions",
          `seq ${r.seq}: record id ${idHex} is not BLAKE3 of its canonical bytes`,
          where,
        );
      }
      const row = applied && bySeq ? (bySeq.get(r.seq) as Slim | null) : null;
      // A row with the same id and signature that verified in the state pass needs no second check.
      const sameAsVerifiedRow =
        row !== null &&
        hashEquals(new Uint8Array(row.id), r.id) &&
        hashEquals(new Uint8Array(row.sig), r.sig) &&
        !state?.badSeqs.has(r.seq);
      if (!sameAsVerifiedRow && !signatureOk(r.canonical, id, r.sig)) {
        checks.fail("log.assertions", `seq ${r.seq}: the signature does not verify`, where);
      }
      if (!applied || db === undefined) continue;
      appliedAssertions++;
      if (row === null) {
        if (!redactions.isRedacted(r.seq, r.id)) {
          checks.fail(
            "log.state",
            `seq ${r.seq} (lsn ${cursor.lsn}) is applied but missing from SQLite`,
            where,
          );
        }
      } else if (!hashEquals(new Uint8Array(row.id), r.id)) {
        checks.fail(
          "log.state",
          `seq ${r.seq}: the log has id ${idHex}, SQLite ${toHex(row.id)}`,
          where,
        );
      } else if (row.status !== r.status) {
        statusDiffers.set(idHex, {
          seq: r.seq,
          detail: `seq ${r.seq}: status ${row.status} in SQLite, ${r.status} in the log`,
        });
      }
    }
  }
  redactions.finish();
  checks.finish("log.records", `${records} record(s) decoded`);
  checks.finish("log.assertions", `${assertions} assertion record(s): ids and signatures verify`);

  if (db !== undefined && byId !== undefined && state !== undefined) {
    for (const [idHex, s] of lastStatus) {
      const row = byId.get(fromHex(idHex)) as { seq: number; status: number } | null;
      if (row === null)
        checks.fail("log.state", `a status record names unknown id ${idHex}`, s.where);
      else if (row.status !== s.status) {
        checks.fail(
          "log.state",
          `seq ${row.seq}: status ${row.status} in SQLite, ${s.status} in the log`,
          {
            seq: row.seq,
            id: idHex,
          },
        );
      }
    }
    for (const [idHex, d] of statusDiffers) {
      if (!lastStatus.has(idHex)) checks.fail("log.state", d.detail, { seq: d.seq, id: idHex });
    }
    agreementSummary(scan, state, appliedAssertions, firstSeq, checks);
  }
  return { records, assertions };
}

function signatureOk(canonical: Uint8Array, id: Uint8Array, sig: Uint8Array): boolean {
  try {
    const { agent } = JSON.parse(decoder.decode(canonical)) as { agent: string };
    return nativeVerify(fromHex(agent, 32), assertionMessage(id), sig);
  } catch {
    return false;
  }
}

/** Whether the log covers the state: applied lsn within the log, every row accounted for. */
function agreementSummary(
  scan: ScanReport,
  state: StateFacts,
  appliedAssertions: number,
  firstSeq: number | undefined,
  checks: CheckCollector,
): void {
  const logFirst = scan.firstLsn ?? 1;
  const logLast = scan.lastLsn ?? 0;
  if (state.lastLsn > logLast) {
    checks.fail(
      "log.state",
      `SQLite has applied up to lsn ${state.lastLsn} but the log ends at ${logLast}: the log lost acknowledged records; restore from a backup`,
    );
  } else if (state.lastLsn + 1 < logFirst) {
    checks.fail(
      "log.state",
      `the log starts at lsn ${logFirst} but SQLite needs records from ${state.lastLsn + 1}: the state cannot catch up; restore from a backup and archived segments`,
    );
  }
  const covered = firstSeq === undefined ? 0 : state.rows - firstSeq + 1;
  if (logFirst === 1 && appliedAssertions !== state.rows && checks.failures("log.state") === 0) {
    checks.fail(
      "log.state",
      `the log holds ${appliedAssertions} applied assertion record(s), SQLite ${state.rows} row(s)`,
    );
  }
  const unapplied = Math.max(0, logLast - state.lastLsn);
  const coverage =
    logFirst === 1
      ? "the log is complete"
      : `older segments removed by retention; the log covers seq ${firstSeq ?? "-"}..${state.rows} (${Math.max(covered, 0)} row(s))`;
  checks.finish(
    "log.state",
    `log and SQLite agree up to lsn ${state.lastLsn}; ${coverage}` +
      (unapplied > 0 ? `; ${unapplied} record(s) not yet applied (replayed on next start)` : ""),
  );
}
