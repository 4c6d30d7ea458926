/** @jsxImportSource hono/jsx */
/**
 * The server-rendered shell of each dashboard page (Hono JSX): the document,
 * navigation, the page's heading, and `<main id="app" data-page>`, into which
 * the client bundle renders the page from the HTTP API. No inline script or
 * style anywhere, so the CSP needs neither `'unsafe-inline'` nor hashes.
 */
import type { DashboardAssets } from "./dashboard-assets.ts";

export type PageName = "overview" | "explorer" | "quarantine" | "agents";

export const PAGES: readonly { name: PageName; path: string; title: string; lede: string }[] = [
  {
    name: "overview",
    path: "/dashboard",
    title: "Overview",
    lede: "Health, the signed tree, live ingest, storage, defense and backups.",
  },
  {
    name: "explorer",
    path: "/dashboard/explorer",
    title: "Explorer",
    lede: "Query concepts through a lens, compare what agents claim, travel back in the tree, and verify proofs in this browser.",
  },
  {
    name: "quarantine",
    path: "/dashboard/quarantine",
    title: "Quarantine review",
    lede: "Assertions held back by the content defense: release them to the lenses or reject them for good.",
  },
  {
    name: "agents",
    path: "/dashboard/agents",
    title: "Agents",
    lede: "The agent registry: names, trust for the trust lens, who may write, and what each agent did last.",
  },
];

export function DashboardPage(props: { page: PageName; assets: DashboardAssets }) {
  const { assets } = props;
  const current = PAGES.find((p) => p.name === props.page) ?? PAGES[0];
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${current?.title} · StemeDB`}</title>
        <link rel="icon" type="image/svg+xml" href={`/dashboard/assets/${assets.icon.name}`} />
        <link rel="stylesheet" href={`/dashboard/assets/${assets.styles.name}`} />
        <script type="module" src={`/dashboard/assets/${assets.script.name}`} />
      </head>
      <body>
        <a class="skip" href="#app">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/dashboard">
            <img src={`/dashboard/assets/${assets.icon.name}`} alt="" />
            StemeDB
          </a>
          <nav aria-label="Dashboard">
            <ul>
              {PAGES.map((p) => (
                <li>
                  <a href={p.path} aria-current={p.name === props.page ? "page" : undefined}>
                    {p.title}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        </header>
        <main>
          <h1>{current?.title}</h1>
          <p class="lede">{current?.lede}</p>
          <div id="app" data-page={props.page} tabindex={-1}>
            <noscript>The dashboard needs JavaScript; the HTTP API works without it.</noscript>
          </div>
        </main>
      </body>
    </html>
  );
}
