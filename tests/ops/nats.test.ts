/**
 * ops/ for cluster mode (SPEC §8, §10): the `nats-server` unit passes
 * `systemd-analyze verify` and keeps the exposure ops/docs/hardening.md
 * quotes; stemedb.service with the cluster drop-in still verifies; the
 * example JetStream config for 3 × t3.large passes `nats-server -t`; the
 * cluster environment file is accepted by the config parser and turns
 * cluster mode on.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../src/config.ts";
import { REPO } from "../e2e/binary.ts";
import { allInstalled, debianTool } from "../helpers/debian-tool.ts";
import { type TempDir, tempDir } from "../helpers/temp-dir.ts";
import { run } from "./lib/ops-tool.ts";

const NATS_DIR = join(REPO, "ops/nats");
const text = (path: string) => readFileSync(join(REPO, path), "utf8");
const INSTALLED_NATS = "/usr/sbin/nats-server";

const analyze = debianTool("systemd-analyze", "systemd");
const nats = debianTool("nats-server", "nats-server");

let dir: TempDir;
beforeAll(() => {
  dir = tempDir("stemedb-nats-ops-");
});
afterAll(() => dir[Symbol.dispose]());

/** A unit as shipped, with the installed binaries' paths replaced by this machine's. */
function localUnit(name: string, unit: string): string {
  const path = join(dir.path, name);
  writeFileSync(path, unit.replaceAll(INSTALLED_NATS, nats.path ?? INSTALLED_NATS));
  return path;
}

test("the cluster environment file turns cluster mode on with three NATS servers, the backup URL given to scrub", () => {
  const env: Record<string, string> = {};
  for (const line of text("ops/systemd/stemedb-cluster.env").split("\n")) {
    const m = line.match(/^(STEMEDB_[A-Z0-9_]+)=(.*)$/);
    if (m?.[1]) env[m[1]] = m[2] ?? "";
  }
  const config = parseConfig({}, env);
  expect(config.natsUrl?.split(",")).toHaveLength(3);
  expect(config.natsReplicas).toBe(3);
  // The URL the backup timer writes is the one the nodes scrub of redacted assertions.
  expect(config.archiveTo).toBe(
    text("ops/systemd/stemedb-cluster.env").match(/^BACKUP_URL=(.*)$/m)?.[1],
  );
  expect(text("ops/docs/cluster.md")).toContain("ops/systemd/stemedb-cluster.env");
});

describe(`systemd-analyze${allInstalled(analyze, nats).skipReason}`, () => {
  const ok = allInstalled(analyze, nats).ok;

  test.skipIf(!ok)("systemd-analyze verify nats-server.service", async () => {
    const unit = localUnit("nats-server.service", text("ops/nats/nats-server.service"));
    const r = await run([analyze.path ?? "", "verify", unit], { cwd: dir.path });
    expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({
      code: 0,
      stderr: "",
      stdout: "",
    });
  });

  test.skipIf(!ok)("verify is live: a nats-server unit whose binary is missing fails", async () => {
    const unit = join(dir.path, "broken-nats.service");
    writeFileSync(
      unit,
      text("ops/nats/nats-server.service").replaceAll(INSTALLED_NATS, "/nonexistent/nats"),
    );
    const r = await run([analyze.path ?? "", "verify", unit]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("/nonexistent/nats");
  });

  test.skipIf(!ok)(
    "stemedb.service with the cluster drop-in (After=nats-server.service) verifies",
    async () => {
      localUnit("nats-server.service", text("ops/nats/nats-server.service"));
      const stemedb = text("ops/systemd/stemedb.service").replaceAll(
        "/usr/local/bin/stemedb",
        process.execPath, // any existing binary: verify checks the path exists
      );
      const unit = localUnit(
        "stemedb.service",
        `${stemedb}\n${text("ops/nats/stemedb-cluster.conf")}`,
      );
      const r = await run([analyze.path ?? "", "verify", unit], { cwd: dir.path });
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    },
  );

  test.skipIf(!ok)(
    "the nats-server unit's exposure is the one ops/docs/hardening.md quotes",
    async () => {
      const unit = localUnit("nats-server.service", text("ops/nats/nats-server.service"));
      const r = await run([analyze.path ?? "", "security", "--offline=true", unit]);
      expect(r.code).toBe(0);
      const score = r.stdout.match(/Overall exposure level for \S+: (\d+\.\d+)/)?.[1];
      expect(Number(score)).toBeLessThanOrEqual(2.0);
      expect(text("ops/docs/hardening.md")).toContain(`| \`nats-server.service\` | ${score} |`);
    },
  );
});

test.skipIf(!nats.path)(
  `the example JetStream cluster config passes nats-server -t${nats.skipReason}`,
  async () => {
    const conf = join(dir.path, "nats-server.conf");
    const example = text("ops/nats/nats-server.conf");
    expect(example).toContain("jetstream {");
    expect(example).toMatch(/cluster \{[^}]*routes: \[/);
    writeFileSync(conf, example.replace('"/var/lib/nats"', `"${join(dir.path, "js")}"`));
    const r = await run([nats.path ?? "", "-c", conf, "-t"]);
    expect({ code: r.code, out: (r.stdout + r.stderr).trim() }).toEqual({
      code: 0,
      out: `nats-server: configuration file ${conf} is valid`,
    });
    // And a broken one is caught.
    writeFileSync(conf, example.replace("jetstream {", "jetstream {{"));
    expect((await run([nats.path ?? "", "-c", conf, "-t"])).code).not.toBe(0);
  },
);

test("ops/docs/cluster.md references the NATS unit, its config and the drop-in", () => {
  const doc = text("ops/docs/cluster.md");
  for (const f of ["nats-server.service", "nats-server.conf", "stemedb-cluster.conf"]) {
    expect(doc).toContain(`ops/nats/${f}`);
  }
  expect(readFileSync(join(NATS_DIR, "nats-server.service"), "utf8")).toContain(
    "ExecStart=/usr/sbin/nats-server -c /etc/nats/nats-server.conf",
  );
});
