/**
 * Debian's Chromium driven by playwright-core, for the dashboard's browser
 * tests. Launched headless with a fresh profile and every background service
 * off (no QUIC, sync, component updates or first-run network calls: without
 * these flags Chromium keeps calling out to the network it cannot reach).
 * Each page records console errors and uncaught exceptions, which the tests
 * require to stay empty.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { debianTool } from "../helpers/debian-tool.ts";

/** Debian's Chromium by the shared detection: skipped with a reason outside CI, an error in CI. */
export const CHROMIUM = debianTool("chromium", "chromium");

export interface TestBrowser extends AsyncDisposable {
  context: BrowserContext;
  /** A new tab (so its own sessionStorage: a new browser session), collecting console errors. */
  newPage(): Promise<WatchedPage>;
}

export interface WatchedPage {
  page: Page;
  /** Console errors and uncaught exceptions so far. */
  errors: string[];
}

export async function launchChromium(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "stemedb-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM.path,
    viewport: { width: 1280, height: 860 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(`console: ${m.text()} @ ${m.location().url}`);
      });
      page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
      return { page, errors };
    },
    async [Symbol.asyncDispose]() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What one page load cost, from the browser's own Navigation and Resource Timing. */
export interface LoadCost {
  page: string;
  /** Navigation start → the HTML's last byte, ms. */
  htmlMs: number;
  /** Navigation start → DOMContentLoaded handlers done (the bundle has run), ms. */
  domMs: number;
  /** Navigation start → load event end, ms. */
  loadMs: number;
  /** Navigation start → the page's first server data on screen (`dashboard:ready` mark), ms. */
  readyMs: number;
  /** Bytes over the wire (headers included) for everything the page loaded; 0 for what came from cache. */
  transferBytes: number;
  /** Body bytes (compressed as sent) of the page's own assets: HTML, script, style sheet, icon. */
  assetBytes: number;
  /** Body bytes of the API answers the page fetched to show its data. */
  apiBytes: number;
  requests: number;
}

/** The members of PerformanceNavigationTiming / PerformanceResourceTiming read here (no DOM lib in tests). */
interface Timing {
  name: string;
  encodedBodySize: number;
  responseEnd: number;
  domContentLoadedEventEnd: number;
  loadEventEnd: number;
  transferSize: number;
}

/**
 * The cost of the page just navigated to. `ready: false` for a page that is not
 * the dashboard's (a baseline): its readyMs is its loadMs.
 */
export async function loadCost(page: Page, name: string, ready = true): Promise<LoadCost> {
  if (ready) {
    await page.waitForFunction(() => performance.getEntriesByName("dashboard:ready").length > 0);
  }
  await page.waitForFunction(
    () =>
      (performance.getEntriesByType("navigation" as never)[0] as unknown as Timing)?.loadEventEnd >
      0,
  );
  const figures = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation" as never)[0] as unknown as Timing;
    const mark = performance.getEntriesByName("dashboard:ready")[0];
    const resources = performance.getEntriesByType("resource" as never) as unknown as Timing[];
    return {
      htmlMs: nav.responseEnd,
      domMs: nav.domContentLoadedEventEnd,
      loadMs: nav.loadEventEnd,
      readyMs: mark?.startTime ?? nav.loadEventEnd,
      transferBytes: nav.transferSize + resources.reduce((a, r) => a + r.transferSize, 0),
      assetBytes:
        nav.encodedBodySize +
        resources
          .filter((r) => r.name.includes("/dashboard/assets/"))
          .reduce((a, r) => a + r.encodedBodySize, 0),
      apiBytes: resources
        .filter((r) => !r.name.includes("/dashboard/assets/"))
        .reduce((a, r) => a + r.encodedBodySize, 0),
      requests: 1 + resources.length,
    };
  });
  return { page: name, ...figures };
}
