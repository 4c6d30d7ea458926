/**
 * The payloads StemeDB writes into the segment log, one per record type. The
 * log itself treats payloads as opaque bytes; this module is their only codec.
 * Each payload starts with its own version byte and unknown versions are
 * rejected, so a future layout can never be misread.
 *
 * Assertion payload v1 (type 1), big-endian:
 *   u8 version=1 | u8 status | u64 seq | u64 received_at | id[32] | sig[64]
 *   | u16 reasons length | reasons (UTF-8, comma-separated) | C (canonical bytes)
 * Status change (type 2) and agent update (type 3): u8 version=1 | UTF-8 JSON.
 * Redaction stub (type 4, SPEC §12): u8 version=1 | u64 seq | u64 received_at
 *   | id[32] | zero bytes — the assertion payload's fixed fields that carry
 *   nothing of its content (no status, signature or canonical bytes). It
 *   replaces a redacted assertion's frame in place, keeping the frame's LSN
 *   and length (the zeros pad it to the payload length it replaces), so the
 *   segment's offsets and sizes do not change; the leaf (BLAKE3(0x00 ‖ id))
 *   stays derivable. Recovery and `verify` accept one only when a redaction
 *   of that id is in the log or the state.
 *
 * `seq` is the leaf's seq as the single writer of a segment log planned it
 * (apply checks it), or 0 when the apply function assigns it in log order:
 * in cluster mode every node publishes, so only the stream order decides.
 */
import { StemeError } from "../errors.ts";

export const RecordType = { assertion: 1, status: 2, agent: 3, stub: 4 } as const;
export type RecordTypeCode = (typeof RecordType)[keyof typeof RecordType];

/** Stored status of an assertion (SPEC §6): numbers are the on-disk encoding. */
export const Status = { accepted: 1, quarantined: 2, released: 3, rejected: 4 } as const;
export type StatusName = keyof typeof Status;
export type StatusCode = (typeof Status)[StatusName];
const STATUS_NAMES = new Map<number, StatusName>(
  Object.entries(Status).map(([k, v]) => [v, k as StatusName]),
);

export function statusName(code: number): StatusName {
  const name = STATUS_NAMES.get(code);
  if (name === undefined) throw new StemeError("bad_format_version", `unknown status code ${code}`);
  return name;
}

export interface AssertionRecord {
  seq: number;
  status: StatusCode;
  receivedAt: number;
  id: Uint8Array;
  sig: Uint8Array;
  reasons: string[];
  canonical: Uint8Array;
}

export interface StatusRecord {
  id: string; // hex
  status: StatusCode;
  at: number;
}

export interface AgentRecord {
  agent: string;
  name?: string | null;
  trust?: number | null;
  allowed?: boolean;
  /** SPEC §12; absent in records written before roles existed (and when unchanged). */
  role?: "agent" | "operator";
  at: number;
}

/** What is left of a redacted assertion's record (the LSN is the frame's). */
export interface StubRecord {
  /** As in the assertion record it replaces (0 when the apply function assigned it). */
  seq: number;
  receivedAt: number;
  id: Uint8Array;
}

export type DomainRecord =
  | { type: typeof RecordType.assertion; body: AssertionRecord }
  | { type: typeof RecordType.status; body: StatusRecord }
  | { type: typeof RecordType.agent; body: AgentRecord }
  | { type: typeof RecordType.stub; body: StubRecord };

const PAYLOAD_VERSION = 1;
const FIXED = 1 + 1 + 8 + 8 + 32 + 64 + 2;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeAssertionRecord(r: AssertionRecord): Uint8Array {
  const reasons = encoder.encode(r.reasons.join(","));
  const out = new Uint8Array(FIXED + reasons.length + r.canonical.length);
  const view = new DataView(out.buffer);
  out[0] = PAYLOAD_VERSION;
  out[1] = r.status;
  view.setBigUint64(2, BigInt(r.seq));
  view.setBigUint64(10, BigInt(r.receivedAt));
  out.set(r.id, 18);
  out.set(r.sig, 50);
  view.setUint16(114, reasons.length);
  out.set(reasons, FIXED);
  out.set(r.canonical, FIXED + reasons.length);
  return out;
}

