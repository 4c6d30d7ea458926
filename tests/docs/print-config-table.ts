/**
 * Prints the README's configuration tables (the server's settings, then the
 * client commands') and rewrites `.env.example`, all from the settings tables
 * in src/config.ts. Run after changing a setting:
 *   npx bun tests/docs/print-config-table.ts
 * then paste the tables into README.md (tests check both stay in step).
 */
import { envExample } from "../../src/config.ts";
import { CONFIG_TABLE_HEADER, clientConfigRows, serverConfigRows } from "./config-table.ts";

await Bun.write(new URL("../../.env.example", import.meta.url), envExample());
console.log([...CONFIG_TABLE_HEADER, ...serverConfigRows()].join("\n"));
console.log();
console.log([...CONFIG_TABLE_HEADER, ...clientConfigRows()].join("\n"));
