/**
 * The read routes (SPEC §3, §4): queries, assertions and history, the Merkle
 * root and proofs — everything a reader thread answers itself (SPEC §11).
 * `isReadRoute` is derived from these registrations, so the list of what a
 * reader answers and what it forwards to the main thread cannot drift.
 */
import { Hono } from "hono";
import type { ReadRouteDeps } from "../app-deps.ts";
import type { HttpEnv } from "../http-env.ts";
import { assertionRoutes } from "./assertions.ts";
import { merkleRoutes } from "./merkle.ts";
import { queryRoutes } from "./query.ts";

export function readRoutes(deps: ReadRouteDeps): Hono<HttpEnv>[] {
  return [assertionRoutes(deps), queryRoutes(deps), merkleRoutes(deps)];
}

/** True when `method` and `path` name one of the read routes (HEAD counts as GET, as in Hono). */
export type ReadRouteTest = (method: string, path: string) => boolean;

export function readRouteTest(routes: readonly Hono<HttpEnv>[]): ReadRouteTest {
  const probe = new Hono();
  for (const r of routes) probe.route("/", r);
  return (method, path) =>
    probe.router.match(method === "HEAD" ? "GET" : method, path)[0].length > 0;
}
