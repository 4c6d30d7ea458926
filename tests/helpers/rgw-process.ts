/**
 * A real S3 server that keeps object versions, for the tests of the redaction
 * scrub's version deletion (SPEC §12: "every version where the bucket keeps
 * versions"; s3rver keeps none). Ceph's RADOS Gateway (Debian `radosgw`,
 * Ceph 16.2) needs a cluster, so this starts a throwaway one on loopback, the
 * way Ceph's own vstart.sh does but smaller: one monitor, one OSD on memstore
 * (objects in memory, 256 MiB), no manager, cephx off, one radosgw, all under
 * one temp dir (config, mon store, logs, sockets) on ports picked free. Every
 * daemon runs in the foreground as a child of the test (`-f`), so dispose
 * stops each of them by its own process and removes the dir.
 * `await using rgw = await startRgw()` cleans up.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../ops/lib/free-port.ts";
import { waitFor } from "./archive-load.ts";
import { allInstalled, debianTool } from "./debian-tool.ts";

/** The Ceph tools, by the shared detection: under CI=true a missing one fails the suite (.ci/run installs them). */
export const RGW_TOOLS = allInstalled(
  debianTool("radosgw", "radosgw"),
  debianTool("radosgw-admin", "ceph-common"),
  debianTool("ceph", "ceph-common"),
  debianTool("ceph-mon", "ceph-mon"),
  debianTool("monmaptool", "ceph-base"),
  debianTool("ceph-osd", "ceph-osd"),
);

export interface RgwProcess extends AsyncDisposable {
  readonly port: number;
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** AWS SDK environment for a process that talks to this gateway (path-style). */
  readonly env: Record<string, string>;
}

function cephConf(dir: string, fsid: string, monPort: number, rgwPort: number): string {
  return `[global]
fsid = ${fsid}
mon host = v2:127.0.0.1:${monPort}
public addr = 127.0.0.1
ms bind ipv6 = false
# cephx off. radosgw's own defaults ask for a "secure" connection to the
# monitor, which auth "none" cannot give (it retried with EACCES forever).
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc secure
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
# One OSD: pools of one replica and few placement groups.
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
[mon]
mon data = ${dir}/mon
mon cluster log file = ${dir}/log/cluster.log
# The shared disk's free share is not this test's concern.
mon data avail warn = 1
mon data avail crit = 0
# One monitor: propose each map change at once, not batched over a second
# (radosgw's start changes the OSD map once per pool it creates).
paxos propose interval = 0.01
paxos min wait = 0.001
[osd]
osd data = ${dir}/osd
osd objectstore = memstore
memstore device bytes = 268435456
osd op num shards = 1
osd op num threads per shard = 1
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${dir}/rgw
rgw thread pool size = 8
rgw enable gc threads = false
rgw enable lc threads = false
rgw dynamic resharding = false
# The conformance suite's multipart uploads use small parts (S3 wants 5 MiB).
rgw multipart min part size = 65536
`;
}

/** Runs a Ceph tool to its end; its output, or an error carrying it. */
async function run(argv: string[]): Promise<string> {
  const p = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [out, err, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}:\n${out}\n${err}`);
  return out;
}

export async function startRgw(): Promise<RgwProcess> {
  const dir = mkdtempSync(join(tmpdir(), "stemedb-rgw-"));
  for (const sub of ["mon", "osd", "run", "log", "rgw"]) mkdirSync(join(dir, sub));
  const procs: Bun.Subprocess[] = [];
  const conf = join(dir, "ceph.conf");
  const daemon = (name: string, argv: string[]) => {
    const stderr = Bun.file(join(dir, "log", `${name}.stderr`));
    const proc = Bun.spawn([...argv, "-c", conf, "-f"], {
      stdin: "ignore",
      stdout: "ignore",
      stderr,
    });
    procs.push(proc);
    return proc;
  };
  /** The last lines of every log (the daemons', the tools'), for an error message. */
  const tails = () =>
    readdirSync(join(dir, "log"))
      .map((f) => {
        const lines = readFileSync(join(dir, "log", f), "utf8")
          .trimEnd()
          .split("\n");
        return `--- ${f}\n${lines.slice(-10).join("\n")}`;
      })
      .join("\n");
  const stop = async () => {
    // The gateway first, the monitor last: each daemon leaves on SIGTERM; a bound, then SIGKILL.
    for (const proc of [...procs].reverse()) {
      if (proc.exitCode !== null || proc.signalCode !== null) continue;
      proc.kill("SIGTERM");
      const bound = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await proc.exited;
      clearTimeout(bound);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [monPort, rgwPort] = [freePort(), freePort()];
    const fsid = randomUUID();
    writeFileSync(conf, cephConf(dir, fsid, monPort, rgwPort));
    const monmap = join(dir, "monmap");
    await run([
      "monmaptool",
      "--create",
      "--fsid",
      fsid,
      "--addv",
      "a",
      `[v2:127.0.0.1:${monPort}]`,
      monmap,
    ]);
    await run(["ceph-mon", "-c", conf, "--mkfs", "-i", "a", "--monmap", monmap]);
    daemon("mon.a", ["ceph-mon", "-i", "a"]);
    // `osd new` waits for the monitor's quorum (bounded by --connect-timeout) and allots id 0.
    const osdUuid = randomUUID();
    const ceph = ["ceph", "-c", conf, "--connect-timeout", "30"];
    const id = (await run([...ceph, "osd", "new", osdUuid])).trim();
    await run(["ceph-osd", "-c", conf, "-i", id, "--mkfs", "--osd-uuid", osdUuid]);
    daemon(`osd.${id}`, ["ceph-osd", "-i", id]);
    // radosgw creates its pools and default zone once the OSD is up, then listens.
    const rgw = daemon("client.rgw", ["radosgw", "-n", "client.rgw"]);
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    await waitFor(
      "radosgw to answer",
      async () => {
        if (rgw.exitCode !== null) throw new Error(`radosgw exited (${rgw.exitCode})`);
        return await fetch(endpoint).then(
          (r) => r.status === 200,
          () => false,
        );
      },
      90_000,
    );
    const accessKeyId = `STEMEDB${randomBytes(6).toString("hex").toUpperCase()}`;
    const secretAccessKey = randomBytes(20).toString("hex");
    await run([
      "radosgw-admin",
      ...["-c", conf, "--log-file", join(dir, "log", "radosgw-admin.log")],
      ...["user", "create", "--uid", "stemedb", "--display-name", "StemeDB tests"],
      ...["--access-key", accessKeyId, "--secret-key", secretAccessKey],
    ]);
    return {
      port: rgwPort,
      endpoint,
      accessKeyId,
      secretAccessKey,
      env: {
        AWS_ACCESS_KEY_ID: accessKeyId,
        AWS_SECRET_ACCESS_KEY: secretAccessKey,
        AWS_REGION: "us-east-1",
        AWS_ENDPOINT_URL_S3: endpoint,
        STEMEDB_S3_FORCE_PATH_STYLE: "true",
      },
      [Symbol.asyncDispose]: stop,
    };
  } catch (e) {
    const logs = tails();
    await stop();
    throw new Error(`a Ceph RGW test cluster did not start: ${(e as Error).message}\n${logs}`, {
      cause: e,
    });
  }
}
