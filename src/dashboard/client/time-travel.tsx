/** @jsxImportSource hono/jsx/dom */
/**
 * The time-travel control (SPEC §4 `as_of`): a slider over tree sizes 1…N.
 * Moving it asks the same query as of that tree size (registry and review
 * state are today's: `as_of_scope: "assertions"`); "Now" drops `as_of`.
 * The query runs once the slider has been still for a moment.
 */
import { useEffect, useRef, useState } from "hono/jsx/dom";
import { fmtCount } from "./format.ts";

const SETTLE_MS = 200;

export function TimeTravel(props: {
  treeSize: number;
  asOf: number | undefined;
  onChange: (asOf: number | undefined) => void;
}) {
  const [shown, setShown] = useState<number>(props.asOf ?? props.treeSize);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // Follow the parent (Now, a grown tree) unless the user is moving the slider: then a
  // position committed earlier must not pull the thumb back under their hand.
  useEffect(() => {
    if (timer.current === undefined) setShown(props.asOf ?? props.treeSize);
  }, [props.asOf, props.treeSize]);
  if (props.treeSize < 1) return null;
  const settle = () => {
    clearTimeout(timer.current);
    timer.current = undefined;
  };
  const commit = (n: number) => {
    settle();
    timer.current = setTimeout(() => {
      timer.current = undefined;
      props.onChange(n >= props.treeSize ? undefined : n);
    }, SETTLE_MS);
  };
  return (
    <div class="time-travel">
      <label for="as-of">As of tree size</label>
      <input
        id="as-of"
        type="range"
        min="1"
        max={String(props.treeSize)}
        step="1"
        value={String(shown)}
        aria-valuetext={`tree size ${shown} of ${props.treeSize}`}
        onInput={(e: Event) => {
          const n = Number((e.target as HTMLInputElement).value);
          setShown(n);
          commit(n);
        }}
      />
      <output for="as-of" data-testid="as-of-value">
        {fmtCount(shown)} / {fmtCount(props.treeSize)}
      </output>
      <button
        type="button"
        class="secondary"
        disabled={props.asOf === undefined}
        onClick={() => {
          settle();
          props.onChange(undefined);
        }}
      >
        Now
      </button>
    </div>
  );
}
