/** Lowercase hex helpers. StemeDB writes every key, id, hash and signature as lowercase hex. */

const LOWER_HEX = /^[0-9a-f]*$/;

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Strict decode: lowercase only, exact length in bytes when given. Throws TypeError otherwise. */
export function fromHex(hex: string, byteLength?: number): Uint8Array {
  if (hex.length % 2 !== 0 || !LOWER_HEX.test(hex)) {
    throw new TypeError("expected lowercase hex");
  }
  if (byteLength !== undefined && hex.length !== byteLength * 2) {
    throw new TypeError(`expected ${byteLength} bytes of hex, got ${hex.length / 2}`);
  }
  return new Uint8Array(Buffer.from(hex, "hex"));
}

export function isLowerHex(s: string, byteLength: number): boolean {
  return s.length === byteLength * 2 && LOWER_HEX.test(s);
}
