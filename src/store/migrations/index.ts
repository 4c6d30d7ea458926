/** The ordered list of schema migrations. Append only: never edit a shipped one (its hash is recorded). */
import initial from "./0001-initial.ts";
import quarantineIndex from "./0002-quarantine-index.ts";

export interface Migration {
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { name: "0001-initial", sql: initial },
  { name: "0002-quarantine-index", sql: quarantineIndex },
];
