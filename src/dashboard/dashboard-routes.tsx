/** @jsxImportSource hono/jsx */
/**
 * `GET /dashboard` (SPEC §3): the web UI, served by the binary itself. Pages
 * are server-rendered shells (./dashboard-page.tsx); the browser bundle
 * renders their content from the public HTTP API, and from the admin API with
 * the token the operator enters. Nothing here reads the engine: the dashboard
 * is an API client like curl and the CLI.
 *
 * Pages carry their own Content-Security-Policy (the app-wide one forbids
 * everything; `securityHeaders` keeps a route's own): scripts, styles, images
 * and fetches from this origin only — no inline code, no eval, no WebAssembly,
 * no framing, forms post only here. Assets are immutable under hashed names.
 */
import { Hono } from "hono";
import type { HttpEnv } from "../http/http-env.ts";
import { dashboardAssets } from "./dashboard-assets.ts";
import { DashboardPage, PAGES } from "./dashboard-page.tsx";

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const IMMUTABLE = "public, max-age=31536000, immutable";

export function dashboardRoutes(): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();

  for (const page of PAGES) {
    app.get(page.path, async (c) => {
      const assets = await dashboardAssets();
      c.header("Content-Security-Policy", DASHBOARD_CSP);
      c.header("Cache-Control", "no-cache");
      return c.html(`<!doctype html>${<DashboardPage page={page.name} assets={assets} />}`);
    });
  }
  app.get("/dashboard/", (c) => c.redirect("/dashboard", 308));

  app.get("/dashboard/assets/:name", async (c) => {
    const asset = (await dashboardAssets()).byName.get(c.req.param("name"));
    if (asset === undefined) return c.notFound();
    c.header("Content-Type", asset.type);
    c.header("Cache-Control", IMMUTABLE);
    c.header("ETag", asset.etag);
    c.header("Vary", "Accept-Encoding");
    if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304);
    if (/\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
      c.header("Content-Encoding", "gzip");
      return c.body(asset.gzip);
    }
    return c.body(asset.body);
  });

  return app;
}
