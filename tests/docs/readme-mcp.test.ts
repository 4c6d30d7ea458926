/**
 * The README's MCP worked example runs as written: its `keygen` lines and its
 * script (three MCP sessions of the compiled binary against a real server),
 * with only the binary's path, the server address and the SDK's import paths
 * substituted; what the script prints must be the README's transcript, hashes
 * and times aside (each distinct hash is numbered by first appearance on both
 * sides, so "the id carol verifies is the one alice asserted" is compared too).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildBinary, runBinary } from "../e2e/binary.ts";
import { README, readmeServer } from "./readme-server.ts";

const section = README.slice(README.indexOf("### Worked example: two agents disagree"));
const block = (lang: string) =>
  section.match(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``))?.[1] ?? "";
const shell = block("sh");
const script = block("ts");
const transcript = block("text");

const server = readmeServer();
let bin: string;

beforeAll(async () => {
  bin = (await buildBinary()).path;
}, 120_000);

afterAll(() => {
  if (bin) rmSync(dirname(bin), { recursive: true, force: true });
});

/** Hashes and keys numbered by first appearance, times blanked. */
function normalize(text: string): string {
  const seen = new Map<string, number>();
  return text
    .replace(/\b[0-9a-f]{64}\b/g, (h) => {
      if (!seen.has(h)) seen.set(h, seen.size + 1);
      return `<hash ${seen.get(h)}>`;
    })
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, "<time>")
    .trimEnd();
}

test("the README's MCP example: two agents disagree, a third reads the consensus and its proof", async () => {
  expect(transcript).toContain("CONFLICT: 2 values; agreement 0.6");
  const keygens = shell.split("\n").filter((l) => l.startsWith("dist/stemedb keygen"));
  expect(keygens).toHaveLength(2);
  for (const line of keygens) {
    const args = (line.split("#")[0] as string).trim().split(/\s+/).slice(1);
    const r = await runBinary(bin, args, { cwd: server.dir() });
    expect([r.code, r.stderr]).toEqual([0, ""]);
  }
  const resolved = (spec: string) => fileURLToPath(import.meta.resolve(spec));
  const file = join(server.dir(), "example.ts");
  writeFileSync(
    file,
    script
      .replace(/"(@modelcontextprotocol\/sdk\/[^"]+)"/g, (_, spec) =>
        JSON.stringify(resolved(spec)),
      )
      .replace('"dist/stemedb"', JSON.stringify(bin))
      .replace("http://127.0.0.1:18180", server.url()),
  );
  const run = Bun.spawn([process.execPath, file], {
    cwd: server.dir(),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(run.stdout).text(),
    new Response(run.stderr).text(),
    run.exited,
  ]);
  expect([code, normalize(out)]).toEqual([0, normalize(transcript)]);
  // The sessions' own logs (inherited stderr): three started, two writes, three stopped.
  expect(err.match(/"msg":"stemedb mcp ready"/g)).toHaveLength(3);
  expect(err.match(/"msg":"stemedb mcp stopped"/g)).toHaveLength(3);
}, 60_000);
