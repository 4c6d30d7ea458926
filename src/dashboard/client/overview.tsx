/** @jsxImportSource hono/jsx/dom */
/**
 * Overview (issue 11): health and readiness, the tree (size, root, the signed
 * tree head checked in this browser by the SDK), live ingest rate and latency
 * from the server's own /metrics, log and storage size, quarantine and
 * breakers, and the backup and archive panels once the server reports them.
 * Polls every 2 s; each figure comes from `/v1/health` or `/metrics`.
 */
import { useEffect, useRef, useState } from "hono/jsx/dom";
import type { Health, SignedTreeHead } from "../../client/client-types.ts";
import { apiClient, errorText, getText } from "./api.ts";
import { type BackupListingView, BackupPanel } from "./backup-panels.tsx";
import { fmtBytes, fmtCount, fmtDecimal, fmtDuration, fmtTime } from "./format.ts";
import { HealthBanner, shownStatus } from "./health-banner.tsx";
import {
  type IngestFigures,
  ingestFigures,
  type LiveRates,
  liveRates,
  parsePromText,
} from "./prom-text.ts";
import { RunbooksPanel } from "./runbooks.tsx";
import { Sparkline } from "./sparkline.tsx";
import { useTreeWatch } from "./tree-watch.ts";
import { Badge, ErrorNote, Figure, Hex, markReady, Panel } from "./ui.tsx";

const POLL_MS = 2000;
/** `GET /v1/backup` is a cached bucket listing (a minute on the server): read it every 30 s. */
const BACKUP_POLL_MS = 30_000;
/** Rate samples kept for the chart: 2 minutes. */
const HISTORY = 60;

const plural = (n: number | undefined, word: string) =>
  `${fmtCount(n)} ${word}${n === 1 ? "" : "s"}`;

interface Snapshot {
  health: Health;
  /** HTTP status of /v1/health/ready; undefined until the first answer. */
  ready?: number;
  rates?: LiveRates | undefined;
  /** Why /metrics gave no figures (a proxy may hide it: ops/nginx answers 404). */
  metricsProblem?: string | undefined;
  /** `GET /v1/backup`: the URL's snapshots and the last drill (undefined until answered). */
  listing?: BackupListingView | undefined;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null ? (v as Obj) : {});
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

