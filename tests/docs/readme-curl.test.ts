/**
 * The README's curl examples must work verbatim (issue: HTTP API). Each `curl`
 * line of the README's sh blocks runs in bash against a real server; only the
 * address (127.0.0.1:18180 → the test server's port 0 address) and the data
 * dir of the admin token file are substituted. The server already holds an
 * assertion before the README's first write.
 */
import { expect, test } from "bun:test";
import { testAgent } from "../helpers/agents.ts";
import { debianTool } from "../helpers/debian-tool.ts";
import { README, readmeServer } from "./readme-server.ts";

const commands = [...README.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((m) => (m[1] as string).split("\n"))
  .filter((line) => line.startsWith("curl "));

// Not a fresh data dir: another agent's assertion comes first, so the README's own is not leaf 0
// (issue 18: `?tree_size=1` in the inclusion example only worked on a fresh one).
const server = readmeServer({
  async seed(url) {
    const earlier = testAgent(90).sign({ concept: "readme/earlier", predicate: "p", value: 1 });
    const res = await fetch(`${url}/v1/assert`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(earlier),
    });
    if (res.status !== 201) throw new Error(`seed write: ${res.status} ${await res.text()}`);
  },
});

test("the README has curl examples", () => {
  expect(commands.length).toBeGreaterThan(10);
});

// curl (and bash) are Debian tools: skipped with the reason outside CI, a failure in CI.
const curl = debianTool("curl", "curl");

test.skipIf(curl.path === undefined).each(commands.map((c) => [c]))(
  `README: %s${curl.skipReason}`,
  async (command) => {
    const line = command.replaceAll("http://127.0.0.1:18180", server.url());
    // Async: the server runs in this process and must keep answering.
    const run = Bun.spawn(["bash", "-c", `${line} -o /dev/null -w '%{http_code}'`], {
      cwd: server.dir(),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(run.stdout).text(),
      new Response(run.stderr).text(),
      run.exited,
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const status = Number(stdout);
    expect(status).toBeGreaterThanOrEqual(200);
    expect(status).toBeLessThan(300);
  },
);
