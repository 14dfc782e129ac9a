/** Reading numbers and tags out of a file's bytes: shared by every header parser (pure). */
export const u16be = (b: Uint8Array, p: number) => (b[p]! << 8) | b[p + 1]!;
export const u16le = (b: Uint8Array, p: number) => b[p]! | (b[p + 1]! << 8);
export const u32be = (b: Uint8Array, p: number) => ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
export const u32le = (b: Uint8Array, p: number) => (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
export const u24le = (b: Uint8Array, p: number) => b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);

/** `len` bytes from `at` as Latin-1 text (chunk and segment tags). */
export const ascii = (b: Uint8Array, at: number, len: number) => {
  let s = "";
  for (let i = at; i < at + len && i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
};
/** The parts one after the other (the part itself when there is only one: no copy). */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
export const startsWith = (b: Uint8Array, sig: number[], at = 0) => sig.every((v, i) => b[at + i] === v);
