/** @jsxImportSource hono/jsx/dom */
/**
 * The explorer's query form: SPEC §4 parameters (concept with its match kind,
 * predicate, agent, lens, min_confidence). Its state is also the page URL's
 * query string (no secrets there), so a view can be linked and reloaded.
 */
import type { LensName, MatchKind, QueryParams } from "../../client/client-types.ts";
import { SelectField, TextField } from "./ui.tsx";

export interface FormState {
  concept: string;
  match: MatchKind;
  predicate: string;
  agent: string;
  lens: LensName;
  min_confidence: string;
}

export const EMPTY_FORM: FormState = {
  concept: "",
  match: "exact",
  predicate: "",
  agent: "",
  lens: "latest",
  min_confidence: "",
};

const MATCHES: MatchKind[] = ["exact", "prefix", "tail"];
const LENSES: LensName[] = ["latest", "consensus", "trust", "all"];

export function formFromUrl(search: string): { form: FormState; asOf: number | undefined } {
  const p = new URLSearchParams(search);
  const pick = <T extends string>(v: string | null, allowed: T[], d: T): T =>
    allowed.includes(v as T) ? (v as T) : d;
  const asOf = Number(p.get("as_of"));
  return {
    form: {
      concept: p.get("concept") ?? "",
      match: pick(p.get("match"), MATCHES, "exact"),
      predicate: p.get("predicate") ?? "",
      agent: p.get("agent") ?? "",
      lens: pick(p.get("lens"), LENSES, "latest"),
      min_confidence: p.get("min_confidence") ?? "",
    },
    asOf: Number.isSafeInteger(asOf) && asOf > 0 ? asOf : undefined,
  };
}

export function formToUrl(form: FormState, asOf: number | undefined): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(form))
    if (v !== "" && v !== EMPTY_FORM[k as keyof FormState]) p.set(k, v);
  if (asOf !== undefined) p.set("as_of", String(asOf));
  const s = p.toString();
  return s === "" ? location.pathname : `${location.pathname}?${s}`;
}

export function hasFilter(form: FormState): boolean {
  return form.concept !== "" || form.predicate !== "" || form.agent !== "";
}

export function queryParams(
  form: FormState,
  asOf: number | undefined,
  cursor?: string,
): QueryParams {
  const q: QueryParams = { lens: form.lens, limit: 50 };
  if (form.concept !== "") {
    q.concept = form.concept.trim();
    q.match = form.match;
  }
  if (form.predicate !== "") q.predicate = form.predicate.trim();
  if (form.agent !== "") q.agent = form.agent.trim();
  if (form.min_confidence !== "") q.min_confidence = Number(form.min_confidence);
  if (asOf !== undefined) q.as_of = asOf;
  if (cursor !== undefined) q.cursor = cursor;
  return q;
}

const pairs = <T extends string>(values: T[]) => values.map((v) => [v, v] as const);

export function QueryForm(props: {
  form: FormState;
  onChange: (form: FormState) => void;
  onSubmit: () => void;
  busy: boolean;
}) {
  const { form } = props;
  const set =
    <K extends keyof FormState>(key: K) =>
    (value: FormState[K]) =>
      props.onChange({ ...form, [key]: value });
  return (
    <form
      class="query-form"
      aria-label="Query"
      onSubmit={(e: Event) => {
        e.preventDefault();
        props.onSubmit();
      }}
    >
      <TextField
        id="q-concept"
        label="Concept"
        class="grow"
        value={form.concept}
        onValue={set("concept")}
        placeholder="acme/payments/checkout"
      />
      <SelectField
        id="q-match"
        label="Match"
        value={form.match}
        options={pairs(MATCHES)}
        onValue={set("match")}
      />
      <TextField
        id="q-predicate"
        label="Predicate"
        value={form.predicate}
        onValue={set("predicate")}
        placeholder="status"
      />
      <SelectField
        id="q-lens"
        label="Lens"
        value={form.lens}
        options={pairs(LENSES)}
        onValue={set("lens")}
      />
      <TextField
        id="q-agent"
        label="Agent key"
        class="grow"
        value={form.agent}
        onValue={set("agent")}
        placeholder="64 hex chars (optional)"
      />
      <TextField
        id="q-minconf"
        label="Min confidence"
        class="narrow"
        type="number"
        min="0"
        max="1"
        step="0.05"
        value={form.min_confidence}
        onValue={set("min_confidence")}
      />
      <div class="field actions">
        <button type="submit" disabled={props.busy || !hasFilter(form)}>
          Query
        </button>
      </div>
    </form>
  );
}
