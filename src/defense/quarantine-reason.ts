/**
 * The reason codes a quarantine decision records (SPEC §6). They are stored in
 * the log and on the row, filter `GET /v1/quarantine?reason=` and label
 * `stemedb_quarantined_total{reason}`: part of the public API, never renamed.
 *
 * | code                | rule                                   | setting                                        |
 * |---------------------|----------------------------------------|------------------------------------------------|
 * | `probation`         | agent not in the registry              | `STEMEDB_AGENT_POLICY=probation`               |
 * | `prompt_injection`  | a known injection phrase               | `STEMEDB_QUARANTINE_SUSPICIOUS`                |
 * | `invisible_unicode` | invisible or bidi-override characters  | `STEMEDB_QUARANTINE_SUSPICIOUS`                |
 * | `script_tag`        | `<script`                              | `STEMEDB_QUARANTINE_SUSPICIOUS`                |
 * | `contradiction`     | lower trust against a strong consensus | `STEMEDB_QUARANTINE_CONTRADICTION` and two more |
 * | `flood`             | too many on one key in 60 s            | `STEMEDB_FLOOD_PER_KEY_PER_MINUTE`             |
 *
 * SPEC §6 names "suspicious content" as one reason; it is recorded as three
 * codes so an operator sees at a glance what was found.
 */
export const QUARANTINE_REASONS = [
  "probation",
  "prompt_injection",
  "invisible_unicode",
  "script_tag",
  "contradiction",
  "flood",
] as const;

export type QuarantineReason = (typeof QUARANTINE_REASONS)[number];

const KNOWN = new Set<string>(QUARANTINE_REASONS);

export function isQuarantineReason(s: string): s is QuarantineReason {
  return KNOWN.has(s);
}
