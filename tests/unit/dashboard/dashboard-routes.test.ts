/**
 * `/dashboard` through `app.request()` (SPEC §3, issue 11): every page is an
 * HTML shell with its own strict CSP (no 'unsafe-inline', no eval, no
 * WebAssembly) and no inline script, style or event handler; the bundle,
 * style sheet and icon are served from memory under hashed names, immutable,
 * gzip when asked, 304 on a matching ETag; the API keeps its deny-all CSP.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DASHBOARD_CSP } from "../../../src/dashboard/dashboard-routes.tsx";
import { openTestApp, type TestApp } from "../http/http-test-helpers.ts";

let t: TestApp;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => {
  await t.close();
});

const PAGES = ["/dashboard", "/dashboard/explorer", "/dashboard/quarantine", "/dashboard/agents"];

async function page(path: string): Promise<{ res: Response; html: string }> {
  const res = await t.app.request(path);
  return { res, html: await res.text() };
}

function assetPaths(html: string): string[] {
  return [
    ...new Set([...html.matchAll(/"(\/dashboard\/assets\/[^"]+)"/g)].map((m) => m[1] as string)),
  ];
}

describe("dashboard pages", () => {
  for (const path of PAGES) {
    test(`${path}: an HTML shell under a strict CSP with nothing inline`, async () => {
      const { res, html } = await page(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=UTF-8");
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toBe(DASHBOARD_CSP);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/unsafe|wasm|\*|data:/);
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(html.startsWith("<!doctype html>")).toBe(true);
      expect(html).toContain(
        `data-page="${path === "/dashboard" ? "overview" : path.split("/")[2]}"`,
      );
      expect(html).toContain('aria-current="page"');
      // Nothing the CSP would have to allow: no inline script or style, no handler attribute.
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
      expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/);
      expect(assetPaths(html)).toHaveLength(3);
    });
  }

  test("/dashboard/ redirects to /dashboard", async () => {
    const res = await t.app.request("/dashboard/");
    expect(res.status).toBe(308);
    expect(res.headers.get("location")).toBe("/dashboard");
  });

  test("the API keeps its deny-all CSP", async () => {
    const res = await t.app.request("/v1/health");
    expect(res.headers.get("content-security-policy")).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
    expect(res.headers.get("cache-control")).toBe("no-store");
  });
});

describe("dashboard assets", () => {
  test("bundle, style sheet and icon: hashed names, immutable, gzip on request, 304 on ETag", async () => {
    const { html } = await page("/dashboard");
    const kinds = new Map<string, string>();
    for (const path of assetPaths(html)) {
      const plain = await t.app.request(path);
      expect(plain.status).toBe(200);
      expect(plain.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(plain.headers.get("content-encoding")).toBeNull();
      const body = new Uint8Array(await plain.arrayBuffer());
      expect(path).toMatch(/-[0-9a-f]{12}\.(js|css|svg)$/);
      const hash = new Bun.CryptoHasher("sha256").update(body).digest("hex").slice(0, 12);
      expect(path).toContain(hash);
      kinds.set(path.split(".").pop() as string, plain.headers.get("content-type") ?? "");

      const gz = await t.app.request(path, { headers: { "accept-encoding": "gzip, br" } });
      expect(gz.headers.get("content-encoding")).toBe("gzip");
      expect(Bun.gunzipSync(new Uint8Array(await gz.arrayBuffer()))).toEqual(body);

      const etag = plain.headers.get("etag") ?? "";
      const cached = await t.app.request(path, { headers: { "if-none-match": etag } });
      expect(cached.status).toBe(304);
    }
    expect(Object.fromEntries(kinds)).toEqual({
      js: "text/javascript; charset=utf-8",
      css: "text/css; charset=utf-8",
      svg: "image/svg+xml",
    });
  });

  test("the bundle carries the SDK verifiers and no WebAssembly, Buffer or eval", async () => {
    const { html } = await page("/dashboard");
    const js = assetPaths(html).find((p) => p.endsWith(".js")) as string;
    const text = await (await t.app.request(js)).text();
    expect(text).toContain("audit path does not lead from leaf"); // src/client/verify-proof.ts
    expect(text).toContain("signature does not verify under server_key"); // verify-tree-head.ts
    expect(text).not.toMatch(/WebAssembly|\bBuffer\.|\beval\(|new Function\(/);
  });

  test("an unknown asset is a problem+json 404", async () => {
    const res = await t.app.request("/dashboard/assets/app-000000000000.js");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
  });
});
