/**
 * StemeDB cluster nodes as real processes for the cluster tests (SPEC §10):
 * `stemedb serve --nats-url …` run from source (`bun src/main.ts`, the same
 * CLI the compiled binary wraps; cluster-nodes.e2e.test.ts covers the binary
 * itself), the `backup` / `restore` commands as subprocesses, and the reads
 * the tests compare nodes with (tree heads, health, consistency proofs).
 */
import { join } from "node:path";
import { fromHex } from "../../../src/hex.ts";
import { verifyConsistency } from "../../../src/merkle/verify-proofs.ts";
import { REPO, type Result, runBinary } from "../../e2e/binary.ts";
import { fastSigner } from "../../helpers/fast-sign.ts";
import { type ServeProcess, startServeProcess } from "../../helpers/serve-process.ts";

const MAIN = join(REPO, "src/main.ts");

export interface Sth {
  tree_size: number;
  root: string;
}

export interface ClusterHealth {
  status: string;
  tree_size: number;
  recovery: { replayed_records: number };
  cluster: {
    stream_lsn: number;
    stream_first_lsn: number;
    applied_lsn: number;
    lag_records: number;
    failure: string | null;
    behind_stream: boolean;
    apply_failures: number;
    apply_error: string | null;
  };
}

export async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** `stemedb serve` in cluster mode on `dataDir`; `env` adds or overrides STEMEDB_* settings. */
export function startClusterNode(o: {
  dataDir: string;
  natsUrls: string;
  stream: string;
  env?: Record<string, string>;
}): Promise<ServeProcess> {
  return startServeProcess(process.execPath, [], {
    cwd: REPO,
    script: MAIN,
    env: {
      STEMEDB_DATA_DIR: o.dataDir,
      STEMEDB_PORT: "0",
      STEMEDB_NATS_URL: o.natsUrls,
      STEMEDB_NATS_STREAM: o.stream,
      STEMEDB_LOG_LEVEL: "info",
      ...o.env,
    },
  });
}

/** A `stemedb` command (backup, restore, …) as a subprocess: exit code, stdout and stderr together. */
export function stemedb(args: string[]): Promise<Result> {
  return runBinary(process.execPath, [MAIN, ...args], { cwd: REPO });
}

export const head = (url: string) => fetch(`${url}/v1/merkle/root`).then((r) => json<Sth>(r));
export const health = (url: string) =>
  fetch(`${url}/v1/health`).then((r) => json<ClusterHealth>(r));

/** Signed assertions from one agent, each on its own key (no flood rule, SPEC §6, ever trips). */
export function assertionSource(seedByte: number) {
  const signer = fastSigner(new Uint8Array(32).fill(seedByte));
  let n = 0;
  return (count: number) =>
    Array.from({ length: count }, () => {
      const i = n++;
      return signer.sign({
        concept: `acme/join${seedByte}/svc${i}`,
        predicate: "status",
        value: i % 3 === 0 ? "degraded" : "ok",
        confidence: 0.9,
        ts: 1_767_225_600_000 + i,
      });
    });
}

/** POSTs a batch; resolves with the receipt (throws on anything but 200). */
export async function postBatch(
  url: string,
  docs: unknown[],
): Promise<{ tree_size: number; results: { id: string; seq: number; status: string }[] }> {
  return json(
    await fetch(`${url}/v1/assert`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(docs),
    }),
  );
}

/** Waits (bounded, server side) until the node at `url` has `size` leaves, then returns its head. */
export async function headAt(url: string, size: number): Promise<Sth> {
  const q = new URLSearchParams({ concept: "acme/none", predicate: "status" });
  q.set("min_tree_size", String(size));
  for (;;) {
    const res = await fetch(`${url}/v1/query?${q}`);
    await res.text();
    if (res.status === 200) return await head(url);
    if (res.status !== 503) throw new Error(`min_tree_size query: ${res.status}`);
  }
}

/** The node at `url` proves that `earlier` is a prefix of its tree at `later` (RFC 6962 consistency). */
export async function provesConsistent(url: string, earlier: Sth, later: Sth): Promise<boolean> {
  if (earlier.tree_size === later.tree_size) return earlier.root === later.root;
  const proof = await json<{ proof: string[] }>(
    await fetch(`${url}/v1/proof/consistency?from=${earlier.tree_size}&to=${later.tree_size}`),
  );
  return verifyConsistency(
    earlier.tree_size,
    later.tree_size,
    fromHex(earlier.root),
    fromHex(later.root),
    proof.proof.map((h) => fromHex(h)),
  );
}
