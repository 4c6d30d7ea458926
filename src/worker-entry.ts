/**
 * Where a worker's entry file is. From source, a URL next to the module that
 * starts it; in the compiled binary (SPEC §11) worker files are extra entry
 * points of `bun build`, found by their path relative to the entry points'
 * common root, src/. `npm run build` must list every file named here.
 */
export function workerEntry(fromSrc: string, sibling: string, moduleUrl: string): string {
  return moduleUrl.includes("$bunfs") ? `./${fromSrc}` : new URL(`./${sibling}`, moduleUrl).href;
}
