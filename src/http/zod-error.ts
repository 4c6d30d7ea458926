/** A zod failure on a request body as the one `StemeError` the error mapper understands. */
import type * as z from "zod";
import { StemeError } from "../errors.ts";
import { formatFieldPath } from "../protocol/json-input.ts";

export function zodError(error: z.ZodError, input: unknown): StemeError {
  const issue = error.issues.find((i) => i.code === "unrecognized_keys") ?? error.issues[0];
  if (issue === undefined) return new StemeError("invalid_field", "body is invalid");
  if (issue.code === "unrecognized_keys") {
    const field = issue.keys[0] as string;
    return new StemeError("unknown_field", `unknown field ${JSON.stringify(field)}`, { field });
  }
  const field = formatFieldPath(issue.path as (string | number)[]);
  const top = issue.path[0];
  if (
    issue.path.length === 1 &&
    typeof input === "object" &&
    input !== null &&
    (input as Record<string, unknown>)[top as string] === undefined
  ) {
    return new StemeError("missing_field", `missing required field "${String(top)}"`, { field });
  }
  return new StemeError(
    "invalid_field",
    field === undefined ? issue.message : `${field}: ${issue.message}`,
    field === undefined ? {} : { field },
  );
}
