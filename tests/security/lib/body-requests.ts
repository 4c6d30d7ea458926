/**
 * Hostile bodies for `POST /v1/assert` (and the JSON bodies of other routes):
 * wrong, missing and garbage content types; text that is not JSON; bytes that
 * are not UTF-8 (overlong forms, CESU-8 surrogates, 0xFF, truncated
 * sequences, UTF-16); deep nesting up to a million levels; batches at and past
 * the limit; bodies at and past the app's 4 MiB limit and past Bun.serve's own
 * hard limit; streamed (chunked) bodies.
 */
import { type GenContext, JSON_TYPE, NDJSON_TYPE } from "./assert-requests.ts";
import type { HostileRequest } from "./hostile-request.ts";

const MiB = 1024 * 1024;

/** Media types the assert route takes (json-body.ts), compared on the lowercased type before `;`. */
const ACCEPTED = new Map([
  ["application/json", "json"],
  ["application/x-ndjson", "ndjson"],
  ["application/ndjson", "ndjson"],
  ["application/jsonl", "ndjson"],
]);

const CONTENT_TYPES: readonly (string | undefined)[] = [
  undefined,
  "",
  "text/plain",
  "text/json",
  "application/JSON",
  "application/json; charset=utf-8",
  "Application/Json ; charset=UTF-8",
  "application/json;;;",
  "application/jsonp",
  "application/json, text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/problem+json",
  "application/octet-stream",
  "*/*",
  ";",
  "application/",
  "application/x-ndjson; charset=utf-8",
  "application/ndjson",
  "application/jsonl",
  `application/json; x=${"y".repeat(4_000)}`,
];

function post(
  label: string,
  body: string | Uint8Array,
  extra: Partial<HostileRequest> = {},
): HostileRequest {
  return {
    kind: "body",
    label,
    method: "POST",
    path: "/v1/assert",
    headers: JSON_TYPE,
    body,
    ...extra,
  };
}

const bytes = (...b: number[]) => new Uint8Array(b);
const concat = (...parts: (string | Uint8Array)[]) =>
  new Uint8Array(
    Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : p))),
  );

export function contentTypeRequests(ctx: GenContext): HostileRequest[] {
  return CONTENT_TYPES.map((type) => {
    const kind =
      type === undefined ? undefined : ACCEPTED.get(type.split(";")[0]?.trim().toLowerCase() ?? "");
    const d = ctx.pool.next();
    const headers: Record<string, string> = type === undefined ? {} : { "content-type": type };
    const label = `content-type ${type === undefined ? "(none)" : JSON.stringify(type.slice(0, 60))}`;
    if (kind === undefined) {
      return post(label, d.text, {
        headers,
        expect: { status: 415, code: "unsupported_media_type" },
      });
    }
    return post(label, d.text, {
      headers,
      expect: { status: kind === "json" ? 201 : 200 },
      valid: [d.id],
      ...(kind === "ndjson" ? { items: ["recorded"] } : {}),
    });
  });
}

