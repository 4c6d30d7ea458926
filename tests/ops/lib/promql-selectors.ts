/**
 * The series a PromQL expression reads: every vector selector's metric name
 * and label-matcher names, found with Prometheus's own grammar
 * (@prometheus-io/lezer-promql). An expression that does not parse throws.
 */
import { parser } from "@prometheus-io/lezer-promql";

export interface Selector {
  metric: string;
  labels: string[];
}

export function promqlSelectors(expr: string): Selector[] {
  const tree = parser.parse(expr);
  const selectors: Selector[] = [];
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError) {
      throw new Error(
        `not PromQL at ${cursor.from}: ${expr.slice(cursor.from, cursor.from + 30)}…`,
      );
    }
    if (cursor.name === "VectorSelector") {
      const node = cursor.node;
      const id = node.getChild("Identifier");
      const labels = node
        .getChild("LabelMatchers")
        ?.getChildren("UnquotedLabelMatcher")
        .map((m) => m.getChild("LabelName"))
        .filter((n) => n !== null)
        .map((n) => expr.slice(n.from, n.to));
      if (id === null) throw new Error(`a selector without a metric name: ${expr}`);
      selectors.push({ metric: expr.slice(id.from, id.to), labels: labels ?? [] });
    }
  } while (cursor.next());
  return selectors;
}
