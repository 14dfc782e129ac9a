/**
 * Lower-case hex for bytes: SHA-256 digests of received files and the photo checks' signatures
 * (stored as text in D1). Pure TypeScript, no imports.
 */

/** Each byte's two hex digits, made once: signatures are thousands of bytes, and `toString(16).padStart` per byte is several times slower. */
const HEX_DIGITS = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX_DIGITS[bytes[i]!]!;
  return out;
}

/** The value of one hex digit's character code (0–9, a–f, A–F; callers pass text toHex wrote). */
const digit = (c: number) => (c <= 57 ? c - 48 : (c | 32) - 87);

/**
 * Byte `i` of a hex string, read in place: the duplicate check compares a few hundred bytes of
 * each of tens of candidates per photo, and `parseInt(hex.slice(…), 16)` per byte cost about ten
 * times as much (a slice and a parse each).
 */
export const hexByteAt = (hex: string, i: number) => (digit(hex.charCodeAt(2 * i)) << 4) | digit(hex.charCodeAt(2 * i + 1));
