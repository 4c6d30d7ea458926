/**
 * Seeded mutation fuzzing of signed assertions: each honest assertion is sent
 * as is (it must be recorded), then mutated 1–3 times — fields set to hostile
 * values, deleted or added, hex flipped or upper-cased, signatures swapped,
 * the JSON text truncated, spliced with random bytes or re-encoded — and sent
 * in a random request shape. A mutant may only ever be recorded as a replay
 * of an honest assertion (same canonical form, so same id): a new id would be
 * a forgery, which the audit reports.
 */
import { type GenContext, JSON_TYPE, NDJSON_TYPE } from "./assert-requests.ts";
import type { HostileRequest } from "./hostile-request.ts";
import { JSON_VALUES } from "./hostile-values.ts";
import type { Doc } from "./raw-signer.ts";
import type { ValidDoc } from "./valid-pool.ts";

const FIELDS = [
  "v",
  "concept",
  "predicate",
  "value",
  "confidence",
  "ts",
  "agent",
  "retracts",
  "evidence",
  "sig",
];
const EXTRA = ["id", "extra", "seq", "status", "signature", "Agent", "sig2", ""];
const HEX = "0123456789abcdef";

type ObjectMutation = (d: Doc, ctx: GenContext, others: readonly ValidDoc[]) => string;

const OBJECT_MUTATIONS: readonly ObjectMutation[] = [
  (d, { rng }) => {
    const f = rng.pick(FIELDS);
    d[f] = rng.pick(JSON_VALUES);
    return `set ${f}`;
  },
  (d, { rng }) => {
    const f = rng.pick(FIELDS);
    delete d[f];
    return `delete ${f}`;
  },
  (d, { rng }) => {
    const f = rng.pick(EXTRA);
    d[f] = rng.pick(JSON_VALUES);
    return `add ${JSON.stringify(f)}`;
  },
  (d, { rng }) => {
    const f = rng.pick(["sig", "agent"]);
    const s = String(d[f] ?? "");
    const at = rng.int(0, Math.max(0, s.length - 1));
    const c = rng.pick([...HEX].filter((h) => h !== s[at]));
    d[f] = s.slice(0, at) + c + s.slice(at + 1);
    return `flip ${f}[${at}]`;
  },
  (d, { rng }) => {
    d.ts = Number(d.ts) + rng.pick([-1, 1, 1000, -946_684_800_000]);
    return "shift ts";
  },
  (d, { rng }) => {
    d.confidence = rng.pick([0, 1, 0.5, 0.50000001, -0]);
    return "set confidence";
  },
  (d, { rng }) => {
    const f = rng.pick(["sig", "agent", "retracts"]);
    if (typeof d[f] === "string") d[f] = (d[f] as string).toUpperCase();
    return `uppercase ${f}`;
  },
  (d, { rng }) => {
    d.concept = `${String(d.concept)}${rng.pick(["/x", "/", "//", "/..", "/X", "/a b"])}`;
    return "extend concept";
  },
  (d, { rng }, others) => {
    d.sig = rng.pick(others).doc.sig;
    return "swap sig";
  },
  (d, { rng }, others) => {
    d.agent = rng.pick(others).doc.agent;
    return "swap agent";
  },
  (d) => {
    d.value = [d.value];
    return "wrap value";
  },
  (d) => {
    d.evidence = [...((d.evidence as string[] | undefined) ?? []), "https://evil.example"];
    return "append evidence";
  },
];

type TextMutation = (text: string, ctx: GenContext) => [string | Uint8Array, string];

const TEXT_MUTATIONS: readonly TextMutation[] = [
  (t, { rng }) => [t.slice(0, rng.int(0, t.length - 1)), "truncate"],
  (t, { rng }) => {
    const at = rng.int(0, t.length);
    const junk = Buffer.from(rng.bytes(rng.int(1, 4)));
    return [
      new Uint8Array(Buffer.concat([Buffer.from(t.slice(0, at)), junk, Buffer.from(t.slice(at))])),
      "splice bytes",
    ];
  },
  (t, { rng }) => {
    const at = rng.int(0, t.length - 1);
    return [
      t.slice(0, at) + rng.pick(['"', "{", "}", ",", ":", "\\", "\u0000", "é"]) + t.slice(at + 1),
      "replace char",
    ];
  },
  // These keep the canonical form: the result is a replay (duplicate), never a new id.
  (t) => [` \n${t.replace(/,/g, " , ").replace(/:/g, " : ")}\t`, "reformat whitespace"],
  (t) => [t.replace(/"v":1/, '"v":1.0'), "1 written as 1.0"],
  (t) => [
    t.replace(
      /"(concept|predicate)":"([a-z])/,
      (_m, k, c) => `"${k}":"\\u00${c.charCodeAt(0).toString(16)}`,
    ),
    "escape a letter",
  ],
  (t) => {
    const d = JSON.parse(t) as Doc;
    const keys = Object.keys(d).reverse();
    return [JSON.stringify(Object.fromEntries(keys.map((k) => [k, d[k]]))), "reverse member order"];
  },
];

function shaped(
  body: string | Uint8Array,
  shape: number,
): { body: string | Uint8Array; headers: Record<string, string> } {
  if (shape === 0) return { body, headers: JSON_TYPE };
  if (shape === 1) {
    const inner = typeof body === "string" ? Buffer.from(body, "utf8") : body;
    return {
      body: new Uint8Array(Buffer.concat([Buffer.from("["), inner, Buffer.from("]")])),
      headers: JSON_TYPE,
    };
  }
  return { body, headers: NDJSON_TYPE };
}

export function mutationRequests(
  ctx: GenContext,
  bases: number,
  mutantsEach: number,
): HostileRequest[] {
  const { rng } = ctx;
  const docs = Array.from({ length: bases }, () => ctx.pool.next());
  const out: HostileRequest[] = [];
  for (const base of docs) {
    out.push({
      kind: "valid",
      label: "honest assertion (fuzz base)",
      method: "POST",
      path: "/v1/assert",
      headers: JSON_TYPE,
      body: base.text,
      expect: { status: [200, 201] },
      valid: [base.id],
    });
    for (let m = 0; m < mutantsEach; m++) {
      const doc: Doc = JSON.parse(base.text);
      const steps: string[] = [];
      let body: string | Uint8Array;
      if (rng.chance(0.6)) {
        for (let k = rng.int(1, 3); k > 0; k--)
          steps.push(rng.pick(OBJECT_MUTATIONS)(doc, ctx, docs));
        body = JSON.stringify(doc);
      } else {
        const [b, what] = rng.pick(TEXT_MUTATIONS)(base.text, ctx);
        body = b;
        steps.push(what);
      }
      // NDJSON cannot carry a raw newline inside a document; a spliced one just splits it.
      const s = shaped(body, rng.int(0, 2));
      out.push({
        kind: "mutation",
        label: `mutant of ${base.id.slice(0, 12)}: ${steps.join(", ")}`,
        method: "POST",
        path: "/v1/assert",
        headers: s.headers,
        body: s.body,
      });
    }
  }
  return out;
}
