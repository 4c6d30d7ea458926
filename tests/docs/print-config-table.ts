/**
 * Prints the README's configuration tables (the server's settings, then the
 * client commands') and rewrites `.env.example`, all from the settings tables
 * in src/config.ts. Run after changing a setting:
 *   npx bun tests/docs/print-config-table.ts
 * then paste the tables into README.md (tests check both stay in step).
 */
import { CLIENT_SETTINGS, envExample, envName, flagName, SETTINGS } from "../../src/config.ts";

await Bun.write(new URL("../../.env.example", import.meta.url), envExample());

function table(
  settings: Record<string, { default: unknown; doc: string; flag?: string }>,
  noDefault: (key: string) => string,
) {
  const rows = Object.entries(settings).map(([key, s]) => {
    const value = s.default === undefined ? noDefault(key) : `\`${String(s.default)}\``;
    return `| \`${envName(key)}\` | \`--${flagName(key, s)}\` | ${value} | ${s.doc.replace(/\|/g, "\\|")} |`;
  });
  return ["| environment | flag | default | meaning |", "|---|---|---|---|", ...rows].join("\n");
}

console.log(table(SETTINGS, (key) => (key === "adminToken" ? "(generated)" : "(unset)")));
console.log();
console.log(table(CLIENT_SETTINGS, () => "(none)"));
