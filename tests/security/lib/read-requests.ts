/**
 * Hostile reads: query strings for `/v1/query`, `/v1/history`, the proofs,
 * the tree head, health and metrics, built from random names (known ones,
 * misspellings, prototype names, repeats) and absurd values (huge, negative,
 * NaN, 1e309, hex, lone surrogates, invalid UTF-8, traversal, 100 KB); ids and
 * keys in paths; JSON bodies for `POST /v1/query`; cursors forged with the
 * server's own encoder (valid tag, absurd position).
 */
import { encodeCursor } from "../../../src/lens/cursor.ts";
import type { Prng } from "../../helpers/prng.ts";
import { type GenContext, JSON_TYPE } from "./assert-requests.ts";
import type { HostileRequest } from "./hostile-request.ts";
import { ID_SEGMENTS, JSON_VALUES, PARAM_VALUES } from "./hostile-values.ts";

const QUERY_NAMES = [
  "concept",
  "match",
  "predicate",
  "agent",
  "lens",
  "as_of",
  "min_confidence",
  "limit",
  "cursor",
];
const JUNK_NAMES = [
  "x",
  "__proto__",
  "constructor",
  "concept[]",
  "CONCEPT",
  "",
  "%00",
  "toString",
  "limit%00",
];

/** `?a=b&c=d…` of 0–`max` params drawn from `names` (plus junk), repeats allowed. */
export function randomQuery(rng: Prng, names: readonly string[], max = 6): string {
  const n = rng.int(0, max);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = rng.chance(0.85) ? rng.pick(names) : rng.pick(JUNK_NAMES);
    parts.push(rng.chance(0.05) ? name : `${name}=${rng.pick(PARAM_VALUES)}`);
  }
  return parts.length === 0 ? "" : `?${parts.join("&")}`;
}

/** Past ~16 KB of request line and headers Bun.serve answers 431 itself. */
export const LONG_URL = 8_000;

const get = (label: string, path: string, extra: Partial<HostileRequest> = {}): HostileRequest => ({
  kind: "read",
  label,
  method: "GET",
  path,
  ...(path.length > LONG_URL ? { transportLimit: true } : {}),
  ...extra,
});

