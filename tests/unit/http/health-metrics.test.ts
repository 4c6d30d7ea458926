/**
 * Health endpoints and Prometheus metrics (SPEC §3): summary figures,
 * liveness, readiness 503 + Retry-After once the engine takes no writes, and
 * the exposition's metric names, types and route-template labels.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  body as bodyOf,
  json,
  openTestApp,
  problem,
  type TestApp,
  testAgent,
} from "./http-test-helpers.ts";

interface Health {
  status: string;
  uptime_s: number;
  root: string;
  log: { segments: number; bytes: number; records: number };
  storage: { db_bytes: number; disk_free_bytes: number };
  recovery: Record<string, number>;
}

let t: TestApp;
beforeAll(async () => {
  t = await openTestApp();
  const agent = testAgent();
  await t.app.request(
    "/v1/assert",
    json([agent.sign({ value: 1 }), agent.sign({ value: 2 }), { v: 1 }]),
  );
});
afterAll(async () => {
  await t.close();
});

describe("health", () => {
  test("GET /v1/health summarizes tree, log, storage and recovery", async () => {
    const res = await t.app.request("/v1/health");
    expect(res.status).toBe(200);
    const h = await bodyOf<Health>(res);
    expect(h).toMatchObject({ status: "ok", version: expect.any(String), tree_size: 2 });
    expect(h.root).toMatch(/^[0-9a-f]{64}$/);
    expect(h.uptime_s).toBeGreaterThanOrEqual(0);
    expect(h.log.segments).toBeGreaterThanOrEqual(1);
    expect(h.log.bytes).toBeGreaterThan(0);
    expect(h.log.records).toBeGreaterThanOrEqual(2);
    expect(h.storage.db_bytes).toBeGreaterThan(0);
    expect(h.storage.disk_free_bytes).toBeGreaterThan(0);
    expect(h.recovery).toMatchObject({ replayed_records: 0, truncated_bytes: 0 });
  });

  test("live and ready answer 200 while the engine runs", async () => {
    const live = await t.app.request("/v1/health/live");
    expect(live.status).toBe(200);
    expect((await bodyOf<{ status: string }>(live)).status).toBe("live");
    const ready = await t.app.request("/v1/health/ready");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", tree_size: 2 });
  });

  test("ready is 503 with Retry-After once the engine is closed; live stays 200", async () => {
    const other = await openTestApp();
    await other.engine.close();
    try {
      const res = await other.app.request("/v1/health/ready");
      expect(res.status).toBe(503);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await problem(res)).code).toBe("not_ready");
      expect((await other.app.request("/v1/health/live")).status).toBe(200);
      // Writes are refused the same way.
      const write = await other.app.request("/v1/assert", json(testAgent().sign({})));
      expect(write.status).toBe(503);
      expect(write.headers.get("retry-after")).not.toBeNull();
    } finally {
      await other.close();
    }
  });
});

describe("metrics", () => {
  test("GET /metrics exposes the stemedb_ families with route templates", async () => {
    await t.app.request(`/v1/assertions/${"ab".repeat(32)}`);
    await t.app.request("/no/such/route");
    const res = await t.app.request("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/plain");
    const text = await res.text();
    for (const [name, type] of [
      ["stemedb_http_requests_total", "counter"],
      ["stemedb_http_request_duration_seconds", "histogram"],
      ["stemedb_ingest_assertions_total", "counter"],
      ["stemedb_log_fsync_duration_seconds", "histogram"],
      ["stemedb_log_commit_batch_records", "histogram"],
      ["stemedb_merkle_tree_size", "gauge"],
      ["stemedb_log_segments", "gauge"],
      ["stemedb_log_size_bytes", "gauge"],
      ["stemedb_ready", "gauge"],
      ["stemedb_process_resident_memory_bytes", "gauge"],
      ["stemedb_build_info", "gauge"],
    ]) {
      expect(text).toContain(`# TYPE ${name} ${type}\n`);
    }
    expect(text).toContain(
      'stemedb_http_requests_total{method="POST",route="/v1/assert",status="200"} 1',
    );
    expect(text).toContain('route="/v1/assertions/:id",status="404"');
    expect(text).toContain('route="unmatched",status="404"');
    expect(text).toContain('stemedb_ingest_assertions_total{status="accepted"} 2');
    expect(text).toContain('stemedb_ingest_assertions_total{status="rejected"} 1');
    expect(text).toContain("stemedb_merkle_tree_size 2\n");
    expect(text).toMatch(/stemedb_log_fsync_duration_seconds_count [1-9]/);
    expect(text).toContain("stemedb_log_commit_batch_records_sum 2\n");
  });

  test("each app has its own registry", async () => {
    const other = await openTestApp();
    try {
      const text = await (await other.app.request("/metrics")).text();
      expect(text).not.toContain("stemedb_ingest_assertions_total{");
      expect(text).toContain("stemedb_merkle_tree_size 0\n");
    } finally {
      await other.close();
    }
  });
});
