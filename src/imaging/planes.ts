/**
 * The picture as the pipeline holds it from decoder to encoder: Y, Cb and Cr planes with chroma at
 * half resolution (4:2:0), as a JPEG stores them (pure).
 */
export type Planes = { width: number; height: number; y: Uint8Array; cb: Uint8Array; cr: Uint8Array };

/** Chroma samples for n luma samples (4:2:0: half, rounded up). */
export const chromaSize = (n: number) => (n + 1) >> 1;

export function newPlanes(width: number, height: number): Planes {
  const cw = chromaSize(width);
  const ch = chromaSize(height);
  return { width, height, y: new Uint8Array(width * height), cb: new Uint8Array(cw * ch), cr: new Uint8Array(cw * ch) };
}