export function bodyRequests(ctx: GenContext): HostileRequest[] {
  const { rng } = ctx;
  const out: HostileRequest[] = [];
  const badJson = (label: string, body: string | Uint8Array) =>
    out.push(post(label, body, { expect: { status: 400, code: "bad_json" } }));
  for (const text of [
    "",
    " ",
    "\n\t",
    "{",
    "}",
    "[",
    "nul",
    "NaN",
    "Infinity",
    "undefined",
    "'a'",
    "{'a':1}",
  ]) {
    badJson(`not JSON: ${JSON.stringify(text)}`, text);
  }
  for (const text of [
    "//c\n{}",
    "/*c*/{}",
    '{"a":1}garbage',
    "[1,]",
    "{,}",
    "\u0000",
    "{}{}",
    '{"a":1}\n{"b":2}',
  ]) {
    badJson(`not JSON: ${JSON.stringify(text)}`, text);
  }
  const v = ctx.pool.next();
  badJson("two documents back to back", `${v.text}${v.text}`);
  badJson("invalid UTF-8: 0xFF", concat('{"v":', bytes(0xff), "}"));
  badJson("invalid UTF-8: overlong /", concat('{"concept":"', bytes(0xc0, 0xaf), '"}'));
  badJson(
    "invalid UTF-8: CESU-8 lone surrogate",
    concat('{"value":"', bytes(0xed, 0xa0, 0x80), '"}'),
  );
  badJson("invalid UTF-8: truncated sequence", concat('{"value":"', bytes(0xe2, 0x82), '"}'));
  badJson("invalid UTF-8: stray continuation", concat(bytes(0x80), v.text));
  badJson("UTF-16LE body", new Uint8Array(Buffer.from(v.text, "utf16le")));
  badJson("UTF-16 BOM + body", concat(bytes(0xff, 0xfe), Buffer.from(v.text, "utf16le")));
  for (let i = 0; i < 20; i++) {
    const garbage = rng.bytes(rng.int(1, 2048));
    out.push(post(`random bytes #${i}`, garbage, { expect: { status: [200, 400, 422] } }));
  }
  const bom = ctx.pool.next();
  out.push(
    post("UTF-8 BOM before a valid document", concat(bytes(0xef, 0xbb, 0xbf), bom.text), {
      expect: { status: 201 },
      valid: [bom.id],
    }),
  );
  const spaced = ctx.pool.next();
  out.push(
    post("whitespace around a valid document", `\r\n\t ${spaced.text} \n`, {
      expect: { status: 201 },
      valid: [spaced.id],
    }),
  );

  // Nesting: the top level of an array body is the batch; deeper levels are items.
  for (const depth of [1_000, 10_000, 100_000, 1_000_000]) {
    out.push(
      post(`${depth} nested arrays`, `${"[".repeat(depth)}${"]".repeat(depth)}`, {
        expect: { status: 200 },
        items: ["invalid_field"],
      }),
    );
    if (depth > 100_000) continue; // 1M objects would be 6 MB: past the body limit, not a nesting test
    out.push(
      post(`${depth} nested objects`, `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`, {
        expect: { status: 422, code: "invalid_field" },
      }),
    );
  }
  out.push(
    post("unterminated 100k nesting", "[".repeat(100_000), {
      expect: { status: 400, code: "bad_json" },
    }),
  );

  // Batches: empty, at the limit, past it.
  out.push(post("empty batch", "[]", { expect: { status: 422, code: "empty_batch" } }));
  out.push(
    post("empty NDJSON", "\n\r\n  \n", {
      headers: NDJSON_TYPE,
      expect: { status: 422, code: "empty_batch" },
    }),
  );
  out.push(
    post("batch of an empty batch", "[[]]", { expect: { status: 200 }, items: ["invalid_field"] }),
  );
  out.push(
    post("1000 nulls", `[${Array(1000).fill("null").join(",")}]`, {
      expect: { status: 200 },
      items: Array(1000).fill("invalid_field"),
    }),
  );
  out.push(
    post("1001 nulls", `[${Array(1001).fill("null").join(",")}]`, {
      expect: { status: 413, code: "batch_too_large" },
    }),
  );
  out.push(
    post("500k NDJSON lines", "{}\n".repeat(500_000), {
      headers: NDJSON_TYPE,
      expect: { status: 413, code: "batch_too_large" },
    }),
  );
  const lines = ["{", "\u0000", "[", "nul"];
  out.push(
    post("NDJSON of broken lines", `${lines.join("\n")}\n`, {
      headers: NDJSON_TYPE,
      expect: { status: 200 },
      items: lines.map(() => "bad_json"),
    }),
  );
  const crlf = ctx.pool.next();
  out.push(
    post(
      "NDJSON with CRLF and an invalid UTF-8 line",
      concat(crlf.text, "\r\n", bytes(0xff), "\r\n"),
      {
        headers: NDJSON_TYPE,
        expect: { status: 200 },
        items: ["recorded", "bad_json"],
        valid: [crlf.id],
      },
    ),
  );

  // Size: the app's limit (problem+json 413), then Bun.serve's hard limit (its own 413).
  out.push(
    post("body 4 MiB + 1", `"${"x".repeat(4 * MiB - 1)}"`, {
      expect: { status: 413, code: "body_too_large" },
    }),
  );
  out.push(
    post("body 4 MiB of spaces", " ".repeat(4 * MiB), {
      expect: { status: 400, code: "bad_json" },
    }),
  );
  out.push(post("body 6 MiB (past Bun's limit)", "x".repeat(6 * MiB), { transportLimit: true }));
  out.push(
    post("NDJSON 4.5 MiB", "x\n".repeat(2.25 * MiB), {
      headers: NDJSON_TYPE,
      expect: { status: 413, code: "body_too_large" },
    }),
  );
  return out;
}

/** Bodies streamed in chunks (Transfer-Encoding: chunked, no Content-Length). */
export function streamedRequests(ctx: GenContext): HostileRequest[] {
  const d = ctx.pool.next();
  return [
    {
      kind: "body",
      label: "valid document streamed in 1-byte chunks",
      method: "POST",
      path: "/v1/assert",
      headers: JSON_TYPE,
      body: new TextEncoder().encode(d.text),
      streamChunk: 1,
      expect: { status: 201 },
      valid: [d.id],
    },
    {
      kind: "body",
      label: "5 MiB streamed in 64 KiB chunks",
      method: "POST",
      path: "/v1/assert",
      headers: JSON_TYPE,
      body: new Uint8Array(5 * MiB).fill(0x20),
      streamChunk: 65_536,
      expect: { status: 413 },
      // The app's reader (413 problem+json) or Bun's hard limit may stop it first.
      transportLimit: true,
    },
  ];
}
