/** @jsxImportSource hono/jsx/dom */
/**
 * Small shared pieces of the dashboard's pages: panels, figures, status
 * badges, hex values with their full text in a tooltip, and the error note.
 * Everything renders through hono/jsx/dom, which escapes text: agents' values
 * are shown, never interpreted as markup.
 */
import type { Child, RefObject } from "hono/jsx/dom";
import { shortHex } from "./format.ts";

export function Panel(props: { title: string; id?: string; wide?: boolean; children?: Child }) {
  const headingId = `${props.id ?? props.title.toLowerCase().replace(/\W+/g, "-")}-h`;
  return (
    <section class={props.wide ? "panel wide" : "panel"} aria-labelledby={headingId} id={props.id}>
      <h2 id={headingId}>{props.title}</h2>
      {props.children}
    </section>
  );
}

/** A labelled figure: a definition-list row. */
export function Figure(props: { label: string; value: Child; note?: string }) {
  return (
    <div class="figure">
      <dt>{props.label}</dt>
      <dd>
        {props.value}
        {props.note ? <span class="note"> {props.note}</span> : null}
      </dd>
    </div>
  );
}

export type Tone = "ok" | "warn" | "bad" | "info";

export function Badge(props: { tone: Tone; children?: Child }) {
  return <span class={`badge ${props.tone}`}>{props.children}</span>;
}

/** A hex key or id, shortened, the full value in its title and selectable. */
export function Hex(props: { value: string; chars?: number }) {
  return (
    <code class="hex" title={props.value}>
      {shortHex(props.value, props.chars)}
    </code>
  );
}

export function ErrorNote(props: { error: string | undefined }) {
  if (props.error === undefined) return null;
  return (
    <p class="error" role="alert">
      {props.error}
    </p>
  );
}

/** A JSON value, pretty-printed. */
export function JsonValue(props: { value: unknown }) {
  const text = typeof props.value === "string" ? props.value : JSON.stringify(props.value, null, 1);
  return <code class="value">{text}</code>;
}

/** Marks the moment a page first shows server data, for load measurements (issue 11). */
export function markReady(page: string): void {
  if (performance.getEntriesByName("dashboard:ready").length === 0) {
    performance.mark("dashboard:ready", { detail: page });
    document.body.dataset.ready = page;
  }
}

/** An assertion id that opens its detail. */
export function IdLink(props: { id: string; onOpen: (id: string) => void; chars?: number }) {
  return (
    <button type="button" class="link" onClick={() => props.onOpen(props.id)}>
      <Hex value={props.id} chars={props.chars ?? 8} />
    </button>
  );
}

/** A scrollable table with one header row; the rows are the children. */
export function DataTable(props: { headers: string[]; testId?: string; children?: Child }) {
  return (
    <div class="table-wrap">
      <table data-testid={props.testId}>
        <thead>
          <tr>
            {props.headers.map((h) => (
              <th scope="col">{h === "" ? <span class="visually-hidden">actions</span> : h}</th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

/** A labelled text input of a form. */
export function TextField(props: {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  class?: string;
  placeholder?: string;
  type?: string;
  min?: string;
  max?: string;
  step?: string;
  required?: boolean;
  pattern?: string;
  inputRef?: RefObject<HTMLInputElement | null>;
}) {
  const { label, onValue, class: cls, inputRef, ...input } = props;
  return (
    <div class={`field ${cls ?? ""}`}>
      <label for={props.id}>{label}</label>
      <input
        {...input}
        ref={inputRef}
        name={props.id}
        autocomplete="off"
        spellcheck={false}
        onInput={(e: Event) => onValue((e.target as HTMLInputElement).value)}
      />
    </div>
  );
}

/** A labelled select of a form. */
export function SelectField<T extends string>(props: {
  id: string;
  label: string;
  value: T;
  options: readonly (readonly [T, string])[];
  onValue: (value: T) => void;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select
        id={props.id}
        name={props.id}
        value={props.value}
        onChange={(e: Event) => props.onValue((e.target as HTMLSelectElement).value as T)}
      >
        {props.options.map(([v, text]) => (
          <option value={v} selected={v === props.value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}
