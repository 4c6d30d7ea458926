/**
 * Every byte layout StemeDB signs, with its domain-separation prefix (SPEC §2.2,
 * §2.3). This is the only module that builds signed bytes: a second layout
 * anywhere else is a protocol bug. Prefixes carry the version (`v1`) so a future
 * layout can never be confused with this one.
 */

const encoder = new TextEncoder();

/** SPEC §2.2: M = "stemedb:assertion:v1:" ‖ id (32 raw bytes). */
export const ASSERTION_DOMAIN = encoder.encode("stemedb:assertion:v1:");

/** SPEC §2.3: "stemedb:sth:v1:" ‖ u64-BE tree_size ‖ u64-BE timestamp ‖ root (32 bytes). */
export const STH_DOMAIN = encoder.encode("stemedb:sth:v1:");

export function assertionMessage(id: Uint8Array): Uint8Array {
  if (id.length !== 32) throw new RangeError(`assertion id must be 32 bytes, got ${id.length}`);
  const m = new Uint8Array(ASSERTION_DOMAIN.length + 32);
  m.set(ASSERTION_DOMAIN, 0);
  m.set(id, ASSERTION_DOMAIN.length);
  return m;
}

export function treeHeadMessage(treeSize: number, timestamp: number, root: Uint8Array): Uint8Array {
  if (!Number.isSafeInteger(treeSize) || treeSize < 0) {
    throw new RangeError(`tree_size must be a non-negative safe integer, got ${treeSize}`);
  }
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RangeError(`timestamp must be a non-negative safe integer, got ${timestamp}`);
  }
  if (root.length !== 32) throw new RangeError(`root must be 32 bytes, got ${root.length}`);
  const m = new Uint8Array(STH_DOMAIN.length + 8 + 8 + 32);
  const view = new DataView(m.buffer);
  m.set(STH_DOMAIN, 0);
  view.setBigUint64(STH_DOMAIN.length, BigInt(treeSize));
  view.setBigUint64(STH_DOMAIN.length + 8, BigInt(timestamp));
  m.set(root, STH_DOMAIN.length + 16);
  return m;
}
