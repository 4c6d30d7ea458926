/**
 * `GET /v1/backup` (SPEC §7, issue 18): what the backup URL (`--archive-to`)
 * holds — its complete snapshots, newest first, and the last recorded
 * dr-drill — from a listing cached for a minute (src/backup/backup-listing.ts),
 * so polling it costs the bucket nothing. `{configured: false}` without
 * `--archive-to`. Read-only and as public as /v1/health, which already names
 * the URL.
 */
import { Hono } from "hono";
import type { BackupOverview } from "../../backup/backup-overview.ts";
import type { HttpEnv } from "../http-env.ts";

export interface BackupOverviewSource {
  overview(): Promise<BackupOverview>;
}

export function backupRoutes(listing: BackupOverviewSource | undefined): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.get("/v1/backup", async (c) => {
    if (listing === undefined) return c.json({ configured: false });
    return c.json({ configured: true, ...(await listing.overview()) });
  });
  return app;
}
