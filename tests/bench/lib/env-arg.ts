/** A `--a-env K=V,K=V` argument as the environment it names (empty pairs and ones without `=` skipped). */
export function envArg(s: string): Record<string, string> {
  return Object.fromEntries(
    s
      .split(",")
      .filter((kv) => kv.includes("="))
      .map((kv) => kv.split("=", 2) as [string, string]),
  );
}
