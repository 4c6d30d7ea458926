/**
 * Audit endpoints (SPEC §2.3, §3): the current signed tree head, inclusion
 * proofs (RFC 6962 §2.1.1 audit paths) and consistency proofs (§2.1.2). Sizes
 * are checked here, against one snapshot of the tree size, so a bad request is
 * a 422 naming the parameter; hashes are lowercase hex.
 */
import { Hono } from "hono";
import { StemeError } from "../../errors.ts";
import { toHex } from "../../hex.ts";
import type { ReadRouteDeps } from "../app-deps.ts";
import type { HttpEnv } from "../http-env.ts";
import { hexParam, intParam, requiredParam } from "../params.ts";

function beyondTree(field: string, size: number, current: number): StemeError {
  return new StemeError(
    "bad_tree_size",
    `${field} ${size} exceeds the current tree size ${current}`,
    {
      field,
    },
  );
}

export function merkleRoutes(deps: ReadRouteDeps): Hono<HttpEnv> {
  const { reads } = deps;
  const app = new Hono<HttpEnv>();

  app.get("/v1/merkle/root", (c) => c.json(reads.treeHead()));

  app.get("/v1/proof/inclusion/:id", (c) => {
    const id = hexParam(c.req.param("id"), "id");
    const current = reads.tree.size;
    const treeSize = intParam(c.req.query("tree_size"), "tree_size", { min: 0 }) ?? current;
    // A redacted assertion keeps its leaf (SPEC §12): its proof still verifies.
    const row = reads.getAssertion(id) ?? reads.getRedacted(id);
    if (row === undefined) {
      throw new StemeError("not_found", "no assertion with this id is recorded", { field: "id" });
    }
    if (treeSize > current) throw beyondTree("tree_size", treeSize, current);
    if (treeSize < row.seq) {
      throw new StemeError(
        "bad_tree_size",
        `the assertion is leaf ${row.seq - 1} (seq ${row.seq}); ask for a tree_size of at least ${row.seq}`,
        { field: "tree_size" },
      );
    }
    const leafIndex = row.seq - 1;
    return c.json({
      leaf_index: leafIndex,
      tree_size: treeSize,
      audit_path: reads.tree.inclusionProof(leafIndex, treeSize).map(toHex),
      root: toHex(reads.tree.root(treeSize)),
    });
  });

  app.get("/v1/proof/consistency", (c) => {
    const current = reads.tree.size;
    const from = intParam(requiredParam(c.req.query("from"), "from"), "from", { min: 0 }) as number;
    const to = intParam(c.req.query("to"), "to", { min: 0 }) ?? current;
    if (to > current) throw beyondTree("to", to, current);
    if (from > to) {
      throw new StemeError("bad_tree_size", `from (${from}) must not exceed to (${to})`, {
        field: "from",
      });
    }
    return c.json({ from, to, proof: reads.tree.consistencyProof(from, to).map(toHex) });
  });

  return app;
}
