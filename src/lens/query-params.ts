/**
 * The parameters of `GET /v1/query` and `POST /v1/query` (SPEC §4), one zod
 * schema for both. From the query string every value is a string and numbers
 * are decimal literals (`limit=10`, `min_confidence=0.5`); from a JSON body
 * numbers must be JSON numbers (`"limit": "10"` is refused). `concept`,
 * `predicate` and `agent` follow the assertion rules of SPEC §2.1 (the very
 * schemas of src/protocol). Unknown names are refused (`unknown_field`) rather
 * than ignored, so a misspelt `min_confidense` cannot silently widen a query.
 * `match` only qualifies `concept`: given without one it is refused.
 */
import * as z from "zod";
import { StemeError } from "../errors.ts";
import { assertionSchema } from "../protocol/assertion-schema.ts";
import type { MatchKind } from "../store/query-store.ts";

export type { MatchKind };

export const LENS_NAMES = ["latest", "consensus", "trust", "all"] as const;
export type LensName = (typeof LENS_NAMES)[number];

const MATCH_KINDS = ["exact", "prefix", "tail"] as const satisfies readonly MatchKind[];

/** SPEC §4 `limit`: at most this many results (keys, or assertions for `all`) per page. */
export const MAX_LIMIT = 1000;
export const DEFAULT_LIMIT = 100;
const MAX_CURSOR_CHARS = 4096;

export interface QueryParams {
  concept?: string;
  match: MatchKind;
  predicate?: string;
  agent?: string;
  lens: LensName;
  /** A tree size; absent means the current one. */
  as_of?: number;
  /** Wait until the node has this many leaves (SPEC §10); the HTTP layer does the waiting. */
  min_tree_size?: number;
  min_confidence?: number;
  limit: number;
  cursor?: string;
}

export type ParamSource = "query" | "json";

/** A plain decimal literal, as a query string carries a number (no hex, no blanks, no empty string). */
const DECIMAL = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function schemaFor(from: ParamSource) {
  // From the query string a decimal literal becomes a number; anything else
  // stays a string, which the number schema then refuses with its message.
  const num = <T extends z.ZodType>(schema: T) =>
    from === "json"
      ? schema
      : z.preprocess((v) => (typeof v === "string" && DECIMAL.test(v) ? Number(v) : v), schema);
  const enumOf = <T extends readonly [string, ...string[]]>(field: string, values: T) =>
    z.enum(values, { error: `${field} must be one of ${values.join(", ")}` });
  const shape = assertionSchema.shape;
  return z.strictObject({
    concept: shape.concept.optional(),
    match: enumOf("match", MATCH_KINDS).optional(),
    predicate: shape.predicate.optional(),
    agent: shape.agent.optional(),
    lens: enumOf("lens", LENS_NAMES).default("latest"),
    as_of: num(
      z
        .int({ error: "as_of must be an integer tree size ≥ 0" })
        .min(0, { error: "as_of must be an integer tree size ≥ 0" }),
    ).optional(),
    min_confidence: num(
      z
        .number({ error: "min_confidence must be a number from 0 to 1" })
        .min(0, { error: "min_confidence must be a number from 0 to 1" })
        .max(1, { error: "min_confidence must be a number from 0 to 1" }),
    ).optional(),
    limit: num(
      z
        .int({ error: `limit must be an integer from 1 to ${MAX_LIMIT}` })
        .min(1, { error: `limit must be an integer from 1 to ${MAX_LIMIT}` })
        .max(MAX_LIMIT, { error: `limit must be an integer from 1 to ${MAX_LIMIT}` }),
    ).default(DEFAULT_LIMIT),
    min_tree_size: num(
      z
        .int({ error: "min_tree_size must be an integer tree size ≥ 0" })
        .min(0, { error: "min_tree_size must be an integer tree size ≥ 0" }),
    ).optional(),
    cursor: z
      .string({ error: "cursor must be a string (a next_cursor)" })
      .min(1, { error: "cursor must not be empty; omit it for the first page" })
      .max(MAX_CURSOR_CHARS, { error: `cursor is longer than ${MAX_CURSOR_CHARS} chars` })
      .optional(),
  });
}

const schemas = { query: schemaFor("query"), json: schemaFor("json") };

type Issue = z.core.$ZodIssue;

function toStemeError(issues: readonly Issue[]): StemeError {
  const unknown = issues.find((i) => i.code === "unrecognized_keys");
  if (unknown !== undefined) {
    const names = unknown.keys.map((k) => JSON.stringify(k)).join(", ");
    return new StemeError(
      "unknown_field",
      `unknown query parameter ${names}; known: concept, match, predicate, agent, lens, as_of, min_confidence, min_tree_size, limit, cursor`,
      { field: unknown.keys[0] as string },
    );
  }
  const issue = issues[0] as Issue;
  const field = issue.path.length > 0 ? String(issue.path[0]) : undefined;
  return new StemeError("invalid_field", issue.message, field === undefined ? {} : { field });
}

/**
 * Validates query parameters from a query string (`"query"`: string values) or
 * a JSON body (`"json"`). Throws `StemeError` naming the `field`:
 * `unknown_field`, `invalid_field`, or `missing_filter` when none of concept,
 * predicate and agent is given.
 */
export function parseQueryParams(input: Record<string, unknown>, from: ParamSource): QueryParams {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new StemeError("invalid_field", "query parameters must be a JSON object");
  }
  const result = schemas[from].safeParse(input);
  if (!result.success) throw toStemeError(result.error.issues);
  const p = result.data;
  if (p.concept === undefined && p.predicate === undefined && p.agent === undefined) {
    throw new StemeError(
      "missing_filter",
      "a query needs at least one of concept, predicate or agent (SPEC §4)",
      { field: "concept" },
    );
  }
  if (p.match !== undefined && p.concept === undefined) {
    throw new StemeError(
      "invalid_field",
      "match applies to concept: give a concept or drop match",
      {
        field: "match",
      },
    );
  }
  const params: QueryParams = { match: p.match ?? "exact", lens: p.lens, limit: p.limit };
  if (p.concept !== undefined) params.concept = p.concept;
  if (p.predicate !== undefined) params.predicate = p.predicate;
  if (p.agent !== undefined) params.agent = p.agent;
  if (p.as_of !== undefined) params.as_of = p.as_of;
  if (p.min_confidence !== undefined) params.min_confidence = p.min_confidence;
  if (p.cursor !== undefined) params.cursor = p.cursor;
  if (p.min_tree_size !== undefined) params.min_tree_size = p.min_tree_size;
  return params;
}
