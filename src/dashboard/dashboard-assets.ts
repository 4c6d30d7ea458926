/**
 * The dashboard's static assets, held in memory: the browser bundle and style
 * sheet (./dashboard-bundle.ts, where a macro inlines them at transpile time,
 * so `dist/stemedb` carries them) and the icon. Each is served under a
 * name carrying its content hash, so browsers may cache it for good
 * (`immutable`) and a new build is never served stale; each also has a gzip
 * copy made once at start-up.
 */

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

let assets: Promise<DashboardAssets> | undefined;

/** The assets, loaded on first use (the bundle module, then hashing and gzip: a few ms). */
export function dashboardAssets(): Promise<DashboardAssets> {
  assets ??= import("./dashboard-bundle.ts").then(({ BUNDLE }) => {
    const script = asset("app", "js", "text/javascript; charset=utf-8", BUNDLE.js);
    const styles = asset("app", "css", "text/css; charset=utf-8", BUNDLE.css);
    const icon = asset("icon", "svg", "image/svg+xml", ICON);
    return {
      script,
      styles,
      icon,
      byName: new Map([script, styles, icon].map((a) => [a.name, a])),
    };
  });
  return assets;
}
