/**
 * The README's configuration tables, generated from the settings tables in
 * src/config.ts (the server's SETTINGS, the client commands' CLIENT_SETTINGS):
 * one row per setting (environment variable, flag, default, meaning).
 * tests/docs/print-config-table.ts prints them; the config tests check the
 * README holds exactly these rows.
 */
import { CLIENT_SETTINGS, envName, flagName, SETTINGS } from "../../src/config.ts";

type SettingsTable = Record<string, { default: unknown; doc: string; flag?: string }>;

export const CONFIG_TABLE_HEADER = [
  "| environment | flag | default | meaning |",
  "|---|---|---|---|",
];

function rows(settings: SettingsTable, unset: (key: string) => string): string[] {
  return Object.entries(settings).map(([key, s]) => {
    const value = s.default === undefined ? unset(key) : `\`${String(s.default)}\``;
    return `| \`${envName(key)}\` | \`--${flagName(key, s)}\` | ${value} | ${s.doc.replace(/\|/g, "\\|")} |`;
  });
}

/** The server's settings. Without a default: the admin token is generated; others are simply off. */
export function serverConfigRows(): string[] {
  return rows(SETTINGS, (key) => (key === "adminToken" ? "(generated)" : "(unset)"));
}

/** The client commands' settings. */
export function clientConfigRows(): string[] {
  return rows(CLIENT_SETTINGS, () => "(none)");
}
