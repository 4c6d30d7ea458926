/**
 * Logs never leak secrets or payloads (SPEC §6, STYLE.md §5): a real server
 * with a JSON logger at debug level (more than production's info) through a
 * full cycle — writes, a forged write, reads, a failed and a good admin
 * login, a rate-limit refusal, stop — and not one line may hold the admin
 * token, the wrong token tried, or the text of an assertion's value.
 */
import { describe, expect, test } from "bun:test";
import { parseConfig } from "../../../src/config.ts";
import { startServer } from "../../../src/http/server.ts";
import { jsonLogger } from "../../../src/logger.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { testAgent } from "./http-test-helpers.ts";

const TOKEN = "admin-token-that-must-never-be-logged-7f3a";
const WRONG = "wrong-token-that-must-never-be-logged-91c2";
const PAYLOAD = "payload text that must never be logged 5e8d";

describe("structured logs", () => {
  test("a full request cycle logs JSON lines without tokens or assertion values", async () => {
    using dir = tempDir();
    const lines: string[] = [];
    const logger = jsonLogger("debug", (line) => lines.push(line));
    const config = parseConfig({
      dataDir: dir.path,
      port: 0,
      adminToken: TOKEN,
      rateAdminPerIp: 1,
      rateBurstSeconds: 2,
    });
    const server = await startServer(config, logger);
    const url = server.url;
    const post = (doc: unknown) =>
      fetch(`${url}/v1/assert`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(doc),
      });
    try {
      const agent = testAgent();
      const signed = agent.sign({ value: { note: PAYLOAD } });
      expect((await post(signed)).status).toBe(201);
      expect((await post(signed)).status).toBe(200); // replay
      expect((await post({ ...signed, value: PAYLOAD })).status).toBe(422); // forged
      expect((await post([signed, { ...signed, concept: PAYLOAD }])).status).toBe(200);
      expect((await fetch(`${url}/v1/assertions/${"0".repeat(64)}`)).status).toBe(404);
      const q = await fetch(`${url}/v1/query?concept=acme/web/checkout&predicate=status`);
      expect(await q.text()).toContain(PAYLOAD); // it was stored and is served…
      const wrong = await fetch(`${url}/v1/agents`, {
        headers: { authorization: `Bearer ${WRONG}` },
      });
      expect(wrong.status).toBe(401);
      const good = await fetch(`${url}/v1/agents`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(good.status).toBe(200);
      const limited = await fetch(`${url}/v1/agents`, {
        headers: { authorization: `Bearer ${WRONG}` },
      });
      expect(limited.status).toBe(429);
    } finally {
      await server.stop();
    }
    // …but never logged.
    expect(lines.length).toBeGreaterThan(10);
    const records = lines.map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(records.filter((r) => r.msg === "http").length).toBeGreaterThanOrEqual(9);
    for (const line of lines) {
      expect(line).not.toContain(TOKEN);
      expect(line).not.toContain(WRONG);
      expect(line).not.toContain(PAYLOAD);
    }
  });
});
