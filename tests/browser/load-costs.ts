/**
 * What each dashboard page costs to load, measured the same way for every
 * page and for a baseline in the same run: each load in a new tab, `RUNS`
 * times, the median of each figure. "cold" loads run with the browser cache
 * disabled (every byte over the wire, no compiled-code cache); "warm" ones
 * with the assets cached from an earlier load. Admin pages get the token in
 * sessionStorage before their scripts run, as a session that entered it has.
 * Figures are printed, never asserted: the machine is shared and noisy.
 */
import { type LoadCost, loadCost, type TestBrowser } from "./chromium.ts";

export const RUNS = 3;

export interface PageSpec {
  name: string;
  path: string;
  /** A dashboard page (waits for its `dashboard:ready` mark) or a baseline. */
  dashboard: boolean;
  adminToken?: string;
}

async function loadOnce(
  chrome: TestBrowser,
  url: string,
  spec: PageSpec,
  cold: boolean,
): Promise<LoadCost> {
  const w = await chrome.newPage();
  try {
    if (spec.adminToken !== undefined) {
      await w.page.addInitScript((token) => {
        sessionStorage.setItem("stemedb.adminToken", token);
      }, spec.adminToken);
    }
    if (cold) {
      const cdp = await chrome.context.newCDPSession(w.page);
      await cdp.send("Network.clearBrowserCache");
      await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    }
    await w.page.goto(url + spec.path);
    const cost = await loadCost(w.page, spec.name, spec.dashboard);
    if (w.errors.length > 0) throw new Error(`${spec.path}: ${w.errors.join("; ")}`);
    return cost;
  } finally {
    await w.page.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** The median of each figure over the runs of one page, and which cache state they had. */
export type CostRow = LoadCost & { cache: "cold" | "warm" };

const FIGURES = [
  "htmlMs",
  "domMs",
  "loadMs",
  "readyMs",
  "transferBytes",
  "assetBytes",
  "apiBytes",
  "requests",
] as const satisfies readonly (keyof LoadCost)[];

export async function measureLoadCosts(
  chrome: TestBrowser,
  url: string,
  specs: PageSpec[],
): Promise<CostRow[]> {
  const rows: CostRow[] = [];
  for (const cache of ["cold", "warm"] as const) {
    for (const spec of specs) {
      if (cache === "warm") await loadOnce(chrome, url, spec, false); // fill the cache
      const runs: LoadCost[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await loadOnce(chrome, url, spec, cache === "cold"));
      const row: CostRow = { page: spec.name, cache } as CostRow;
      for (const f of FIGURES) row[f] = Math.round(median(runs.map((c) => c[f])));
      rows.push(row);
    }
  }
  return rows;
}
