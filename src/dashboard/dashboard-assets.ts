/**
 * The dashboard's static assets, held in memory: the browser bundle and style
 * sheet (inlined into this module at transpile time by the `clientBundle`
 * macro, so `dist/stemedb` carries them) and the icon. Each is served under a
 * name carrying its content hash, so browsers may cache it for good
 * (`immutable`) and a new build is never served stale; each also has a gzip
 * copy made once at start-up.
 */
import { clientBundle } from "./client-bundle.ts" with { type: "macro" };

export interface Asset {
  /** The URL path under /dashboard/assets/. */
  name: string;
  type: string;
  body: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer>;
  etag: string;
}

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#12324f"/><path d="M16 6v20M16 12l-7 6M16 12l7 6M9 18v5M23 18v5" stroke="#7fb8f0" stroke-width="2.6" stroke-linecap="round" fill="none"/><circle cx="16" cy="6" r="2.6" fill="#fff"/><circle cx="9" cy="23" r="2.6" fill="#fff"/><circle cx="23" cy="23" r="2.6" fill="#fff"/><circle cx="16" cy="26" r="2.6" fill="#fff"/></svg>`;

function asset(base: string, ext: string, type: string, text: string): Asset {
  const body = new TextEncoder().encode(text);
  const hash = new Bun.CryptoHasher("sha256").update(body).digest("hex").slice(0, 12);
  return {
    name: `${base}-${hash}.${ext}`,
    type,
    body,
    gzip: Bun.gzipSync(body, { level: 9 }),
    etag: `"${hash}"`,
  };
}

export interface DashboardAssets {
  script: Asset;
  styles: Asset;
  icon: Asset;
  byName: ReadonlyMap<string, Asset>;
}

let assets: DashboardAssets | undefined;

/** The assets, built on first use (hashing and gzip take a few ms, only when the dashboard is used). */
export function dashboardAssets(): DashboardAssets {
  if (assets === undefined) {
    const bundle = clientBundle();
    const script = asset("app", "js", "text/javascript; charset=utf-8", bundle.js);
    const styles = asset("app", "css", "text/css; charset=utf-8", bundle.css);
    const icon = asset("icon", "svg", "image/svg+xml", ICON);
    assets = {
      script,
      styles,
      icon,
      byName: new Map([script, styles, icon].map((a) => [a.name, a])),
    };
  }
  return assets;
}
