/**
 * Migration 0005 (issue 17): `key_heads`, each agent's latest visible
 * assertion per key — what the per-key lenses (`latest`, `consensus`, `trust`,
 * SPEC §4) read of a key when they answer for the current tree. One row per
 * (concept, predicate, agent): the assertion with the greatest ts (tie: greater
 * seq) among the agent's visible ones (status accepted or released, not a
 * retraction, not withdrawn by a visible retraction). It carries what the lens
 * needs — id, ts, confidence, status and the value's canonical text when it is
 * short (`value` NULL: read it from the assertion row) — so a key is answered
 * from one index range, clustered by key, instead of one random row read and
 * one retraction probe per assertion of the key.
 *
 * Maintained by the store in the apply transaction (src/store/key-heads.ts);
 * the backfill below is the same definition in SQL. `as_of` in the past and
 * `min_confidence` > 0 are answered from the assertions as before.
 */
export default `
CREATE TABLE key_heads (
  concept    INTEGER NOT NULL,  -- concepts.id
  predicate  INTEGER NOT NULL,  -- predicates.id
  agent      INTEGER NOT NULL,  -- agent_keys.id
  ts         INTEGER NOT NULL,
  seq        INTEGER NOT NULL,  -- assertions.seq of the head
  status     INTEGER NOT NULL,  -- 1 accepted or 3 released
  confidence REAL,              -- NULL when the assertion has none
  id         BLOB    NOT NULL,
  value      TEXT,              -- canonical value text when ≤ 256 characters, else NULL
  PRIMARY KEY (concept, predicate, agent)
) WITHOUT ROWID;

INSERT INTO key_heads (concept, predicate, agent, ts, seq, status, confidence, id, value)
  SELECT concept, predicate, agent, ts, seq, status, confidence, id,
    CASE WHEN length(v) <= 256 THEN v END
  FROM (
    SELECT a.concept, a.predicate, a.agent, a.ts, a.seq, a.status, a.confidence, a.id,
      substr(CAST(a.canonical AS TEXT),
        instr(CAST(a.canonical AS TEXT), ',"v":1,"value":') + 15,
        length(CAST(a.canonical AS TEXT)) - instr(CAST(a.canonical AS TEXT), ',"v":1,"value":') - 15
      ) AS v,
      row_number() OVER (PARTITION BY a.concept, a.predicate, a.agent
                         ORDER BY a.ts DESC, a.seq DESC) AS rank
    FROM assertions AS a
    WHERE a.status IN (1, 3) AND a.retracts IS NULL
      AND NOT EXISTS (SELECT 1 FROM assertions AS r INDEXED BY assertions_by_retracts
                      WHERE r.retracts = a.seq AND r.status IN (1, 3))
  )
  WHERE rank = 1;
`;
