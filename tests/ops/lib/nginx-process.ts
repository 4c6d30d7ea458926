/**
 * Real nginx in a temp prefix, running the shipped ops/nginx/stemedb.conf with
 * only its deployment-specific values replaced: listen ports (free loopback
 * ports), certificate paths, log paths and the upstream port. Each
 * replacement must match the shipped text exactly once, so a change to the
 * shipped file that the test would silently miss fails instead. The main
 * config (daemon off, user root, temp paths) is the test's own, standing in
 * for Debian's /etc/nginx/nginx.conf.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../../e2e/binary.ts";
import { freePort } from "./free-port.ts";
import { run } from "./ops-tool.ts";

export const SHIPPED_NGINX_CONF = join(REPO, "ops/nginx/stemedb.conf");

export interface NginxProcess extends AsyncDisposable {
  httpUrl: string;
  httpsUrl: string;
  accessLog: string;
  errorLog: string;
}

function replaceOnce(text: string, from: string, to: string): string {
  const n = text.split(from).length - 1;
  if (n !== 1)
    throw new Error(`ops/nginx/stemedb.conf: expected "${from}" once, found it ${n} times`);
  return text.replace(from, to);
}

/** The shipped site config adapted to a temp prefix; returns the path of the main config. */
export function writeNginxConfig(
  dir: string,
  o: { httpPort: number; httpsPort: number; upstreamPort: number; cert: string; key: string },
): string {
  let site = readFileSync(SHIPPED_NGINX_CONF, "utf8");
  site = replaceOnce(site, "listen 80;", `listen 127.0.0.1:${o.httpPort};`);
  site = replaceOnce(site, "listen [::]:80;", "");
  site = replaceOnce(site, "listen 443 ssl http2;", `listen 127.0.0.1:${o.httpsPort} ssl http2;`);
  site = replaceOnce(site, "listen [::]:443 ssl http2;", "");
  site = replaceOnce(site, "/etc/letsencrypt/live/db.example.com/fullchain.pem", o.cert);
  site = replaceOnce(site, "/etc/letsencrypt/live/db.example.com/privkey.pem", o.key);
  site = replaceOnce(site, "server 127.0.0.1:18180;", `server 127.0.0.1:${o.upstreamPort};`);
  site = site.replaceAll("/var/log/nginx/", `${dir}/`);
  writeFileSync(join(dir, "stemedb.conf"), site);
  const main = join(dir, "nginx.conf");
  writeFileSync(
    main,
    [
      "daemon off;",
      "user root;",
      "worker_processes 1;",
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log info;`,
      "events { worker_connections 512; }",
      "http {",
      ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(
        (t) => `  ${t}_temp_path ${dir}/${t}_temp;`,
      ),
      `  include ${dir}/stemedb.conf;`,
      "}",
      "",
    ].join("\n"),
  );
  return main;
}

/** Checks the config with `nginx -t`; resolves with its output. */
export function nginxConfigTest(nginx: string, dir: string, main: string) {
  return run([nginx, "-t", "-p", dir, "-e", join(dir, "error.log"), "-c", main]);
}

/** Starts nginx on the config and waits until its HTTPS port answers. */
export async function startNginx(
  nginx: string,
  dir: string,
  o: { upstreamPort: number; cert: string; key: string },
): Promise<NginxProcess> {
  for (let attempt = 0; ; attempt++) {
    const httpPort = freePort();
    const httpsPort = freePort();
    const main = writeNginxConfig(dir, { ...o, httpPort, httpsPort });
    const proc = Bun.spawn([nginx, "-p", dir, "-e", join(dir, "error.log"), "-c", main], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const httpsUrl = `https://127.0.0.1:${httpsPort}`;
    // Wait for the condition: the TLS port answers, or nginx exits (a port taken meanwhile).
    while (proc.exitCode === null) {
      const ok = await fetch(`${httpsUrl}/v1/health/live`, { tls: { rejectUnauthorized: false } })
        .then(() => true)
        .catch(() => false);
      if (ok) {
        return {
          httpUrl: `http://127.0.0.1:${httpPort}`,
          httpsUrl,
          accessLog: join(dir, "stemedb.access.log"),
          errorLog: join(dir, "error.log"),
          async [Symbol.asyncDispose]() {
            proc.kill("SIGQUIT");
            await proc.exited;
          },
        };
      }
      await Bun.sleep(20);
    }
    const stderr = await new Response(proc.stderr).text();
    if (attempt >= 3 || !stderr.includes("Address already in use")) {
      throw new Error(`nginx exited (${proc.exitCode}): ${stderr}`);
    }
  }
}
