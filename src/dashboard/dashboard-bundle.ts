/**
 * The browser bundle and style sheet as string literals: the `clientBundle`
 * macro runs when this module is transpiled (see ./client-bundle.ts). It is
 * imported lazily by ./dashboard-assets.ts on the first dashboard request, so
 * a server started from source (tests, benchmarks) does not pay for the
 * browser build unless the dashboard is used; in the compiled binary it is
 * already a literal.
 */
import { clientBundle } from "./client-bundle.ts" with { type: "macro" };

export const BUNDLE = clientBundle();
