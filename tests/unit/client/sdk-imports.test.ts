/**
 * The SDK must not pull in server-side modules: bundling src/client/index.ts
 * must not reach bun:sqlite, node:crypto (the server's native Ed25519) or Hono.
 */
import { expect, test } from "bun:test";
import { bundleImports, expectNoServerModules } from "../../helpers/bundle-imports.ts";

test("the SDK bundle holds no bun:sqlite, node:crypto or hono", async () => {
  const imports = await bundleImports(
    new URL("../../../src/client/index.ts", import.meta.url).pathname,
  );
  expectNoServerModules(imports);
  expect(imports).toContain("@noble/ed25519");
});
