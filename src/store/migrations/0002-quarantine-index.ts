/**
 * Migration 0002: the quarantine review queue (SPEC §6) as two partial indexes,
 * so nothing about quarantine ever scans the whole table.
 *
 * - `assertions_quarantined`: the pending queue (status 2), in seq order. Pages
 *   of `GET /v1/quarantine`, the `stemedb_quarantine_pending` gauge and the
 *   health figures by reason read it alone (it covers `reasons`). A release or
 *   reject takes the row out of it.
 * - `assertions_flagged`: every assertion that was ever quarantined (its
 *   reasons stay recorded whatever the review decided), for audit listings of
 *   released and rejected ones and the `stemedb_quarantined_total{reason}`
 *   counter, which reads only the rows after the last seq it counted.
 *
 * Both hold only flagged rows: honest traffic adds nothing to them.
 */
export default `
CREATE INDEX assertions_quarantined ON assertions(seq, reasons) WHERE status = 2;
CREATE INDEX assertions_flagged ON assertions(seq, status, reasons) WHERE reasons IS NOT NULL;
`;
