/**
 * A real server on port 0 in a temp data dir for the README tests, plus the
 * README's text. `readmeServer()` registers its own beforeAll/afterAll.
 * (An optional seed writes before the tests.)
 */
import { afterAll, beforeAll } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../src/config.ts";
import { type RunningServer, startServer } from "../../src/http/server.ts";
import { silentLogger } from "../../src/logger.ts";
import { type TempDir, tempDir } from "../helpers/temp-dir.ts";

export const README = readFileSync(join(import.meta.dir, "../../README.md"), "utf8");

/** `seed` runs against the server before any test: the README's examples must not need a fresh data dir. */
export function readmeServer(options: { seed?: (url: string) => Promise<void> } = {}): {
  url(): string;
  dir(): string;
} {
  let dir: TempDir;
  let server: RunningServer;
  beforeAll(async () => {
    dir = tempDir();
    server = await startServer(
      parseConfig({ dataDir: join(dir.path, "data"), port: 0 }),
      silentLogger,
    );
    await options.seed?.(server.url);
  });
  afterAll(async () => {
    await server.stop();
    dir[Symbol.dispose]();
  });
  return { url: () => server.url, dir: () => dir.path };
}
