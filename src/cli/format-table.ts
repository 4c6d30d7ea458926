/**
 * Plain-text tables for terminal output: columns padded to their widest cell,
 * cells cut to a maximum width with "…". No colors, so output pipes cleanly.
 */

export function formatTable(headers: string[], rows: string[][], maxCell = 48): string {
  const cut = (s: string) => (s.length > maxCell ? `${s.slice(0, maxCell - 1)}…` : s);
  const cells = [headers, ...rows.map((r) => r.map(cut))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** A value cell: JSON text, strings without their quotes when plain. */
export function valueCell(value: unknown): string {
  if (typeof value === "string" && /^[\x20-\x7e]*$/.test(value)) return value;
  return JSON.stringify(value) ?? "";
}

/** First 8 hex chars of a key or id, enough to tell them apart on screen. */
export function shortHex(hex: string): string {
  return hex.length > 12 ? `${hex.slice(0, 8)}…` : hex;
}
