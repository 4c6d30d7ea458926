/**
 * The dashboard's one browser bundle, built by `bun build --target=browser`
 * from src/dashboard/client/main.tsx, and its style sheet (client/dashboard.css). `clientBundle()` is a Bun macro
 * (imported `with { type: "macro" }` by ./dashboard-assets.ts): it runs when
 * that module is transpiled — by `bun run` from source and by
 * `bun build --compile` — and its result is inlined as a string literal, so
 * the compiled binary carries the bundle and needs no file beside it.
 *
 * A macro cannot call `Bun.build` (the bundler would wait on itself), so it
 * runs this file as a script, which does. One substitution: the server hashes
 * with hash-wasm's WebAssembly BLAKE3 (src/protocol/blake3.ts), which a
 * browser may only compile under CSP `'wasm-unsafe-eval'`; the bundle takes
 * ./client/blake3-browser.ts (@noble/hashes, plain JS) in its place, so the
 * dashboard's CSP stays `script-src 'self'`. Everything else — the SDK's
 * client, its STH and proof verifiers, hex, Merkle hashing — is the SDK's own
 * code, not a copy.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ENTRY = fileURLToPath(new URL("./client/main.tsx", import.meta.url));
const STYLES = fileURLToPath(new URL("./client/dashboard.css", import.meta.url));
const SERVER_BLAKE3 = fileURLToPath(new URL("../protocol/blake3.ts", import.meta.url));
const BROWSER_BLAKE3 = fileURLToPath(new URL("./client/blake3-browser.ts", import.meta.url));

/** The bundle's two files, minified. */
export interface ClientBundle {
  js: string;
  css: string;
}

/** Macro: the minified browser bundle. Throws (failing the build) on any error. */
export function clientBundle(): ClientBundle {
  const run = Bun.spawnSync([process.execPath, fileURLToPath(import.meta.url)], {
    stdout: "pipe",
    stderr: "pipe",
  });
  if (run.exitCode !== 0) {
    throw new Error(`dashboard client bundle failed to build:\n${run.stderr.toString()}`);
  }
  return JSON.parse(run.stdout.toString()) as ClientBundle;
}

async function build(): Promise<ClientBundle> {
  const result = await Bun.build({
    entrypoints: [ENTRY, STYLES],
    target: "browser",
    format: "esm",
    minify: true,
    plugins: [
      {
        name: "browser-blake3",
        setup(b) {
          b.onResolve({ filter: /blake3\.ts$/ }, (args) =>
            resolve(dirname(args.importer), args.path) === SERVER_BLAKE3
              ? { path: BROWSER_BLAKE3 }
              : undefined,
          );
        },
      },
    ],
  });
  if (!result.success) throw new AggregateError(result.logs, "Bun.build failed");
  const file = (ext: string) => {
    const out = result.outputs.find((o) => o.path.endsWith(ext));
    if (out === undefined) throw new Error(`Bun.build produced no ${ext} output`);
    return out.text();
  };
  return { js: await file(".js"), css: await file(".css") };
}

if (import.meta.main) process.stdout.write(JSON.stringify(await build()));
