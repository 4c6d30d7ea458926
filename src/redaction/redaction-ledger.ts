/**
 * The redaction ledger in the backup URL (SPEC §12, backup contract item 3):
 * one object per applied redaction, `redactions/<redaction id>.json`, holding
 * the redaction's own log record (its signed assertion: canonical bytes and
 * signature, seq, received_at), so that a restore to any point — or from a
 * snapshot taken before the redaction — still knows every redaction the URL
 * has seen. History-independent (a redaction removes content from every
 * history that holds the target); never pruned; written before the archive
 * object or snapshot that holds the redaction, so a URL that holds it also
 * knows it. Written by the archive shipper (each shipped run) and by
 * `stemedb backup` (the snapshot's redactions and its log tail).
 *
 *   { "v": 1, "id", "target", "reason", "seq", "received_at", "record": <base64 payload> }
 *
 * The record is the assertion payload of src/engine/log-records.ts. A reader
 * trusts nothing in the object but the record: the id must be BLAKE3 of its
 * canonical bytes, the signature valid, and the assertion a redaction.
 */
import type { Database } from "bun:sqlite";
import { REDACTIONS_PREFIX } from "../backup/backup-layout.ts";
import type { BackupTarget } from "../backup/backup-target.ts";
import {
  type AssertionRecord,
  decodeAssertionRecord,
  encodeAssertionRecord,
  RecordType,
  type StatusCode,
} from "../engine/log-records.ts";
import { StemeError } from "../errors.ts";
import { toHex } from "../hex.ts";
import { FrameCursor } from "../log/record-frame.ts";
import type { Assertion } from "../protocol/assertion.ts";
import { assertionId } from "../protocol/assertion-id.ts";
import { nobleVerifyAssertion } from "../protocol/sign.ts";
import { REDACTIONS_CONCEPT, redactionOf } from "./redaction-shape.ts";

export interface LedgerEntry {
  /** The redaction's id (hex). */
  id: string;
  /** The redacted assertion's id (hex). */
  target: string;
  reason: string;
  /** The redaction's seq where it was made. */
  seq: number;
  receivedAt: number;
  /** The redaction's log record. */
  record: AssertionRecord;
}

const NEEDLE = new TextEncoder().encode(`"concept":"${REDACTIONS_CONCEPT}"`);
const decoder = new TextDecoder();

export function ledgerKey(redactionId: string): string {
  return `${REDACTIONS_PREFIX}${redactionId}.json`;
}

/** The ledger entry of a redaction's record, or undefined when the record is no valid redaction. */
export function ledgerEntryOf(record: AssertionRecord): LedgerEntry | undefined {
  const c = record.canonical;
  if (Buffer.from(c.buffer, c.byteOffset, c.length).indexOf(NEEDLE) < 0) return undefined;
  let assertion: Assertion;
  try {
    const parsed = JSON.parse(decoder.decode(c)) as Omit<Assertion, "sig">;
    assertion = { ...parsed, sig: toHex(record.sig) } as Assertion;
  } catch {
    return undefined;
  }
  const made = redactionOf(assertion);
  if (made === undefined) return undefined;
  return {
    id: toHex(record.id),
    target: made.target,
    reason: made.reason,
    seq: record.seq,
    receivedAt: record.receivedAt,
    record,
  };
}

/** The redactions among log frames (the segment frame encoding) starting at `firstLsn`. */
export function redactionsInFrames(bytes: Uint8Array, firstLsn: number): LedgerEntry[] {
  const found: LedgerEntry[] = [];
  // Most runs hold no redaction: one search of the bytes before decoding any frame.
  if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).indexOf(NEEDLE) < 0) return found;
  const cursor = new FrameCursor(bytes, 0, firstLsn);
  while (cursor.next()) {
    if (cursor.type !== RecordType.assertion) continue;
    const entry = ledgerEntryOf(decodeAssertionRecord(cursor.payload()));
    if (entry !== undefined) found.push(entry);
  }
  return found;
}

