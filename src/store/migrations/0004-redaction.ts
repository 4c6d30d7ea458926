/**
 * Migration 0004: redaction (SPEC §12).
 *
 * - `agents.role`: `agent` (the default) or `operator`. Only operator keys may
 *   write `_stemedb/` concepts, which is where redactions live.
 * - `redacted`: one row per redacted assertion, in place of its `assertions`
 *   row, which is deleted (secure delete) when the redaction is applied. What
 *   stays is what SPEC §12 keeps: the target's seq and id (its leaf: the
 *   Merkle node store reads level-0 hashes from here when the assertion row is
 *   gone) and the redaction's seq and reason. `redaction_seq` is NULL only
 *   while a replay has met the target's stub record and not yet the redaction
 *   that follows it in the log. `log_scrubbed` turns 1 once the segment log no
 *   longer holds the target's frame and the SQLite WAL has been truncated.
 */
export default `
ALTER TABLE agents ADD COLUMN role TEXT NOT NULL DEFAULT 'agent';

CREATE TABLE redacted (
  seq           INTEGER PRIMARY KEY,  -- the redacted assertion's seq (its leaf stays)
  id            BLOB    NOT NULL,     -- the redacted assertion's id
  redaction_seq INTEGER,              -- seq of the redaction (an assertion in _stemedb/redactions)
  reason        TEXT,                 -- the redaction's reason code
  log_scrubbed  INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX redacted_by_id ON redacted(id);
CREATE INDEX redacted_unscrubbed ON redacted(seq) WHERE log_scrubbed = 0;
`;
