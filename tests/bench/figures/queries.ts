/**
 * Query runs over the `uniform` dataset by concept (no predicate), as
 * reader-threads.ts measures them: wrk, one thread, cycles through 20,000 GET
 * /v1/query URLs of existing concepts in a scattered order, one unmeasured
 * warm-up run before each case. `npm run bench` measures SPEC §9's query
 * figures with `query-modes.ts` instead (each key once; a Zipf mix).
 */
import { join } from "node:path";
import { conceptCount, conceptOf, prefixOf, tailOf } from "../lib/dataset.ts";
import { progress } from "../lib/progress.ts";
import { runWrk, writeLuaItems } from "../lib/wrk.ts";
import { type QueryFigure, runQueryFigure } from "./query-run.ts";

export type { QueryFigure } from "./query-run.ts";

export const QUERY_CASES = {
  exact_latest: (c: number) => `concept=${conceptOf(c)}`,
  tail_latest: (c: number) => `concept=${tailOf(c)}&match=tail`,
  prefix_latest: (c: number) => `concept=${prefixOf(c)}&match=prefix`,
  exact_consensus: (c: number) => `concept=${conceptOf(c)}&lens=consensus`,
} as const;
export type QueryCase = keyof typeof QUERY_CASES;

export interface QueryOptions {
  wrk: string;
  n: number;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  dir: string;
  /** The server's pid, for its CPU per query. */
  serverPid?: number;
  /** Which cases to run (default: all). */
  cases?: readonly QueryCase[];
}

const URLS = 20_000;

export async function measureQueries(
  baseUrl: string,
  options: QueryOptions,
): Promise<Record<QueryCase, QueryFigure>> {
  const concepts = conceptCount(options.n);
  const out: Partial<Record<QueryCase, QueryFigure>> = {};
  const cases = options.cases ?? (Object.keys(QUERY_CASES) as QueryCase[]);
  for (const name of cases) {
    const query = QUERY_CASES[name];
    const paths = Array.from(
      { length: URLS },
      (_, i) => `/v1/query?${query((i * 104_729 + 17) % concepts)}`,
    );
    const itemsFile = join(options.dir, `query-${name}.lua`);
    writeLuaItems(itemsFile, paths);
    progress(`query ${name}`);
    if (options.warmupSeconds > 0) {
      await runWrk({
        wrk: options.wrk,
        baseUrl,
        itemsFile,
        method: "GET",
        connections: options.connections,
        seconds: options.warmupSeconds,
      });
    }
    out[name] = await runQueryFigure({
      wrk: options.wrk,
      baseUrl,
      serverPid: options.serverPid,
      itemsFile,
      samplePath: paths[0] as string,
      distinctPaths: paths.length,
      connections: options.connections,
      seconds: options.seconds,
    });
  }
  return out as Record<QueryCase, QueryFigure>; // every case asked for
}
