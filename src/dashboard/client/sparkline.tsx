/** @jsxImportSource hono/jsx/dom */
/**
 * A small line chart of the recent values of one figure (the overview's
 * ingest rate), drawn as SVG elements — no inline style, so the CSP holds.
 * The samples span the width (newest at the right) and the scale starts at
 * zero; the caller keeps at most its chosen number of samples.
 */
import { fmtDecimal } from "./format.ts";

const W = 240;
const H = 44;

export function Sparkline(props: { values: number[]; label: string }) {
  const { values } = props;
  const max = Math.max(1, ...values);
  const step = W / Math.max(1, values.length - 1);
  const points = values
    .map((v, i) => `${(i * step).toFixed(1)},${(H - 2 - (v / max) * (H - 4)).toFixed(1)}`)
    .join(" ");
  return (
    <figure class="spark" data-samples={String(values.length)}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.label} preserveAspectRatio="none">
        <line x1="0" y1={String(H - 1)} x2={String(W)} y2={String(H - 1)} class="axis" />
        {values.length > 1 ? <polyline points={points} class="line" /> : null}
      </svg>
      <figcaption>
        {props.label}: peak {fmtDecimal(Math.max(0, ...values))}
      </figcaption>
    </figure>
  );
}
