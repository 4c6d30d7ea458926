/**
 * Migration 0003, schema v2 (issue 9): interned keys. Random text keys in five
 * indexes are what slowed inserts at 1M rows (SPEC §11: 6.9k rows/s with text
 * keys, ~24k with integers); here they become small integers.
 *
 * - `concepts` (id, path, concept_rev): each concept path once, with its
 *   reversed-segment key (`acme/web/auth` → `auth/web/acme`). Prefix and tail
 *   matching are range scans on `concepts_by_path` / `concepts_by_rev`, joined
 *   to the assertions by concept id; the assertions carry no path text at all.
 * - `predicates` (id, name) and `agent_keys` (id, key: 64 lowercase hex) the same
 *   way. The agent registry (`agents`, keyed by hex key) is left as it is: it is
 *   admin-managed, small, held in memory, and holds agents with no assertion.
 * - `assertions` carries the three ids; `retracts` becomes the seq of the
 *   withdrawn row (a target is always recorded earlier). The id look-up is an
 *   index on the id's first 8 bytes (`substr(id, 1, 8)`), the full id compared
 *   on a hit: 8-byte keys instead of a unique index of 32-byte blobs.
 * - The canonical bytes are stored once; `value` is no longer a column: it is
 *   the tail of the canonical text (RFC 8785 sorts `value` last) and is sliced
 *   from it when read. `ts` and `confidence` stay: SQL filters and sorts on them.
 *
 * Interned ids are given in first-seen (seq) order, here as in the apply path,
 * so a migrated state and one rebuilt from the log agree. v1 rows are copied by
 * INSERT … SELECT in seq ranges (`COPY`, bound `$from`/`$to`, progress logged
 * between ranges), never rebuilt from the log, which may have been pruned.
 */

/** Before the copy: the interning tables, filled from the v1 rows, and the v2 table. */
export const BEFORE = `
CREATE TABLE concepts (
  id          INTEGER PRIMARY KEY,
  path        TEXT NOT NULL,
  concept_rev TEXT NOT NULL
);
CREATE UNIQUE INDEX concepts_by_path ON concepts(path);
CREATE UNIQUE INDEX concepts_by_rev ON concepts(concept_rev);
CREATE TABLE predicates (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL
);
CREATE UNIQUE INDEX predicates_by_name ON predicates(name);
CREATE TABLE agent_keys (
  id  INTEGER PRIMARY KEY,
  key TEXT NOT NULL       -- 64 lowercase hex, as in the protocol
);
CREATE UNIQUE INDEX agent_keys_by_key ON agent_keys(key);

INSERT INTO concepts (path, concept_rev)
  SELECT concept, concept_rev FROM assertions GROUP BY concept ORDER BY min(seq);
INSERT INTO predicates (name)
  SELECT predicate FROM assertions GROUP BY predicate ORDER BY min(seq);
INSERT INTO agent_keys (key)
  SELECT agent FROM assertions GROUP BY agent ORDER BY min(seq);

CREATE TABLE assertions_v2 (
  seq         INTEGER PRIMARY KEY,  -- leaf index + 1 (SPEC §2.3)
  id          BLOB    NOT NULL,     -- BLAKE3-256 of the canonical bytes
  concept     INTEGER NOT NULL,     -- concepts.id
  predicate   INTEGER NOT NULL,     -- predicates.id
  agent       INTEGER NOT NULL,     -- agent_keys.id
  confidence  REAL,                 -- NULL when the assertion has none
  ts          INTEGER NOT NULL,
  retracts    INTEGER,              -- seq of the withdrawn assertion, for retractions
  status      INTEGER NOT NULL,     -- 1 accepted, 2 quarantined, 3 released, 4 rejected
  reasons     TEXT,                 -- quarantine reasons, comma-separated
  received_at INTEGER NOT NULL,
  canonical   BLOB    NOT NULL,     -- C, exactly as hashed; the value is read from it
  sig         BLOB    NOT NULL
);
`;

/** One seq range of v1 rows into the v2 table. */
export const COPY = `
INSERT INTO assertions_v2 (seq, id, concept, predicate, agent, confidence, ts, retracts, status,
    reasons, received_at, canonical, sig)
  SELECT a.seq, a.id, c.id, p.id, k.id, a.confidence, a.ts, t.seq, a.status,
    a.reasons, a.received_at, a.canonical, a.sig
  FROM assertions AS a
  JOIN concepts AS c ON c.path = a.concept
  JOIN predicates AS p ON p.name = a.predicate
  JOIN agent_keys AS k ON k.key = a.agent
  LEFT JOIN assertions AS t ON t.id = a.retracts
  WHERE a.seq > $from AND a.seq <= $to
  ORDER BY a.seq;
`;

/** After the copy: the v1 table goes, the v2 one takes its name, and its indexes are built. */
export const AFTER = `
DROP TABLE assertions;
ALTER TABLE assertions_v2 RENAME TO assertions;
CREATE INDEX assertions_by_id ON assertions(substr(id, 1, 8));
CREATE INDEX assertions_by_concept ON assertions(concept, predicate);
CREATE INDEX assertions_by_predicate ON assertions(predicate, concept);
CREATE INDEX assertions_by_agent ON assertions(agent, concept, predicate);
CREATE INDEX assertions_by_retracts ON assertions(retracts) WHERE retracts IS NOT NULL;
CREATE INDEX assertions_quarantined ON assertions(seq, reasons) WHERE status = 2;
CREATE INDEX assertions_flagged ON assertions(seq, status, reasons) WHERE reasons IS NOT NULL;
`;
