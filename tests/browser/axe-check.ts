/**
 * Accessibility of a page as axe-core (Deque's engine, the one behind most
 * accessibility linters) judges it against WCAG 2.1 A and AA: labels, names,
 * roles, landmarks, keyboard focusability and colour contrast. axe is
 * evaluated through the DevTools protocol, which the page's CSP does not
 * govern, so the page's own policy stays as served.
 */
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";

const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

interface AxeResult {
  passes: unknown[];
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
}
interface Axe {
  run(options: object): Promise<AxeResult>;
}

/** axe's violations, and how many rules passed (so a run that checked nothing shows). */
export async function axeCheck(
  page: Page,
): Promise<{ passed: number; violations: AxeViolation[] }> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: Axe }).axe;
    const result = await axe.run({
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return {
      passed: result.passes.length,
      violations: result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(" ")),
      })),
    };
  });
}
