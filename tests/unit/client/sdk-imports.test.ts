/**
 * The SDK must not pull in server-side modules: bundling src/client/index.ts
 * must not reach bun:sqlite, node:crypto (the server's native Ed25519) or Hono.
 */
import { expect, test } from "bun:test";

test("the SDK bundle holds no bun:sqlite, node:crypto or hono", async () => {
  const result = await Bun.build({
    entrypoints: [new URL("../../../src/client/index.ts", import.meta.url).pathname],
    target: "node",
    packages: "external",
  });
  expect(result.success).toBe(true);
  const code = await (result.outputs[0] as Blob).text();
  const imports = [...code.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]);
  expect(imports).not.toContain("bun:sqlite");
  expect(imports.filter((i) => i === "node:crypto" || i === "crypto")).toEqual([]);
  expect(imports.filter((i) => i?.startsWith("hono"))).toEqual([]);
  expect(imports).toContain("@noble/ed25519");
});
