/**
 * Options and argument parsers shared by the client-side commands (assert,
 * query, import, proof, mcp): the server URL, the agent key file and the pinned
 * server key — declared in CLIENT_SETTINGS (src/config.ts) and resolved by the
 * one config parser, flag > STEMEDB_* env > default — and number parsers that
 * turn a bad value into a usage error (exit 2) naming the option.
 */
import { InvalidArgumentError, Option } from "commander";
import { StemeClient } from "../client/steme-client.ts";
import {
  CLIENT_SETTINGS,
  type ClientConfig,
  type ClientSettingKey,
  envName,
  flagName,
  parseClientConfig,
} from "../config.ts";
import type { CliIo } from "./cli-io.ts";

/** The option of client setting `key`, its help naming the environment variable and default. */
export function clientOption(key: ClientSettingKey, placeholder: string, help?: string): Option {
  const setting: { default: unknown; doc: string; flag?: string } = CLIENT_SETTINGS[key];
  const shown = setting.default === undefined ? "" : `, default ${String(setting.default)}`;
  return new Option(
    `--${flagName(key, setting)} <${placeholder}>`,
    `${help ?? setting.doc} (env ${envName(key)}${shown})`,
  );
}

export function urlOption(): Option {
  return clientOption("url", "url", "StemeDB server URL");
}

export function keyOption(help: string): Option {
  return clientOption("agentKey", "file", help);
}

export function serverKeyOption(): Option {
  return clientOption("serverKey", "key", "pin the server's public key (64 hex)").argParser(
    parseHex32,
  );
}

/** `--operator-key K` (repeatable, or a comma list): the operator keys trusted to redact (SPEC §12). */
export function operatorKeyOption(): Option {
  return clientOption("operatorKeys", "keys").argParser((value: string, previous?: string) =>
    previous === undefined ? value : `${previous},${value}`,
  );
}

/** What the command's flags and the environment say about the client settings. */
export function clientConfig(
  options: { url?: string; key?: string; serverKey?: string; operatorKey?: string },
  io: CliIo,
): ClientConfig {
  return parseClientConfig(
    {
      url: options.url,
      agentKey: options.key,
      serverKey: options.serverKey,
      operatorKeys: options.operatorKey,
    },
    io.env,
  );
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

/**
 * `--operator-key <hex>` of restore, verify and dr-drill (SPEC §12): a key
 * trusted to have signed redactions, 64 hex, repeatable; the values collect
 * into a list. (`mcp` takes the client setting instead: operatorKeyOption.)
 */
export function operatorKeyListOption(
  help = "also trust this key to have signed the URL's redactions (SPEC §12; by default only the restored registry's operators); repeatable",
): Option {
  return new Option("--operator-key <hex>", help).argParser(
    (value: string, previous: string[] | undefined) => collect(parseHex32(value), previous),
  );
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
