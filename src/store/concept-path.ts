/**
 * Concept path keys for index-backed matching (SPEC §4). Segments are
 * `[a-z0-9_.:-]`, and `-` and `.` sort before `/`, so "starts with q/" is the
 * half-open range [q + "/", q + "0") — `0` being the character after `/` — and
 * never a LIKE pattern. Tail matching runs the same range over the reversed
 * segment key.
 */

export function reverseConcept(concept: string): string {
  return concept.split("/").reverse().join("/");
}

/** Bounds of every concept strictly below `q` in the path hierarchy. */
export function descendantRange(q: string): { low: string; high: string } {
  return { low: `${q}/`, high: `${q}0` };
}