export function readRequests(
  ctx: GenContext,
  knownIds: readonly string[],
  n: number,
): HostileRequest[] {
  const { rng } = ctx;
  const ids = [...ID_SEGMENTS, ...knownIds.slice(0, 20)];
  const out: HostileRequest[] = [];
  const routes: (() => HostileRequest)[] = [
    () => get("query", `/v1/query${randomQuery(rng, QUERY_NAMES)}`),
    () => get("query", `/v1/query${randomQuery(rng, QUERY_NAMES)}`),
    () =>
      get("history", `/v1/history${randomQuery(rng, ["concept", "predicate", "limit", "cursor"])}`),
    () =>
      get(
        "assertion",
        `/v1/assertions/${rng.pick(ids)}${rng.chance(0.2) ? randomQuery(rng, ["x"]) : ""}`,
      ),
    () =>
      get("inclusion", `/v1/proof/inclusion/${rng.pick(ids)}${randomQuery(rng, ["tree_size"], 2)}`),
    () => get("consistency", `/v1/proof/consistency${randomQuery(rng, ["from", "to"], 3)}`),
    () => get("root", `/v1/merkle/root${randomQuery(rng, ["tree_size", "x"], 2)}`),
    () =>
      get(
        "health",
        `${rng.pick(["/v1/health", "/v1/health/live", "/v1/health/ready", "/metrics"])}${randomQuery(rng, ["x", "format"], 2)}`,
        { expect: { status: 200 } },
      ),
    () => {
      const body: Record<string, unknown> = {};
      for (let k = rng.int(0, 6); k > 0; k--)
        body[rng.pick([...QUERY_NAMES, "x", "__proto__"])] = rng.pick(JSON_VALUES);
      return {
        kind: "read",
        label: "POST query body",
        method: "POST",
        path: "/v1/query",
        headers: JSON_TYPE,
        body: JSON.stringify(body),
      };
    },
  ];
  for (let i = 0; i < n; i++) out.push(rng.pick(routes)());

  // Absurd numbers for every numeric parameter, one at a time.
  const numeric: [string, string][] = [
    ["/v1/query?concept=sec&limit=", "limit"],
    ["/v1/query?concept=sec&as_of=", "as_of"],
    ["/v1/query?concept=sec&min_confidence=", "min_confidence"],
    ["/v1/history?concept=sec&predicate=status&limit=", "limit"],
    ["/v1/history?concept=sec&predicate=status&cursor=", "cursor"],
    [`/v1/proof/inclusion/${knownIds[0]}?tree_size=`, "tree_size"],
    ["/v1/proof/consistency?to=1&from=", "from"],
    ["/v1/proof/consistency?from=0&to=", "to"],
  ];
  const absurd = [
    "-1",
    "-0",
    "NaN",
    "1e309",
    "0x10",
    "1.5",
    "9".repeat(30),
    "9007199254740993",
    "%00",
    "1%2C2",
    "1&x=1",
  ];
  for (const [prefix] of numeric)
    for (const v of absurd) out.push(get("absurd number", prefix + v));
  // Repeated parameters (arrays through repetition).
  for (const q of [
    "concept=a&concept=b",
    "lens=all&lens=latest&concept=sec",
    "limit=1&limit=1001&concept=sec",
    "from=0&from=1&to=1",
  ]) {
    out.push(
      get("repeated params", `/v1/query?${q}`),
      get("repeated params", `/v1/proof/consistency?${q}`),
    );
  }
  // 100 KB of parameters: past Bun's header limit in the URL; within the app's limits as a body.
  out.push(
    get("100 KB query string", `/v1/query?concept=${"a".repeat(100_000)}`, {
      transportLimit: true,
    }),
  );
  out.push({
    kind: "read",
    label: "100 KB query body",
    method: "POST",
    path: "/v1/query",
    headers: JSON_TYPE,
    body: JSON.stringify({ concept: "a".repeat(100_000) }),
    expect: { status: 422, code: "invalid_field", field: "concept" },
  });
  out.push({
    kind: "read",
    label: "10k nested query body",
    method: "POST",
    path: "/v1/query",
    headers: JSON_TYPE,
    body: `{"concept":${"[".repeat(10_000)}${"]".repeat(10_000)}}`,
    expect: { status: 422 },
  });

  // Cursors with a valid tag (the encoder is public knowledge) and absurd positions.
  const scope = { lens: "latest", match: "exact", concept: "sec" };
  const allScope = { lens: "all", match: "exact", concept: "sec" };
  const forged = [
    encodeCursor(scope, { asOf: 0, position: { key: { concept: "\ud800", predicate: "\u0000" } } }),
    encodeCursor(scope, {
      asOf: Number.MAX_SAFE_INTEGER,
      position: { key: { concept: "", predicate: "" } },
    }),
    encodeCursor(scope, {
      asOf: 1,
      position: { key: { concept: "z".repeat(2000), predicate: "%" } },
    }),
    encodeCursor(allScope, {
      asOf: 0,
      position: { time: { ts: Number.MAX_SAFE_INTEGER, seq: Number.MAX_SAFE_INTEGER } },
    }),
    encodeCursor(allScope, { asOf: 0, position: { time: { ts: 0, seq: 0 } } }),
  ];
  for (const c of forged) {
    out.push(get("forged cursor", `/v1/query?concept=sec&cursor=${c}`));
    out.push(get("forged cursor", `/v1/query?concept=sec&lens=all&cursor=${c}`));
  }
  for (const c of [
    "",
    "=",
    "A",
    "AAAA",
    "____",
    "e30",
    "W10",
    "WzEsMCwiayIsIiIsIiIsIiJd",
    "%FF",
    "a".repeat(5000),
  ]) {
    out.push(get("garbage cursor", `/v1/query?concept=sec&cursor=${c}`));
  }
  return out;
}
