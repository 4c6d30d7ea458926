/**
 * The tree heads one MCP session trusts (SPEC §2.3). Every signed tree head the
 * server hands out — a write receipt's, or the current one a proof is checked
 * against — is verified here with @noble/ed25519 before a tool answers, and
 * must be signed by one server key: the one pinned by `--server-key` /
 * `STEMEDB_SERVER_KEY`, else the first key this session sees (trust on first
 * use, as SSH does with host keys). A server whose key changes mid-session is
 * refused rather than believed.
 */
import type { SignedTreeHead } from "../client/client-types.ts";
import { treeHeadProblem } from "../client/verify-tree-head.ts";
import { toolFailure } from "./tool-result.ts";

export class TreeHeadPin {
  #serverKey: string | undefined;
  readonly #pinnedBySetting: boolean;

  constructor(serverKey?: string) {
    this.#serverKey = serverKey;
    this.#pinnedBySetting = serverKey !== undefined;
  }

  /** The server key tree heads must carry, once known. */
  get serverKey(): string | undefined {
    return this.#serverKey;
  }

  /** How the key came to be trusted, for answers a model reads. */
  get how(): string {
    return this.#pinnedBySetting
      ? "pinned by --server-key"
      : "pinned on first use by this session; pin it with --server-key";
  }

  /** Returns `sth` once its signature verifies under the pinned key; throws `untrusted_tree_head`. */
  check(sth: unknown): SignedTreeHead {
    const problem = treeHeadProblem(sth, this.#serverKey);
    if (problem !== undefined) {
      throw toolFailure("untrusted_tree_head", `the server's signed tree head fails: ${problem}`);
    }
    const checked = sth as SignedTreeHead;
    this.#serverKey ??= checked.server_key;
    return checked;
  }
}
