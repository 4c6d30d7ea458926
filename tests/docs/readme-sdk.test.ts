/** The README's SDK example runs as written (only the server address and import path substituted). */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../src/config.ts";
import { type RunningServer, startServer } from "../../src/http/server.ts";
import { silentLogger } from "../../src/logger.ts";
import { type TempDir, tempDir } from "../helpers/temp-dir.ts";

const readme = readFileSync(join(import.meta.dir, "../../README.md"), "utf8");
const example = readme.match(/## Client SDK[\s\S]*?```ts\n([\s\S]*?)```/)?.[1] ?? "";

let dir: TempDir;
let server: RunningServer;

beforeAll(async () => {
  dir = tempDir();
  server = await startServer(
    parseConfig({ dataDir: join(dir.path, "data"), port: 0 }),
    silentLogger,
  );
});
afterAll(async () => {
  await server.stop();
  dir[Symbol.dispose]();
});

test("the README's SDK example signs, writes and verifies its proof", async () => {
  expect(example).toContain("new StemeClient");
  const file = join(dir.path, "example.ts");
  writeFileSync(
    file,
    example
      .replace("./src/client/index.ts", join(import.meta.dir, "../../src/client/index.ts"))
      .replace("http://127.0.0.1:18180", server.url),
  );
  const run = Bun.spawn([process.execPath, file], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(run.stdout).text(),
    new Response(run.stderr).text(),
    run.exited,
  ]);
  expect(err).toBe("");
  expect(out.trim()).toBe("true");
  expect(code).toBe(0);
});
