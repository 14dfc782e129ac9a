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
export const startsWith = (b: Uint8Array, sig: number[], at = 0) => sig.every((v, i) => b[at + i] === v);
