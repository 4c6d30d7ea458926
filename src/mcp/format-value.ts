/** A JSON value as a model reads it in tool answers: compact JSON, long values cut with "…". */
const MAX_CHARS = 200;

export function formatValue(value: unknown): string {
  const text = JSON.stringify(value) ?? "null";
  return text.length <= MAX_CHARS ? text : `${text.slice(0, MAX_CHARS - 1)}…`;
}

/** A number rounded to 3 decimals, as text. */
export function round3(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}
