/**
 * The explorer's query form: SPEC §4 parameters (concept with its match kind,
 * predicate, agent, lens, min_confidence). Its state is also the page URL's
 * query string (no secrets there), so a view can be linked and reloaded.
 */
import type { LensName, MatchKind, QueryParams } from "../../client/client-types.ts";

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

export function QueryForm(props: {
  form: FormState;
  onChange: (form: FormState) => void;
  onSubmit: () => void;
  busy: boolean;
}) {
  const { form } = props;
  const set = (key: keyof FormState) => (e: Event) =>
    props.onChange({ ...form, [key]: (e.target as HTMLInputElement).value });
  return (
    <form
      class="query-form"
      aria-label="Query"
      onSubmit={(e: Event) => {
        e.preventDefault();
        props.onSubmit();
      }}
    >
      <div class="field grow">
        <label for="q-concept">Concept</label>
        <input
          id="q-concept"
          name="concept"
          value={form.concept}
          onInput={set("concept")}
          placeholder="acme/payments/checkout"
          autocomplete="off"
          spellcheck={false}
        />
      </div>
      <div class="field">
        <label for="q-match">Match</label>
        <select id="q-match" name="match" value={form.match} onChange={set("match")}>
          {MATCHES.map((m) => (
            <option value={m} selected={form.match === m}>
              {m}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="q-predicate">Predicate</label>
        <input
          id="q-predicate"
          name="predicate"
          value={form.predicate}
          onInput={set("predicate")}
          placeholder="status"
          autocomplete="off"
          spellcheck={false}
        />
      </div>
      <div class="field">
        <label for="q-lens">Lens</label>
        <select id="q-lens" name="lens" value={form.lens} onChange={set("lens")}>
          {LENSES.map((l) => (
            <option value={l} selected={form.lens === l}>
              {l}
            </option>
          ))}
        </select>
      </div>
      <div class="field grow">
        <label for="q-agent">Agent key</label>
        <input
          id="q-agent"
          name="agent"
          value={form.agent}
          onInput={set("agent")}
          placeholder="64 hex chars (optional)"
          autocomplete="off"
          spellcheck={false}
        />
      </div>
      <div class="field narrow">
        <label for="q-minconf">Min confidence</label>
        <input
          id="q-minconf"
          name="min_confidence"
          type="number"
          min="0"
          max="1"
          step="0.05"
          value={form.min_confidence}
          onInput={set("min_confidence")}
        />
      </div>
      <div class="field actions">
        <button type="submit" disabled={props.busy || !hasFilter(form)}>
          Query
        </button>
      </div>
    </form>
  );
}
