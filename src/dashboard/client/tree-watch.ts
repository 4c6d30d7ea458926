/**
 * The overview's watch on the server's tree (SPEC §2.3), done in the browser
 * with the SDK's verifiers: each new signed tree head's signature, under the
 * server key first seen by this page, and — as the tree grows — an RFC 6962
 * consistency proof from the last verified head to the new one, so the page
 * can say the log only grew (was never rewritten) while it was open.
 */
import { useEffect, useRef, useState } from "hono/jsx/dom";
import type { SignedTreeHead } from "../../client/client-types.ts";
import { consistencyProblem } from "../../client/verify-proof.ts";
import { treeHeadProblem } from "../../client/verify-tree-head.ts";
import { apiClient, errorText } from "./api.ts";

export interface TreeWatch {
  /** The latest head's signature: undefined when it verifies. */
  signatureProblem: string | undefined;
  /** Tree sizes proven to be one growing log, and how many proofs that took. */
  since: number;
  through: number;
  proofs: number;
  /** Why the log is not proven append-only (then it stays so for this page). */
  appendProblem: string | undefined;
}

type Problem = { kind: "signature" | "append"; text: string } | undefined;

async function check(trusted: SignedTreeHead | undefined, sth: SignedTreeHead): Promise<Problem> {
  const sig = treeHeadProblem(sth, trusted?.server_key);
  if (sig !== undefined) return { kind: "signature", text: sig };
  const append = (text: string | undefined): Problem =>
    text === undefined ? undefined : { kind: "append", text };
  if (trusted === undefined) return undefined;
  if (sth.tree_size < trusted.tree_size) {
    return append(`the tree shrank from ${trusted.tree_size} to ${sth.tree_size} leaves`);
  }
  if (sth.tree_size === trusted.tree_size) {
    return sth.root === trusted.root
      ? undefined
      : append(`two roots for tree size ${sth.tree_size}: the log was rewritten`);
  }
  try {
    const proof = await apiClient().consistencyProof(trusted.tree_size, sth.tree_size);
    return append(consistencyProblem(trusted, sth, proof));
  } catch (e) {
    return append(`no consistency proof: ${errorText(e)}`);
  }
}

/** Checks each new head (one at a time, in order); undefined until the first is checked. */
export function useTreeWatch(sth: SignedTreeHead | undefined): TreeWatch | undefined {
  const [watch, setWatch] = useState<TreeWatch | undefined>(undefined);
  const trusted = useRef<SignedTreeHead | undefined>(undefined);
  const queue = useRef<Promise<void>>(Promise.resolve());
  useEffect(() => {
    if (sth === undefined) return;
    // After the figures are painted: the first verify warms noble's tables.
    queue.current = queue.current
      .then(() => new Promise((r) => setTimeout(r, 0)))
      .then(async () => {
        const previous = trusted.current;
        const problem = await check(previous, sth);
        if (problem === undefined) trusted.current = sth;
        setWatch((w) => {
          const base: TreeWatch = w ?? {
            signatureProblem: undefined,
            since: sth.tree_size,
            through: sth.tree_size,
            proofs: 0,
            appendProblem: undefined,
          };
          if (problem?.kind === "signature") return { ...base, signatureProblem: problem.text };
          if (problem?.kind === "append") {
            return { ...base, appendProblem: base.appendProblem ?? problem.text };
          }
          const grew = previous !== undefined && sth.tree_size > previous.tree_size;
          return {
            ...base,
            signatureProblem: undefined,
            through: sth.tree_size,
            proofs: base.proofs + (grew ? 1 : 0),
          };
        });
      });
  }, [sth?.signature]);
  return watch;
}
