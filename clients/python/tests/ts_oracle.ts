/**
 * The TypeScript side of the Python client's interop tests: reads one JSON
 * request per line on stdin and answers one JSON line each, with the project's
 * own src/protocol code (the server's canonicalizer and BLAKE3):
 *   {"canonical": <value>} → {"c": <RFC 8785 string>, "id": <BLAKE3 hex of it>}
 *   {"number": <double>}   → {"s": String(number)}
 * Anything it cannot encode → {"error": <message>}.
 */
import { createInterface } from "node:readline";
import { toHex } from "../../../src/hex.ts";
import { assertionId } from "../../../src/protocol/assertion-id.ts";
import { canonicalBytes, canonicalString } from "../../../src/protocol/canonical.ts";

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  let answer: unknown;
  try {
    const req = JSON.parse(line) as { canonical?: unknown; number?: number };
    if ("number" in req) {
      answer = { s: String(req.number) };
    } else {
      answer = {
        c: canonicalString(req.canonical),
        id: toHex(assertionId(canonicalBytes(req.canonical))),
      };
    }
  } catch (e) {
    answer = { error: (e as Error).message };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
