/**
 * An assertion as a log record reaches `applyRecords` from a replicated log
 * (seq 0: assigned in log order), for tests that drive the apply path directly.
 */
import type { LoggedRecord } from "../../src/engine/apply.ts";
import { RecordType, Status } from "../../src/engine/log-records.ts";
import type { Assertion } from "../../src/protocol/assertion.ts";
import { prepare } from "./agents.ts";

export function loggedRecord(a: Assertion, lsn: number): LoggedRecord {
  const p = prepare(a);
  return {
    lsn,
    record: {
      type: RecordType.assertion,
      body: {
        seq: 0,
        status: Status.accepted,
        receivedAt: 1,
        id: p.id,
        sig: p.sig,
        reasons: [],
        canonical: p.canonical,
      },
    },
  };
}
