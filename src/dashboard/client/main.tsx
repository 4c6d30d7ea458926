/** @jsxImportSource hono/jsx/dom */
/**
 * The dashboard's browser entry point: mounts the page the server named in
 * `<main id="app" data-page="…">` (src/dashboard/dashboard-page.tsx). One
 * bundle serves every page; see ../client-bundle.ts for how it is built.
 */
import { render } from "hono/jsx/dom";
import { AdminGate } from "./admin-gate.tsx";
import { Agents } from "./agents.tsx";
import { Explorer } from "./explorer.tsx";
import { Overview } from "./overview.tsx";
import { QuarantineReview } from "./quarantine.tsx";

const root = document.getElementById("app");
const page = root?.dataset.page;
if (root) {
  root.replaceChildren();
  if (page === "overview") render(<Overview />, root);
  else if (page === "explorer") render(<Explorer />, root);
  else if (page === "quarantine")
    render(<AdminGate page={page} render={(token) => <QuarantineReview token={token} />} />, root);
  else if (page === "agents")
    render(<AdminGate page={page} render={(token) => <Agents token={token} />} />, root);
}
