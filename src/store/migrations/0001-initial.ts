/**
 * Migration 0001: the materialized state (SPEC §5). The segment log is the
 * source of truth; these tables are rebuilt from it by the apply path.
 * Concept match indexes: `concept` (exact, prefix) and `concept_rev` (tail),
 * the reversed-segment key — `acme/web/auth` is stored as `auth/web/acme` — so a
 * tail match is a range scan on an index, never a table scan. `by_predicate`
 * and `by_agent` carry the concept (and predicate) after their own column so
 * predicate-only and agent-only queries page through keys in index order
 * instead of sorting every row of that predicate or agent (src/store/query-store.ts).
 */
export default `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE assertions (
  seq         INTEGER PRIMARY KEY,  -- leaf index + 1 (SPEC §2.3)
  id          BLOB    NOT NULL,     -- BLAKE3-256 of the canonical bytes
  concept     TEXT    NOT NULL,
  concept_rev TEXT    NOT NULL,
  predicate   TEXT    NOT NULL,
  agent       TEXT    NOT NULL,     -- 64 lowercase hex
  value       TEXT    NOT NULL,     -- RFC 8785 encoding of the value (groups equal values)
  confidence  REAL,                 -- NULL when the assertion has none
  ts          INTEGER NOT NULL,
  retracts    BLOB,                 -- id of the withdrawn assertion, for retractions
  status      INTEGER NOT NULL,     -- 1 accepted, 2 quarantined, 3 released, 4 rejected
  reasons     TEXT,                 -- quarantine reasons, comma-separated
  received_at INTEGER NOT NULL,
  canonical   BLOB    NOT NULL,     -- C, exactly as hashed
  sig         BLOB    NOT NULL
);
CREATE UNIQUE INDEX assertions_by_id ON assertions(id);
CREATE INDEX assertions_by_concept ON assertions(concept, predicate);
CREATE INDEX assertions_by_concept_rev ON assertions(concept_rev, predicate);
CREATE INDEX assertions_by_predicate ON assertions(predicate, concept);
CREATE INDEX assertions_by_agent ON assertions(agent, concept, predicate);
CREATE INDEX assertions_by_retracts ON assertions(retracts) WHERE retracts IS NOT NULL;

-- Perfect subtree hashes of the Merkle tree above the leaves (level >= 1);
-- leaf hashes are derived from assertions.id. k = level * 2^40 + index.
CREATE TABLE merkle_nodes (
  k    INTEGER PRIMARY KEY,
  hash BLOB NOT NULL
);

CREATE TABLE agents (
  agent      TEXT PRIMARY KEY,
  name       TEXT,
  trust      REAL,
  allowed    INTEGER NOT NULL DEFAULT 1,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
`;
