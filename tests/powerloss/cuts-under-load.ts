/**
 * Power cuts under load (SPEC §5: no response claims durability before its
 * fsync): `stemedb serve` runs with its data dir on cutfs, concurrent single
 * and batch writers post over HTTP, and at a random moment the layer drops
 * everything unsynced and the server is SIGKILLed. Restarted on what remains,
 * the server must hold every acknowledged write with its seq, prove every
 * receipt it handed out (inclusion at the receipt's tree size, consistency
 * from every tree head to the current one), keep its node key and admin token,
 * and `stemedb verify` must pass at the end.
 *
 * Every other cut is torn (files keep a random part of their unsynced pages,
 * as when the kernel had written some back), so recovery meets torn log tails
 * and half-written SQLite pages too. Segments roll at 64 KiB and retention is 0 hours, so rolls and removals of
 * applied segments happen under the cuts too. Shared by the CI test
 * (cuts-under-load.test.ts) and `npm run powerloss` (run.ts).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fromHex } from "../../src/hex.ts";
import { leafHash } from "../../src/merkle/hash.ts";
import { verifyConsistency, verifyInclusion } from "../../src/merkle/verify-proofs.ts";
import { runBinary } from "../e2e/binary.ts";
import { fastSigner } from "../helpers/fast-sign.ts";
import { type Prng, prng } from "../helpers/prng.ts";
import { type ServeProcess, startServeProcess } from "../helpers/serve-process.ts";
import type { Cutfs } from "./cutfs/cutfs-mount.ts";

export const MAIN = resolve(import.meta.dir, "../../src/main.ts");

export interface CutFigures {
  cuts: number;
  acknowledged: number;
  lost: number;
  /** Acknowledged writes found with another seq than acknowledged. */
  wrongSeq: number;
  headsChecked: number;
  receiptsChecked: number;
  /** Restarts whose recovery cut a torn log tail (health `recovery.truncated_bytes` > 0). */
  tornTails: number;
  /** What went wrong, in words (empty on a clean run). */
  failures: string[];
}

interface Receipt {
  seq: number;
  size: number;
  root: string;
}

interface Sth {
  tree_size: number;
  root: string;
  server_key: string;
}

export const SERVE_ENV = {
  STEMEDB_SEGMENT_BYTES: "65536",
  STEMEDB_LOG_RETENTION_HOURS: "0",
  STEMEDB_LOG_LEVEL: "warn",
};

export function startOnLayer(
  dataDir: string,
  cwd: string,
  env: Record<string, string> = {},
): Promise<ServeProcess> {
  return startServeProcess(process.execPath, ["--data-dir", dataDir, "--port", "0"], {
    cwd,
    script: MAIN,
    env: { ...SERVE_ENV, ...env },
  });
}

/** Writers posting until `stop()`; each acknowledged id lands in `acks` with its receipt. */
function startWriters(url: string, rnd: Prng, acks: Map<string, Receipt>, heads: Map<number, Sth>) {
  let running = true;
  let acked = 0;
  const record = (id: string, seq: number, sth: Sth) => {
    acks.set(id, { seq, size: sth.tree_size, root: sth.root });
    heads.set(sth.tree_size, sth);
    acked++;
  };
  const writer = async (w: number, batch: boolean) => {
    const signer = fastSigner(rnd.bytes(32));
    let i = 0;
    while (running) {
      const n = batch ? rnd.int(1, 40) : 1;
      const docs = Array.from({ length: n }, () =>
        signer.sign({
          concept: `power/w${w}/${i % 7}`,
          predicate: "n",
          value: i++,
          ts: Date.now(),
        }),
      );
      let res: Response;
      try {
        res = await fetch(`${url}/v1/assert`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(batch ? docs : docs[0]),
        });
      } catch {
        return; // the server is gone: the cut happened
      }
      if (res.status >= 500) return void (await res.text());
      const body = (await res.json()) as {
        id?: string;
        seq?: number;
        sth?: Sth;
        results?: { id: string; seq: number; status: string }[];
      };
      if (!body.sth) continue;
      if (!batch && body.id && body.seq) record(body.id, body.seq, body.sth);
      for (const r of body.results ?? []) {
        if (r.status === "accepted" || r.status === "duplicate") record(r.id, r.seq, body.sth);
      }
    }
  };
  const done = Promise.all([
    ...Array.from({ length: 6 }, (_, w) => writer(w, false)),
    ...Array.from({ length: 3 }, (_, w) => writer(100 + w, true)),
  ]);
  let finished = false;
  void done.then(() => {
    finished = true;
  });
  return {
    acked: () => acked,
    /** False once every writer gave up (the server answered 5xx or went away). */
    alive: () => !finished,
    async stop() {
      running = false;
      await done;
    },
  };
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}

