/**
 * The operations docs hold together: every relative link in ops/docs/*.md and
 * the README's Operations section points at a file that exists, and every
 * `#anchor` into a doc matches one of its headings (GitHub's slugs).
 */
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { REPO } from "../e2e/binary.ts";

const DOCS_DIR = join(REPO, "ops/docs");
const docs = [
  join(REPO, "README.md"),
  ...readdirSync(DOCS_DIR)
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(DOCS_DIR, f)),
];

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

function anchors(file: string): Set<string> {
  const text = readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1] ?? "")));
}

test.each(docs.map((d) => [relative(REPO, d), d]))("links in %s resolve", (_, doc) => {
  const text = readFileSync(doc, "utf8").replace(/```[\s\S]*?```/g, "");
  const broken: string[] = [];
  for (const [, target = ""] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target)) continue; // http:, https:, mailto:
    const [path = "", anchor] = target.split("#");
    const file = path === "" ? doc : join(dirname(doc), path);
    const rel = relative(REPO, file);
    if (!existsSync(file)) {
      broken.push(`${target}: no ${rel}`);
      continue;
    }
    if (anchor !== undefined && file.endsWith(".md") && !anchors(file).has(anchor)) {
      broken.push(`${target}: no heading #${anchor} in ${rel}`);
    }
  }
  expect(broken).toEqual([]);
});
