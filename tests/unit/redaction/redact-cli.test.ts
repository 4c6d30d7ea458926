/**
 * `stemedb redact` in-process against a real engine behind the HTTP app
 * (SPEC §12, §1): a usage error for a bad reason or a missing key, 403 for a
 * key without the operator role, the receipt once the target is redacted, and
 * `--wait` returning once the server reports no scrub backlog.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { StemeClient } from "../../../src/client/index.ts";
import type { FetchLike } from "../../../src/client/steme-client.ts";
import { run } from "../cli/cli-test-io.ts";
import { ADMIN_TOKEN, openTestApp, type TestApp, testAgent } from "../http/http-test-helpers.ts";

let t: TestApp;
let fetchApp: FetchLike;
let keyPath: string;
let operatorKey: string;
let target: string;
const url = "http://stemedb.test";

beforeAll(async () => {
  t = await openTestApp();
  fetchApp = (input, init) => Promise.resolve(t.app.request(input, init));
  keyPath = join(t.dir, "operator.key");
  operatorKey = (await run(["keygen", "--out", keyPath])).stdout.trim();
  const client = new StemeClient({ baseUrl: url, fetch: fetchApp, adminToken: ADMIN_TOKEN });
  target = (await client.assert(testAgent().sign({ value: "call me at +1 555 0100" }))).id;
});
afterAll(async () => {
  await t.close();
});

const redact = (...args: string[]) =>
  run(["redact", ...args, "--url", url], { fetch: fetchApp, env: {} });

describe("stemedb redact", () => {
  test("--help names the operator role and the reason format", async () => {
    const help = await run(["redact", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--reason <code>");
    expect(help.stdout).toContain('{"role": "operator"}');
  });

  test("a reason that is not a code, or no key, is a usage error (exit 2)", async () => {
    const bad = await redact(target, "--reason", "Alice asked", "--key", keyPath);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--reason must match");
    const nokey = await redact(target, "--reason", "personal_data");
    expect(nokey.code).toBe(2);
  });

  test("a key without the operator role is refused (exit 1, operator_required)", async () => {
    const r = await redact(target, "--reason", "personal_data", "--key", keyPath);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("operator_required");
  });

  test("an operator key redacts; --wait returns once no scrub is pending", async () => {
    const client = new StemeClient({ baseUrl: url, fetch: fetchApp, adminToken: ADMIN_TOKEN });
    await client.putAgent(operatorKey, { role: "operator" });
    const r = await redact(target, "--reason", "personal_data", "--key", keyPath, "--wait");
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    const receipt = JSON.parse(r.stdout) as { status: string; id: string };
    expect(receipt.status).toBe("accepted");
    const view = await client.get(target);
    expect(view).toMatchObject({
      status: "redacted",
      redaction: { id: receipt.id, reason: "personal_data" },
    });
    const health = await client.health();
    expect(health.redactions).toEqual({ redacted: 1, local_backlog: 0, archive_backlog: null });
  });
});
