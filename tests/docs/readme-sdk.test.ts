/** The README's SDK example runs as written (only the server address and import path substituted). */
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { README, readmeServer } from "./readme-server.ts";

const example = README.match(/## Client SDK[\s\S]*?```ts\n([\s\S]*?)```/)?.[1] ?? "";
const server = readmeServer();

test("the README's SDK example signs, writes and verifies its proof", async () => {
  expect(example).toContain("new StemeClient");
  const file = join(server.dir(), "example.ts");
  writeFileSync(
    file,
    example
      .replace("./src/client/index.ts", join(import.meta.dir, "../../src/client/index.ts"))
      .replace("http://127.0.0.1:18180", server.url()),
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
