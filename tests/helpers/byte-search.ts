/**
 * Redaction's byte search (SPEC §12): every file under a directory — db/, wal/,
 * keys, temp files, everything — whose bytes contain a needle. The needle is
 * searched as given (UTF-8 for a string), so a redacted value's marker or a
 * signature's raw bytes are found wherever they are.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { decodeObject } from "../../src/backup/object-codec.ts";

export function filesHolding(dir: string, needle: string | Uint8Array): string[] {
  const bytes = typeof needle === "string" ? Buffer.from(needle, "utf8") : Buffer.from(needle);
  const found: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (readFileSync(path).includes(bytes)) found.push(path);
    }
  };
  walk(dir);
  return found;
}

/** Every file under a backup URL's directory holding `needle`, its `.zst` objects decompressed. */
export function objectsHolding(dir: string, needle: string): string[] {
  const bytes = Buffer.from(needle, "utf8");
  const found: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const raw = readFileSync(path);
        const plain = name.endsWith(".zst") ? Buffer.from(decodeObject(path, raw)) : raw;
        if (plain.includes(bytes)) found.push(path);
      }
    }
  };
  walk(dir);
  return found;
}

/** The assertion the byte-search tests redact: its value holds `marker` (an e-mail address). */
export function markerAssertion<A>(
  writer: { sign(fields: { concept: string; predicate: string; value: unknown; ts: number }): A },
  marker: string,
): A {
  return writer.sign({
    concept: "e2e/people/marker-holder",
    predicate: "contact",
    value: { email: `${marker}@example.com` },
    ts: Date.now(),
  });
}
