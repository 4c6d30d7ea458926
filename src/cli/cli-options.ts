/**
 * Options and argument parsers shared by the client-side commands (assert,
 * query, import, proof): the server URL, and number parsers that turn a bad
 * value into a usage error (exit 2) naming the option.
 */
import { InvalidArgumentError, Option } from "commander";
import { StemeClient } from "../client/steme-client.ts";
import { SETTINGS } from "../config.ts";
import type { CliIo } from "./cli-io.ts";

export const DEFAULT_URL = `http://${SETTINGS.host.default}:${SETTINGS.port.default}`;

export function urlOption(): Option {
  return new Option("--url <url>", "StemeDB server URL").default(DEFAULT_URL);
}

export function makeClient(url: string, io: CliIo): StemeClient {
  try {
    return new StemeClient({ baseUrl: url, fetch: io.fetch });
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/** Commander parser: a non-negative safe integer. */
export function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError("must be a non-negative integer");
  }
  return n;
}

/** Commander parser: an integer ≥ 1. */
export function parsePositive(value: string): number {
  const n = parseCount(value);
  if (n < 1) throw new InvalidArgumentError("must be at least 1");
  return n;
}

/** Commander parser: a number in [0, 1]. */
export function parseUnit(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError("must be a number between 0 and 1");
  }
  return n;
}

/** Commander parser: 64 lowercase hex chars (an id or a key). */
export function parseHex32(value: string): string {
  if (!/^[0-9a-f]{64}$/.test(value)) {
    throw new InvalidArgumentError("must be 64 lowercase hex chars");
  }
  return value;
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
