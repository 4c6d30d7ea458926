/**
 * The CLI's one error printer: turns what a command threw into one line on
 * stderr and an exit code. Usage errors exit 2; everything else 1. Server
 * errors keep their stable problem code so scripts can grep for it.
 */
import { CommanderError, InvalidArgumentError } from "commander";
import { StemeClientError } from "../client/client-error.ts";
import { StemeError } from "../errors.ts";
import { CliExit } from "./cli-io.ts";

export function reportError(error: unknown, write: (text: string) => void): number {
  if (error instanceof CliExit) {
    if (error.message !== "") write(`stemedb: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof InvalidArgumentError) {
    write(`stemedb: ${error.message}\n`);
    return 2;
  }
  if (error instanceof CommanderError) {
    // Commander has already printed its message (and help where asked).
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof StemeClientError) {
    write(`stemedb: ${describeClientError(error)}\n`);
    return 1;
  }
  if (error instanceof StemeError) {
    write(`stemedb: ${error.code}: ${error.message}\n`);
    return error.code === "config_invalid" ? 2 : 1;
  }
  write(`stemedb: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}

export function describeClientError(e: StemeClientError): string {
  const extras: string[] = [];
  if (e.field !== undefined) extras.push(`field ${e.field}`);
  if (e.status !== 0) extras.push(`HTTP ${e.status}`);
  if (e.requestId !== undefined) extras.push(`request ${e.requestId}`);
  if (e.retryAfter !== undefined) extras.push(`retry after ${e.retryAfter}s`);
  return `${e.code}: ${e.message}${extras.length > 0 ? ` (${extras.join(", ")})` : ""}`;
}
