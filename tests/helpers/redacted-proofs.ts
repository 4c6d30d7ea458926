/**
 * What a reader of a redacted assertion must see (SPEC §12), checked through
 * the SDK against one server: the `redacted` view naming its redaction, every
 * tree head handed out before still consistent with the current tree, and
 * the redacted id's inclusion proof verifying.
 */
import { expect } from "bun:test";
import {
  type StemeClient,
  verifyConsistencyProof,
  verifyInclusionProof,
} from "../../src/client/index.ts";
import type { SignedTreeHead } from "../../src/merkle/tree-head.ts";

export async function expectRedactedWithProofs(
  client: StemeClient,
  target: { id: string; seq: number },
  redaction: { id: string; seq: number; reason: string },
  heads: readonly SignedTreeHead[],
): Promise<void> {
  expect(await client.get(target.id)).toEqual({
    id: target.id,
    seq: target.seq,
    status: "redacted",
    redaction,
  });
  const now = await client.root();
  for (const head of heads) {
    const proof = await client.consistencyProof(head.tree_size, now.tree_size);
    expect(verifyConsistencyProof(head, now, proof)).toBe(true);
  }
  const inclusion = await client.inclusionProof(target.id, now.tree_size);
  expect(verifyInclusionProof(target.id, inclusion, now)).toBe(true);
}
