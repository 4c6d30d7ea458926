/**
 * The time a log record was written, for point-in-time restore (SPEC §7
 * `--until-time`): an assertion's `received_at` (a redaction stub keeps it), a status change's or registry
 * update's `at` — all server clock, integer ms since the Unix epoch.
 */
import { type DomainRecord, RecordType } from "../engine/log-records.ts";

export function domainRecordTime(record: DomainRecord): number {
  return record.type === RecordType.assertion || record.type === RecordType.stub
    ? record.body.receivedAt
    : record.body.at;
}
