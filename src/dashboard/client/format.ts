/** Display helpers: numbers, sizes, times, keys and JSON values as the dashboard shows them. */

const count = new Intl.NumberFormat("en-US");
const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

export function fmtCount(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? "—" : count.format(n);
}

export function fmtDecimal(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? "—" : decimal.format(n);
}

export function fmtPercent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

export function fmtBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "—";
  let v = n;
  let unit = 0;
  while (v >= 1024 && unit < UNITS.length - 1) {
    v /= 1024;
    unit++;
  }
  return `${unit === 0 ? v : v.toFixed(1)} ${UNITS[unit]}`;
}

/** Milliseconds as a short duration: 850 ms, 4.2 s, 3 min, 5 h, 2 d. */
export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  const a = Math.abs(ms);
  if (a < 1000) return `${Math.round(ms)} ms`;
  if (a < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (a < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (a < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

/** An epoch-ms time as UTC ISO without milliseconds: 2026-01-01 00:00:00Z. */
export function fmtTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "—";
  return new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "Z");
}

export function fmtAge(ms: number | undefined, now = Date.now()): string {
  return ms === undefined ? "—" : `${fmtDuration(now - ms)} ago`;
}

/** A 64-hex key or id shortened for tables; the full value goes in a title. */
export function shortHex(hex: string, chars = 10): string {
  return hex.length > chars + 2 ? `${hex.slice(0, chars)}…` : hex;
}

/** A JSON value as compact text (strings without quotes when they are simple). */
export function fmtValue(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}
