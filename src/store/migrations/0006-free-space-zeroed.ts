/**
 * Migration 0006 (SPEC §12): from this schema on, the writer's connection runs
 * with `secure_delete` always on, so a cell SQLite frees or moves (a key's head
 * replaced in `key_heads`, a row deleted) is overwritten with zeros, and a
 * redaction leaves no old copy of its target in a page's free space. A state
 * written before may still hold such copies: `free_space_dirty` = 1 marks it,
 * and the redaction scrubber VACUUMs it once (src/redaction/redaction-scrubber.ts)
 * before clearing the mark. An empty state has nothing to clean.
 */
export default `
INSERT OR REPLACE INTO meta (key, value)
  VALUES ('free_space_dirty', EXISTS (SELECT 1 FROM assertions));
`;
