/**
 * Parsing of URL path and query parameters shared by the routes. Every bad
 * value is a 422 naming the parameter in `field`, never a 500 further down.
 */
import { StemeError } from "../errors.ts";
import { fromHex } from "../hex.ts";

const HEX_64 = /^[0-9a-f]{64}$/;
const DIGITS = /^\d{1,16}$/;

/** A 64-lowercase-hex id or key (assertion id, agent key) as 32 bytes, else 422 `invalid_field`. */
export function hexParam(value: string | undefined, field: string): Uint8Array {
  if (value === undefined || !HEX_64.test(value)) {
    throw new StemeError("invalid_field", `${field} must be exactly 64 lowercase hex chars`, {
      field,
    });
  }
  return fromHex(value, 32);
}

/** A required string parameter, else 422 `missing_field`. */
export function requiredParam(value: string | undefined, field: string): string {
  if (value === undefined || value === "") {
    throw new StemeError("missing_field", `query parameter ${field} is required`, { field });
  }
  return value;
}

export interface IntParamRule {
  min: number;
  max?: number;
}

/** A decimal integer parameter within [min, max], or undefined when absent; else 422 `invalid_field`. */
export function intParam(
  value: string | undefined,
  field: string,
  rule: IntParamRule,
): number | undefined {
  if (value === undefined || value === "") return undefined;
  const max = rule.max ?? Number.MAX_SAFE_INTEGER;
  const n = DIGITS.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < rule.min || n > max) {
    const range = rule.max === undefined ? `≥ ${rule.min}` : `between ${rule.min} and ${max}`;
    throw new StemeError("invalid_field", `${field} must be an integer ${range}`, { field });
  }
  return n;
}

/** A boolean flag such as `?proof=1`: 1/true/0/false, absent = false. */
export function flagParam(value: string | undefined, field: string): boolean {
  if (value === undefined || value === "" || value === "0" || value === "false") return false;
  if (value === "1" || value === "true") return true;
  throw new StemeError("invalid_field", `${field} must be 1, true, 0 or false`, { field });
}

/** A seq cursor as the paged seq-ordered routes (history, quarantine) hand it out: "" or absent is the start. */
export function seqCursorParam(value: string | undefined): number {
  if (value === undefined || value === "") return 0;
  const n = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    throw new StemeError(
      "bad_cursor",
      "cursor is not one this server handed out; pass next_cursor as given",
      { field: "cursor" },
    );
  }
  return n;
}
