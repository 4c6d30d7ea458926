/**
 * Prints the README's configuration table and rewrites `.env.example`, both
 * from the settings table in src/config.ts. Run after changing a setting:
 *   npx bun tests/docs/print-config-table.ts
 * then paste the table into README.md (tests check both stay in step).
 */
import { envExample, envName, flagName, SETTINGS } from "../../src/config.ts";

await Bun.write(new URL("../../.env.example", import.meta.url), envExample());
const rows = Object.entries(SETTINGS).map(([key, s]) => {
  const value = s.default === undefined ? "(generated)" : `\`${String(s.default)}\``;
  return `| \`${envName(key)}\` | \`--${flagName(key)}\` | ${value} | ${s.doc.replace(/\|/g, "\\|")} |`;
});
console.log(
  ["| environment | flag | default | meaning |", "|---|---|---|---|", ...rows].join("\n"),
);