/** Checks a restarted server against everything handed out so far; adds to `f`. */
async function checkServer(
  url: string,
  acks: Map<string, Receipt>,
  heads: Map<number, Sth>,
  rnd: Prng,
  f: CutFigures,
  identity: { key?: string },
  ids: string[],
) {
  const { body: now } = await getJson<Sth>(`${url}/v1/merkle/root`);
  const { body: health } = await getJson<{ recovery?: { truncated_bytes?: number } }>(
    `${url}/v1/health`,
  );
  if ((health.recovery?.truncated_bytes ?? 0) > 0) f.tornTails++;
  if (identity.key !== undefined && now.server_key !== identity.key) {
    f.failures.push(`node key changed after cut ${f.cuts}: ${identity.key} -> ${now.server_key}`);
  }
  identity.key ??= now.server_key;
  for (let i = 0; i < ids.length; i += 32) {
    await Promise.all(
      ids.slice(i, i + 32).map(async (id) => {
        const { status, body } = await getJson<{ seq: number }>(`${url}/v1/assertions/${id}`);
        const want = acks.get(id)?.seq;
        if (status === 404) {
          f.lost++;
          f.failures.push(`cut ${f.cuts}: acknowledged ${id} (seq ${want}) is gone`);
        } else if (body.seq !== want) {
          f.wrongSeq++;
          f.failures.push(`cut ${f.cuts}: ${id} acknowledged with seq ${want}, now ${body.seq}`);
        }
      }),
    );
  }
  for (const head of heads.values()) {
    if (head.tree_size > now.tree_size) {
      f.failures.push(
        `cut ${f.cuts}: tree shrank below a handed-out head (${head.tree_size} > ${now.tree_size})`,
      );
      continue;
    }
    const { body } = await getJson<{ proof: string[] }>(
      `${url}/v1/proof/consistency?from=${head.tree_size}&to=${now.tree_size}`,
    );
    const proof = body.proof.map((h) => fromHex(h, 32));
    if (
      !verifyConsistency(
        head.tree_size,
        now.tree_size,
        fromHex(head.root, 32),
        fromHex(now.root, 32),
        proof,
      )
    ) {
      f.failures.push(
        `cut ${f.cuts}: head ${head.tree_size} is not a prefix of the tree after the cut`,
      );
    }
    f.headsChecked++;
  }
  for (const id of rnd.sample(ids, Math.min(ids.length, 25))) {
    const r = acks.get(id) as Receipt;
    const { status, body } = await getJson<{ leaf_index: number; audit_path: string[] }>(
      `${url}/v1/proof/inclusion/${id}?tree_size=${r.size}`,
    );
    const path = (body.audit_path ?? []).map((h) => fromHex(h, 32));
    if (
      status !== 200 ||
      !verifyInclusion(
        leafHash(fromHex(id, 32)),
        body.leaf_index,
        r.size,
        path,
        fromHex(r.root, 32),
      )
    ) {
      f.failures.push(
        `cut ${f.cuts}: receipt of ${id} (tree size ${r.size}) does not prove: ${status} ${JSON.stringify(body).slice(0, 300)}`,
      );
    }
    f.receiptsChecked++;
  }
}

