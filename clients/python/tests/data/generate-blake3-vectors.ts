/**
 * Writes blake3-vectors.json next to this file: BLAKE3 outputs for the input
 * pattern and lengths of the official BLAKE3 test vectors (BLAKE3-team/BLAKE3,
 * test_vectors/test_vectors.json: input byte i is i % 251), computed with
 * @noble/hashes' BLAKE3 (the project's independent implementation), because
 * the official file is not reachable from this machine. 131 output bytes per
 * case, as the official file has, so the extendable output is covered too.
 *
 * Run: npx bun clients/python/tests/data/generate-blake3-vectors.ts
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { blake3 } from "@noble/hashes/blake3.js";
import { bytesToHex } from "@noble/hashes/utils.js";

const LENGTHS = [
  0, 1, 1023, 1024, 1025, 2048, 2049, 3072, 3073, 4096, 4097, 5120, 5121, 6144, 6145, 7168, 7169,
  8192, 8193, 16384, 31744, 102400,
];
const OUTPUT_LEN = 131;

const cases = LENGTHS.map((input_len) => {
  const input = new Uint8Array(input_len);
  for (let i = 0; i < input_len; i++) input[i] = i % 251;
  return { input_len, hash: bytesToHex(blake3(input, { dkLen: OUTPUT_LEN })) };
});

const doc = {
  description:
    "BLAKE3 default-mode outputs (131 bytes; the first 32 are the hash) for inputs of input_len bytes where byte i = i % 251: the input pattern and lengths of the official BLAKE3 test vectors (https://github.com/BLAKE3-team/BLAKE3/blob/master/test_vectors/test_vectors.json). The official file was not reachable from the machine that wrote this one, so the expected values were computed with @noble/hashes' blake3 (an implementation independent of the Python one under test) by generate-blake3-vectors.ts.",
  generator: "clients/python/tests/data/generate-blake3-vectors.ts",
  output_len: OUTPUT_LEN,
  cases,
};
writeFileSync(join(import.meta.dir, "blake3-vectors.json"), `${JSON.stringify(doc, null, 2)}\n`);
