/**
 * What a module pulls in: bundles `entry` with Bun (packages external) and
 * returns the specifiers the bundle still imports, for layering tests (the SDK
 * and the MCP server must not reach the server's modules).
 */
import { expect } from "bun:test";

export async function bundleImports(entry: string): Promise<string[]> {
  const result = await Bun.build({ entrypoints: [entry], target: "node", packages: "external" });
  expect(result.success).toBe(true);
  const code = await (result.outputs[0] as Blob).text();
  return [...code.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1] as string);
}

/** No bun:sqlite, no native crypto (node:crypto), no Hono. */
export function expectNoServerModules(imports: readonly string[]): void {
  expect(imports).not.toContain("bun:sqlite");
  expect(imports.filter((i) => i === "node:crypto" || i === "crypto")).toEqual([]);
  expect(imports.filter((i) => i.startsWith("hono"))).toEqual([]);
}
