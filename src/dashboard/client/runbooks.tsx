/** @jsxImportSource hono/jsx/dom */
/**
 * The overview's panel of links to the operator's runbooks (ops/docs, SPEC §8;
 * the list and the URLs are in ./runbook-links.ts, which the warnings use too).
 */
import { docLink, RUNBOOKS } from "./runbook-links.ts";
import { Panel } from "./ui.tsx";

export function RunbooksPanel() {
  return (
    <Panel title="Runbooks">
      <ul class="runbooks" data-testid="runbooks">
        {RUNBOOKS.map((r) => (
          <li>
            <a href={docLink(r.doc)} rel="noopener noreferrer" target="_blank">
              {r.title}
            </a>
            <span class="note"> {r.what}</span>
          </li>
        ))}
      </ul>
    </Panel>
  );
}