export function decodeAssertionRecord(p: Uint8Array): AssertionRecord {
  if (p.length < FIXED || p[0] !== PAYLOAD_VERSION) {
    throw new StemeError("bad_format_version", `assertion record version ${p[0]} is unknown`);
  }
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const reasonsLength = view.getUint16(114);
  const reasons = decoder.decode(p.subarray(FIXED, FIXED + reasonsLength));
  return {
    status: statusName(p[1] as number) && (p[1] as StatusCode),
    seq: Number(view.getBigUint64(2)),
    receivedAt: Number(view.getBigUint64(10)),
    id: p.slice(18, 50),
    sig: p.slice(50, 114),
    reasons: reasons === "" ? [] : reasons.split(","),
    canonical: p.slice(FIXED + reasonsLength),
  };
}

/** The assertion id (32 bytes) of an encoded assertion payload, without decoding the rest. */
export function assertionRecordId(p: Uint8Array): Uint8Array {
  if (p.length < FIXED || p[0] !== PAYLOAD_VERSION) {
    throw new StemeError("bad_format_version", `assertion record version ${p[0]} is unknown`);
  }
  return p.subarray(18, 50);
}

/** Records that make a Merkle leaf: assertions, and the stubs left where redacted ones were. */
export function isLeafRecord(
  r: DomainRecord,
): r is Extract<DomainRecord, { type: typeof RecordType.assertion | typeof RecordType.stub }> {
  return r.type === RecordType.assertion || r.type === RecordType.stub;
}

export const STUB_MIN_BYTES = 1 + 8 + 8 + 32;

/** A stub payload of exactly `length` bytes (the payload length of the frame it replaces). */
export function encodeStubRecord(r: StubRecord, length: number): Uint8Array {
  if (length < STUB_MIN_BYTES) throw new RangeError(`a stub needs ≥ ${STUB_MIN_BYTES} bytes`);
  const out = new Uint8Array(length); // zero-filled: the padding
  const view = new DataView(out.buffer);
  out[0] = PAYLOAD_VERSION;
  view.setBigUint64(1, BigInt(r.seq));
  view.setBigUint64(9, BigInt(r.receivedAt));
  out.set(r.id, 17);
  return out;
}

export function decodeStubRecord(p: Uint8Array): StubRecord {
  if (p.length < STUB_MIN_BYTES || p[0] !== PAYLOAD_VERSION) {
    throw new StemeError("bad_format_version", `stub record version ${p[0]} is unknown`);
  }
  for (let i = STUB_MIN_BYTES; i < p.length; i++) {
    if (p[i] !== 0) {
      throw new StemeError("corrupt_segment", "stub record padding is not zero", { offset: i });
    }
  }
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  return {
    seq: Number(view.getBigUint64(1)),
    receivedAt: Number(view.getBigUint64(9)),
    id: p.slice(17, STUB_MIN_BYTES),
  };
}

/** The stub that replaces an encoded assertion payload: same length, same seq, time and id. */
export function stubForAssertionPayload(p: Uint8Array): Uint8Array {
  const r = decodeAssertionRecord(p);
  return encodeStubRecord({ seq: r.seq, receivedAt: r.receivedAt, id: r.id }, p.length);
}

function encodeJson(body: unknown): Uint8Array {
  const json = encoder.encode(JSON.stringify(body));
  const out = new Uint8Array(1 + json.length);
  out[0] = PAYLOAD_VERSION;
  out.set(json, 1);
  return out;
}

function decodeJson<T>(p: Uint8Array, what: string): T {
  if (p[0] !== PAYLOAD_VERSION) {
    throw new StemeError("bad_format_version", `${what} record version ${p[0]} is unknown`);
  }
  return JSON.parse(decoder.decode(p.subarray(1))) as T;
}

export function encodeRecord(r: DomainRecord): { type: number; payload: Uint8Array } {
  switch (r.type) {
    case RecordType.assertion:
      return { type: r.type, payload: encodeAssertionRecord(r.body) };
    case RecordType.status:
    case RecordType.agent:
      return { type: r.type, payload: encodeJson(r.body) };
    case RecordType.stub:
      return { type: r.type, payload: encodeStubRecord(r.body, STUB_MIN_BYTES) };
  }
}

export function decodeRecord(type: number, payload: Uint8Array): DomainRecord {
  switch (type) {
    case RecordType.assertion:
      return { type, body: decodeAssertionRecord(payload) };
    case RecordType.status:
      return { type, body: decodeJson<StatusRecord>(payload, "status") };
    case RecordType.agent:
      return { type, body: decodeJson<AgentRecord>(payload, "agent") };
    case RecordType.stub:
      return { type, body: decodeStubRecord(payload) };
    default:
      throw new StemeError("bad_format_version", `unknown log record type ${type}`);
  }
}
