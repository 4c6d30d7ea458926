/**
 * The cost of one redaction (SPEC §12) on a state of N assertions (default
 * 100,000): an engine on a temp dir (10 MiB segments, as in production) takes
 * N assertions in groups of 1000, then an operator redacts the one at seq N/2
 * (its segment sealed, as a redaction of an older assertion usually finds it).
 * Reports the redaction's group commit (plan, log append + fsync, apply with
 * the secure delete), the scrub's log part (find the frame, rewrite its
 * segment through a temp file, fsyncs, rename) and its WAL truncation, and
 * checks afterwards that no file of the data dir holds the target's value.
 *
 *   bun tests/bench/redaction-cost.ts [--rows 100000] [--redactions 5]
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Engine } from "../../src/engine/engine.ts";
import { segmentLogOf } from "../../src/log/segment-log.ts";
import { silentLogger } from "../../src/logger.ts";
import type { JsonValue } from "../../src/protocol/assertion.ts";
import { prepareAssertion } from "../../src/protocol/prepare.ts";
import { filesHolding } from "../helpers/byte-search.ts";
import { fastSigner } from "../helpers/fast-sign.ts";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "100000" },
    redactions: { type: "string", default: "5" },
  },
});
const rows = Number(values.rows);
const rounds = Number(values.redactions);
const dir = mkdtempSync(join(tmpdir(), "stemedb-redaction-cost-"));
try {
  const engine = await Engine.open({ dataDir: dir, logger: silentLogger });
  const writer = fastSigner(crypto.getRandomValues(new Uint8Array(32)));
  const operator = fastSigner(crypto.getRandomValues(new Uint8Array(32)));
  await engine.updateAgent({ agent: operator.agent, role: "operator" });
  const limits = () => ({ nowMs: Date.now() + 60_000, maxSkewMs: 300_000, maxValueBytes: 16_384 });
  const markers: { id: string; marker: string }[] = [];
  const targets = new Set(
    Array.from({ length: rounds }, (_, i) => Math.floor((rows * (i + 1)) / (rounds + 1))),
  );
  const started = performance.now();
  for (let from = 0; from < rows; from += 1000) {
    const items = Array.from({ length: Math.min(1000, rows - from) }, (_, i) => {
      const n = from + i;
      const marker = targets.has(n) ? `MARKER-${crypto.randomUUID()}` : undefined;
      const value: JsonValue = marker
        ? { email: `${marker}@example.com` }
        : { n, note: "x".repeat(100) };
      const a = writer.sign({
        concept: `bench/k${n % 5000}`,
        predicate: "p",
        value,
        ts: Date.now(),
      });
      return { prepared: prepareAssertion(a, limits()), marker };
    });
    const r = await engine.ingest(items.map((x) => x.prepared));
    items.forEach((x, i) => {
      if (x.marker) markers.push({ id: (r.outcomes[i] as { id: string }).id, marker: x.marker });
    });
  }
  const loadS = (performance.now() - started) / 1000;
  const runs: Record<string, number>[] = [];
  for (const { id, marker } of markers) {
    const t0 = performance.now();
    const red = operator.sign({
      concept: "_stemedb/redactions",
      predicate: "redacts",
      value: { target: id, reason: "bench" },
      ts: Date.now(),
    });
    await engine.ingest([prepareAssertion(red, limits())]);
    const applyMs = performance.now() - t0;
    const scrub = await engine.redactions.scrub();
    const totalMs = performance.now() - t0;
    const left = filesHolding(dir, marker);
    if (left.length > 0) throw new Error(`marker still in ${left.join(", ")}`);
    runs.push({
      apply_ms: round(applyMs),
      log_ms: round(scrub.logMillis),
      wal_truncate_ms: round(scrub.checkpointMillis),
      total_ms: round(totalMs),
    });
  }
  const stats = segmentLogOf(engine.log).stats();
  await engine.close();
  const median = (k: string) => {
    const xs = runs.map((r) => r[k] as number).sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)];
  };
  console.log(
    JSON.stringify(
      {
        rows,
        load_seconds: round(loadS),
        segments: stats.segments,
        log_bytes: stats.bytes,
        runs,
        median: {
          apply_ms: median("apply_ms"),
          log_ms: median("log_ms"),
          wal_truncate_ms: median("wal_truncate_ms"),
          total_ms: median("total_ms"),
        },
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