/** The applied redactions a state database holds (its `redacted` rows' redactions). */
export function redactionsInState(db: Database): LedgerEntry[] {
  const rows = db
    .query<
      {
        seq: number;
        status: number;
        received_at: number;
        id: Uint8Array;
        sig: Uint8Array;
        reasons: string | null;
        canonical: Uint8Array;
      },
      []
    >(
      `SELECT a.seq, a.status, a.received_at, a.id, a.sig, a.reasons, a.canonical
       FROM redacted AS r JOIN assertions AS a ON a.seq = r.redaction_seq ORDER BY a.seq`,
    )
    .all();
  const found: LedgerEntry[] = [];
  for (const r of rows) {
    const entry = ledgerEntryOf({
      seq: r.seq,
      status: r.status as StatusCode,
      receivedAt: r.received_at,
      id: r.id,
      sig: r.sig,
      reasons: r.reasons === null || r.reasons === "" ? [] : r.reasons.split(","),
      canonical: r.canonical,
    });
    if (entry !== undefined) found.push(entry);
  }
  return found;
}

/** Writes each entry the URL does not hold yet; returns how many were written. */
export async function writeLedger(
  target: BackupTarget,
  entries: readonly LedgerEntry[],
  known?: Set<string>,
): Promise<number> {
  let written = 0;
  for (const e of entries) {
    if (known?.has(e.id)) continue;
    try {
      await target.put(ledgerKey(e.id), new TextEncoder().encode(JSON.stringify(ledgerObject(e))));
      written++;
    } catch (err) {
      // Same key, same redaction: written before (by the archiver or a backup).
      if (!(err instanceof StemeError && err.code === "already_exists")) throw err;
    }
    known?.add(e.id);
  }
  return written;
}

/** The JSON object the ledger stores for an entry (in the URL and in a restored data dir). */
export function ledgerObject(e: LedgerEntry): Record<string, unknown> {
  return {
    v: 1,
    id: e.id,
    target: e.target,
    reason: e.reason,
    seq: e.seq,
    received_at: e.receivedAt,
    record: Buffer.from(encodeAssertionRecord(e.record)).toString("base64"),
  };
}

/** Every redaction the URL's ledger holds, each checked (id, signature, shape); a bad one is `corrupt_backup`. */
export async function readLedger(
  target: BackupTarget,
  /**
   * Entries already read and checked, by key (a ledger object is named for its
   * redaction and never rewritten): those are not fetched again; new ones are
   * added. Without it every object is fetched.
   */
  checked?: Map<string, LedgerEntry>,
): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for (const { key } of await target.list(REDACTIONS_PREFIX)) {
    const known = checked?.get(key);
    if (known !== undefined) {
      entries.push(known);
      continue;
    }
    const body = await target.get(key);
    if (body === undefined) continue;
    let json: unknown;
    try {
      json = JSON.parse(decoder.decode(body));
    } catch {
      json = undefined; // reported as not a ledger object
    }
    const entry = parseLedgerObject(key, json);
    checked?.set(key, entry);
    entries.push(entry);
  }
  return entries.sort((a, b) => a.seq - b.seq);
}

/** A ledger object checked: its record's id, signature and shape; `where` names it in errors. */
export function parseLedgerObject(where: string, body: unknown): LedgerEntry {
  const bad = (why: string) =>
    new StemeError("corrupt_backup", `${where}: ${why}`, { object: where });
  let record: AssertionRecord;
  try {
    const json = (body ?? {}) as { v?: unknown; record?: unknown };
    if (json.v !== 1 || typeof json.record !== "string") throw bad("not a ledger object (v 1)");
    record = decodeAssertionRecord(Buffer.from(json.record, "base64"));
  } catch (e) {
    throw e instanceof StemeError && e.code === "corrupt_backup" ? e : bad(String(e));
  }
  if (toHex(assertionId(record.canonical)) !== toHex(record.id)) {
    throw bad("the record's id is not the BLAKE3 of its canonical bytes");
  }
  const entry = ledgerEntryOf(record);
  if (entry === undefined) throw bad("the record is not a redaction");
  if (where.startsWith(REDACTIONS_PREFIX) && where !== ledgerKey(entry.id)) {
    throw bad(`named for another redaction than ${entry.id}`);
  }
  const assertion = {
    ...(JSON.parse(decoder.decode(record.canonical)) as object),
    sig: toHex(record.sig),
  } as Assertion;
  if (!nobleVerifyAssertion(assertion)) throw bad("the redaction's signature does not verify");
  return entry;
}

/** The redaction a ledger entry holds, as its operator signed it. */
export function ledgerAssertion(e: LedgerEntry): Assertion {
  return {
    ...(JSON.parse(decoder.decode(e.record.canonical)) as object),
    sig: toHex(e.record.sig),
  } as Assertion;
}
