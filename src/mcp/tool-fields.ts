/**
 * The input fields the StemeDB MCP tools share, as zod schemas whose
 * descriptions are what a language model reads in `tools/list`: each says what
 * the field means, its format with an example, and its limits (SPEC §2.1, §4).
 * The server remains the authority: what passes here may still be refused,
 * and comes back as a tool error naming the field.
 */
import * as z from "zod";
import { CONCEPT_PATTERN, PREDICATE_PATTERN } from "../protocol/assertion-schema.ts";

export const concept = z
  .string()
  .regex(CONCEPT_PATTERN, "a concept path: lowercase segments of [a-z0-9_.:-] joined by /")
  .max(512)
  .describe(
    "The thing the claim is about, as a path of 1-32 lowercase segments joined by '/', " +
      "each 1-64 chars of a-z 0-9 _ . : - (e.g. 'acme/payments/checkout', 'people/ada-lovelace').",
  );

export const predicate = z
  .string()
  .regex(PREDICATE_PATTERN, "a predicate: a lowercase letter, then [a-z0-9_.:-]")
  .max(128)
  .describe(
    "The property being claimed, lowercase, starting with a letter, then a-z 0-9 _ . : - " +
      "(e.g. 'status', 'owner', 'p99_latency_ms').",
  );

/** Any JSON value, as a flat union (no recursive $ref, which some hosts cannot read). */
export const jsonValue = z
  .union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(z.unknown()),
    z.record(z.string(), z.unknown()),
  ])
  .describe(
    "The claimed value, any JSON: a string ('degraded'), number (812), boolean, array or object " +
      '({"team": "blue"}). Agents agree when their values are exactly equal JSON.',
  );

export const confidence = z
  .number()
  .min(0)
  .max(1)
  .describe(
    "How sure you are, 0 to 1 (default 1). Consensus weighs each agent's claim by it, " +
      "so say 0.6 when unsure rather than claiming certainty.",
  );

export const evidence = z
  .array(z.string().min(1).max(512))
  .max(16)
  .describe(
    "Up to 16 sources backing the claim: URLs, or ids (64 hex) of other assertions you relied on.",
  );

export const assertionId = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "an assertion id: 64 lowercase hex chars")
  .describe("An assertion id: 64 lowercase hex chars, as returned by assert, recall or history.");

export const agentKey = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "an agent key: 64 lowercase hex chars")
  .describe("An agent's public key (64 lowercase hex chars), as shown in recall and history.");

export const limit = z.number().int().min(1).max(1000);

export const cursor = z
  .string()
  .min(1)
  .describe("Continue a previous answer: pass its next_cursor unchanged.");
