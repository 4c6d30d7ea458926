/** Summaries for paired runs (a b b a …): the median of each side's runs, and how figures print. */

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Whole numbers with thousands separators from 100 up; two decimals below. */
export const fmt = (x: number): string =>
  x >= 100 ? Math.round(x).toLocaleString("en") : x.toFixed(2);

/** One Markdown table row: the figure, each side's median and runs, and b / a. */
export function pairRow(figure: string, a: readonly number[], b: readonly number[]): string {
  const ma = median(a);
  const mb = median(b);
  return `| ${figure} | ${fmt(ma)} (${a.map(fmt).join(", ")}) | ${fmt(mb)} (${b.map(fmt).join(", ")}) | ${(mb / ma).toFixed(2)} |\n`;
}