/**
 * `cuts` power cuts under load on one data dir on `fs`, each after a random
 * number of acknowledged writes; returns the figures (failures included).
 */
export async function runCutsUnderLoad(
  fs: Cutfs,
  options: {
    cuts: number;
    seed: number;
    maxAcksPerRound?: number;
    /** Stop cutting at this time (ms since the epoch) even before `cuts`. */
    until?: number;
    /** More STEMEDB_* settings for the server (e.g. archival). */
    env?: Record<string, string>;
    log?: (line: string) => void;
  },
): Promise<CutFigures> {
  const rnd = prng(options.seed);
  const dataDir = join(fs.dir, "data");
  mkdirSync(dataDir);
  await fs.sync(); // the operator's empty data dir exists before the first start
  const acks = new Map<string, Receipt>();
  const heads = new Map<number, Sth>();
  const identity: { key?: string } = {};
  let token: string | undefined;
  let checked = 0;
  const f: CutFigures = {
    cuts: 0,
    acknowledged: 0,
    lost: 0,
    wrongSeq: 0,
    headsChecked: 0,
    receiptsChecked: 0,
    tornTails: 0,
    failures: [],
  };
  for (;;) {
    // One server per round: it first answers for everything handed out before
    // the last cut, then takes load until the next one.
    const server = await startOnLayer(dataDir, fs.dir, options.env);
    try {
      const liveToken = readFileSync(join(dataDir, "admin.token"), "utf8");
      if (token !== undefined && liveToken !== token) {
        f.failures.push(`cut ${f.cuts}: the admin token changed (${JSON.stringify(liveToken)})`);
      }
      token ??= liveToken;
      const done =
        f.cuts >= options.cuts || Date.now() >= (options.until ?? Number.POSITIVE_INFINITY);
      if (f.cuts > 0) {
        // Every round: the writes acknowledged since the last check and a sample
        // of the older ones; after the last cut, every one.
        const all = [...acks.keys()];
        const ids = done
          ? all
          : [...all.slice(checked), ...rnd.sample(all.slice(0, checked), Math.min(checked, 200))];
        checked = all.length;
        await checkServer(server.url, acks, heads, rnd, f, identity, ids);
        options.log?.(
          `cut ${f.cuts}: ${acks.size} acknowledged so far, ${f.lost} lost, ${f.failures.length} failures`,
        );
        heads.clear(); // checked; what comes next extends the current tree
        const { body: now } = await getJson<Sth>(`${server.url}/v1/merkle/root`);
        heads.set(now.tree_size, now);
      }
      if (done || f.failures.length > 20) {
        await server.stop("SIGTERM");
        break;
      }
      const writers = startWriters(server.url, rnd, acks, heads);
      const target = rnd.int(5, options.maxAcksPerRound ?? 300);
      while (writers.acked() < target && writers.alive()) await Bun.sleep(2);
      if (!writers.alive())
        f.failures.push(`cut ${f.cuts + 1}: every writer stopped before the cut (5xx)`);
      // Every other cut is torn: files keep a random part of their unsynced pages.
      await fs.cut(f.cuts % 2 === 1 ? rnd.int(0, 2 ** 31) : undefined);
      await server.stop("SIGKILL");
      await writers.stop();
      await fs.resume();
      f.cuts++;
    } catch (e) {
      await server.stop("SIGKILL");
      throw e;
    }
  }
  f.acknowledged = acks.size;
  return f;
}

/** `stemedb verify DATA_DIR` on what the last cut left. */
export async function verifyDataDir(dataDir: string): Promise<{ code: number; output: string }> {
  const r = await runBinary(process.execPath, [MAIN, "verify", dataDir], { cwd: dirname(dataDir) });
  return { code: r.code, output: r.stdout + r.stderr };
}
