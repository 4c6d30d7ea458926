/**
 * README "Quickstart" says Node.js 20 is enough although @nats-io/nuid's
 * package.json asks for Node >= 22: the README's own check, run with the
 * `node` that runs npm on this machine, must print an id.
 */
import { expect, test } from "bun:test";
import { REPO } from "../e2e/binary.ts";
import { README } from "./readme-server.ts";

const CHECK = `import('@nats-io/nuid').then(m => console.log(m.nuid.next()))`;

test("@nats-io/nuid runs under the machine's Node (the README's check)", () => {
  expect(README).toContain(`node -e "${CHECK}"`);
  const node = Bun.which("node");
  expect(node).not.toBeNull(); // npm needs it: there is no install without it
  const r = Bun.spawnSync([node ?? "node", "-e", `${CHECK}; console.log(process.version)`], {
    cwd: REPO,
    stdout: "pipe",
    stderr: "pipe",
  });
  expect({ code: r.exitCode, stderr: r.stderr.toString() }).toEqual({ code: 0, stderr: "" });
  // process.version prints first: the import resolves after the script's synchronous part.
  const [version, id] = r.stdout.toString().trim().split("\n");
  expect(version).toMatch(/^v\d+\./);
  expect(id).toMatch(/^[0-9A-Za-z]{22}$/);
  console.log(`nuid on node ${version}: ${id}`);
});
