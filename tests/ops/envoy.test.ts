/**
 * ops/envoy/envoy.yaml is UNTESTED by Envoy itself: no envoy binary can be had
 * here (Debian 12 packages none, npm carries none). What this checks is only
 * that it parses, says so, and keeps the limits and addresses the server and
 * nginx use — not that Envoy accepts it (`envoy --mode validate` does that).
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../e2e/binary.ts";

const text = readFileSync(join(REPO, "ops/envoy/envoy.yaml"), "utf8");

test(`envoy.yaml parses, is marked untested, and matches the server's limits${Bun.which("envoy") ? "" : " (envoy itself: not installed, config untested)"}`, () => {
  expect(text).toContain("# UNTESTED: no envoy binary");
  expect(() => Bun.YAML.parse(text)).not.toThrow();
  const flat = JSON.stringify(Bun.YAML.parse(text));
  // The body backstop: the server's STEMEDB_MAX_BODY_BYTES default (4 MiB) + its 1 MiB slack, as nginx's 5m.
  expect(flat).toContain('"max_request_bytes":5242880');
  expect(flat).toContain('"port_value":18180');
  expect(flat).toContain('"path":"/v1/health/ready"');
  expect(flat).toContain('"use_remote_address":true');
  expect(flat).toContain('"preserve_external_request_id":true');
  expect(readFileSync(join(REPO, "ops/nginx/stemedb.conf"), "utf8")).toContain(
    "client_max_body_size 5m;",
  );
});