export function Overview() {
  const [snap, setSnap] = useState<Snapshot | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const last = useRef<IngestFigures | undefined>(undefined);
  const [history, setHistory] = useState<number[]>([]);
  const watch = useTreeWatch(snap?.health.sth as SignedTreeHead | undefined);

  useEffect(() => {
    const client = apiClient();
    let stopped = false;
    let listedAt = Number.NEGATIVE_INFINITY;
    const pollListing = async () => {
      if (performance.now() - listedAt < BACKUP_POLL_MS) return;
      listedAt = performance.now();
      const r = await getText("/v1/backup");
      if (r.status !== 200 || stopped) return;
      const listing = JSON.parse(r.text) as BackupListingView;
      setSnap((s) => s && { ...s, listing });
    };
    const poll = async () => {
      try {
        // The summary first (the page is usable with it), then readiness and the rates.
        const readyP = getText("/v1/health/ready");
        const metricsP = getText("/metrics");
        for (const p of [readyP, metricsP]) p.catch(() => {}); // awaited below, or moot
        const health = await client.health();
        if (stopped) return;
        setSnap((s) => ({ ...s, health }));
        setError(undefined);
        markReady("overview");
        void pollListing().catch(() => {}); // the panel says "listing…" until it answers
        const [ready, metrics] = await Promise.all([readyP, metricsP]);
        const metricsProblem =
          metrics.status === 200 ? undefined : `/metrics answered HTTP ${metrics.status}`;
        const figures =
          metricsProblem === undefined
            ? ingestFigures(parsePromText(metrics.text), performance.now())
            : undefined;
        const rates = last.current && figures ? liveRates(last.current, figures) : undefined;
        last.current = figures;
        if (stopped) return;
        setSnap((s) => s && { ...s, ready: ready.status, rates, metricsProblem });
        if (rates) setHistory((h) => [...h, rates.perSecond].slice(-HISTORY));
      } catch (e) {
        if (!stopped) setError(errorText(e));
      }
    };
    void poll();
    const timer = setInterval(poll, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  if (snap === undefined) {
    return (
      <div>
        <ErrorNote error={error} />
        <p class="muted">Loading…</p>
      </div>
    );
  }
  const h = snap.health;
  const sth = h.sth as SignedTreeHead | undefined;
  const log = obj(h.log);
  const storage = obj(h.storage);
  const breakers = obj(h.breakers);
  const quarantine = obj(h.quarantine);
  const byReason = Object.entries(obj(quarantine.by_reason));
  const rates = snap.rates;
  const pending = snap.metricsProblem ? `not available: ${snap.metricsProblem}` : "measuring…";
  const diskTotal = num(storage.disk_total_bytes);
  const diskFree = num(storage.disk_free_bytes);
  const status = shownStatus(h);
  const firstLsn = num(log.first_lsn);
  const lastLsn = num(log.last_lsn);
  return (
    <div class="grid">
      <ErrorNote error={error} />
      <HealthBanner health={h} />
      <Panel title="Health">
        <dl>
          <Figure
            label="Status"
            value={
              <Badge tone={status.tone}>
                <span data-testid="health-status">{status.label}</span>
              </Badge>
            }
          />
          <Figure
            label="Readiness"
            value={
              snap.ready === undefined ? (
                <span class="muted">…</span>
              ) : snap.ready === 200 ? (
                <Badge tone="ok">ready</Badge>
              ) : (
                <Badge tone="bad">not ready ({snap.ready})</Badge>
              )
            }
          />
          <Figure label="Version" value={String(h.version ?? "—")} />
          <Figure label="Uptime" value={fmtDuration((num(h.uptime_s) ?? 0) * 1000)} />
        </dl>
      </Panel>
      <Panel title="Merkle tree">
        <dl>
          <Figure
            label="Tree size"
            value={<span data-testid="tree-size">{fmtCount(h.tree_size)}</span>}
          />
          <Figure label="Root" value={<Hex value={String(h.root ?? "")} chars={16} />} />
          {sth ? (
            <>
              <Figure label="STH signed" value={fmtTime(sth.timestamp)} />
              <Figure label="Server key" value={<Hex value={sth.server_key} chars={16} />} />
              <Figure
                label="STH signature"
                value={
                  watch === undefined ? (
                    <span class="muted">verifying…</span>
                  ) : watch.signatureProblem === undefined ? (
                    <Badge tone="ok">verified in this browser</Badge>
                  ) : (
                    <Badge tone="bad">{watch.signatureProblem}</Badge>
                  )
                }
              />
              <Figure
                label="Append-only"
                value={
                  watch === undefined ? (
                    <span class="muted">…</span>
                  ) : watch.appendProblem !== undefined ? (
                    <Badge tone="bad">
                      <span data-testid="append-only" data-ok="false">
                        {watch.appendProblem}
                      </span>
                    </Badge>
                  ) : (
                    <span data-testid="append-only" data-ok="true">
                      {watch.proofs === 0
                        ? `watching from tree size ${fmtCount(watch.since)}`
                        : `${fmtCount(watch.since)} → ${fmtCount(watch.through)} proven by ${watch.proofs} consistency ${watch.proofs === 1 ? "proof" : "proofs"}`}
                    </span>
                  )
                }
                note={watch?.proofs ? "since this page opened" : undefined}
              />
            </>
          ) : null}
        </dl>
      </Panel>
      <Panel title="Ingest (live)">
        <dl>
          <Figure
            label="Recorded"
            value={rates ? `${fmtDecimal(rates.perSecond)} /s` : pending}
            note="accepted + quarantined"
          />
          <Figure
            label="Submitted"
            value={rates ? `${fmtDecimal(rates.submittedPerSecond)} /s` : pending}
          />
          <Figure
            label="Write latency"
            value={
              rates === undefined
                ? pending
                : rates.meanMs === undefined
                  ? "no writes in the last interval"
                  : `mean ${fmtDecimal(rates.meanMs)} ms · p99 ≈ ${fmtDecimal(rates.p99Ms)} ms`
            }
          />
          <Figure
            label="Commit fsync (mean)"
            value={`${fmtDecimal((num(log.fsync_seconds_mean) ?? 0) * 1000)} ms`}
          />
        </dl>
        <Sparkline
          values={history}
          label={`recorded/s over the last ${(history.length * POLL_MS) / 1000} s`}
        />
      </Panel>
      <Panel title="Log and storage">
        <dl>
          <Figure
            label="Log"
            value={`${fmtBytes(num(log.bytes))} in ${plural(num(log.segments), "segment")}`}
          />
          <Figure
            label="Log records"
            value={
              <span data-testid="log-records">
                {fmtCount(num(log.held_records) ?? num(log.records))}
              </span>
            }
            note={
              num(log.held_records) === undefined
                ? "since start"
                : `${firstLsn !== undefined && lastLsn !== undefined && lastLsn >= firstLsn ? `LSN ${fmtCount(firstLsn)}–${fmtCount(lastLsn)}; ` : ""}${fmtCount(num(log.records))} since start`
            }
          />
          <Figure
            label="SQLite"
            value={`${fmtBytes(num(storage.db_bytes))} + WAL ${fmtBytes(num(storage.db_wal_bytes))}`}
          />
          <Figure
            label="Disk free"
            value={
              diskTotal && diskFree !== undefined
                ? `${fmtBytes(diskFree)} of ${fmtBytes(diskTotal)}`
                : "—"
            }
          />
        </dl>
      </Panel>
      <Panel title="Defense">
        <dl>
          <Figure
            label="Quarantine pending"
            value={
              <span data-testid="quarantine-pending">{fmtCount(num(quarantine.pending))}</span>
            }
            note={byReason.length ? byReason.map(([r, n]) => `${r} ${n}`).join(", ") : undefined}
          />
          <Figure
            label="Storage breaker"
            value={
              <Badge tone={breakers.storage === "closed" ? "ok" : "bad"}>
                {String(breakers.storage ?? "—")}
              </Badge>
            }
          />
          <Figure
            label="Open agent breakers"
            value={
              <Badge tone={num(breakers.agents_open) ? "warn" : "ok"}>
                {fmtCount(num(breakers.agents_open))}
              </Badge>
            }
          />
        </dl>
      </Panel>
      <BackupPanel health={h} listing={snap.listing} />
      <RunbooksPanel />
    </div>
  );
}
