/**
 * The duplicate lookup's keys (scheme 3): where to look for the same picture without comparing
 * a school's photos one by one (pure).
 *
 * A random-hyperplane hash (SimHash) of what a photo's head looks like: the head box's 16×16
 * layout, its tone cells (twice the weight: skin and hair colour tell people apart) and its
 * surroundings, pooled to 10×10 luma and 6×6 Cb and Cr cells (1.5 times: collar, shoulders,
 * clothes, backdrop); less THE_AVERAGE_HEAD, so each bit splits a class about in half. Cells a
 * crop cut away count as average. 128 bits make four 32-bit bands; the lookup finds every stored
 * photo sharing a band with one of the photo's probes: its own band, and the band with any of its
 * 6 least certain bits (the projections nearest zero) flipped — the bits a copy flips.
 * Measured (BENCHMARKS.md, photo checks; 2 × 1,000 students): a copy is reached 96–100 % of the
 * time (the lowest: brightened 15 %), and a photo reaches 0.45 % of a class whose looks vary and
 * 1.44 % of one sharing backdrop and shirt, where scheme 2's 16-bit bands reached 8.3–8.5 %.
 *
 * Changing THE_AVERAGE_HEAD, the weights, the projections' seed or the band layout changes every
 * key: stored keys would no longer be found. That is a new scheme (photo_checks.scheme), not an edit.
 */
import { CONTEXT, HEAD_LAYOUT_BYTES, HEAD_TONE_BYTES, OFF_CARD } from "./face";

export const FACE_KEY = { bands: 4, bitsPerBand: 32, probeBits: 6, toneWeight: 2, surroundingsWeight: 1.5, seed: 0x5eed_f00d };

const POOLED_LUMA = (CONTEXT.luma / 2) ** 2;
const POOLED_TONE = (CONTEXT.tone / 2) ** 2;

/**
 * The key's input before centring: the head part's bytes (layout, then tone), then the
 * surroundings' luma (normalised to mean 128, standard deviation 32 over the cells on the card, so
 * brightness does not move it) and tone, each pooled 2×2; NaN where a pooled cell is not whole on
 * the card. `head`: face.ts headBytes; `context`: faceMeasures' context bytes.
 */
export function keyInput(head: Uint8Array, context: Uint8Array): Float64Array {
  const out = new Float64Array(head.length + POOLED_LUMA + 2 * POOLED_TONE);
  out.set(head, 0);
  const lumaCells = CONTEXT.luma * CONTEXT.luma;
  let sum = 0;
  let sq = 0;
  let n = 0;
  for (let i = 0; i < lumaCells; i++) {
    if (context[i] === OFF_CARD) continue;
    sum += context[i]!;
    sq += context[i]! ** 2;
    n++;
  }
  const mean = sum / (n || 1);
  const std = Math.sqrt(Math.max(0, sq / (n || 1) - mean * mean)) || 1;
  let at = head.length;
  at = pool(context, 0, CONTEXT.luma, (v) => 128 + ((v - mean) / std) * 32, out, at);
  at = pool(context, lumaCells, CONTEXT.tone, (v) => v, out, at);
  pool(context, lumaCells + CONTEXT.tone * CONTEXT.tone, CONTEXT.tone, (v) => v, out, at);
  return out;
}

/** 2×2 means of a side×side grid of bytes starting at `from`, each through `f`; NaN unless all four are on the card. */
function pool(bytes: Uint8Array, from: number, side: number, f: (v: number) => number, out: Float64Array, at: number): number {
  for (let y = 0; y < side; y += 2) {
    for (let x = 0; x < side; x += 2) {
      const cells = [bytes[from + y * side + x]!, bytes[from + y * side + x + 1]!, bytes[from + (y + 1) * side + x]!, bytes[from + (y + 1) * side + x + 1]!];
      out[at++] = cells.includes(OFF_CARD) ? Number.NaN : cells.reduce((s, v) => s + f(v), 0) / 4;
    }
  }
  return at;
}

/**
 * The mean keyInput of 2,000 generated portraits: 1,000 sharing one backdrop and shirt colour and
 * 1,000 of the vendor pool (`npm run bench -- checks --average-head` prints it again from the same
 * portraits). Real photos differ from it somewhat; a bit that then splits a school less evenly
 * makes the lookup read more candidates, never miss a copy.
 */
// biome-ignore format: a table of numbers, 32 to a line
const THE_AVERAGE_HEAD = [
  174, 174, 175, 166, 109, 87, 87, 86, 84, 83, 81, 101, 164, 175, 174, 174, 174, 174, 170, 104, 88, 90, 91, 90, 87, 84, 82, 80, 92, 164, 174, 174,
  174, 173, 123, 85, 89, 94, 96, 94, 92, 89, 85, 81, 79, 114, 173, 174, 173, 164, 89, 85, 92, 102, 115, 121, 121, 113, 97, 86, 80, 82, 158, 173,
  173, 140, 82, 89, 108, 127, 131, 131, 130, 129, 125, 107, 86, 79, 129, 173, 172, 120, 83, 103, 127, 129, 130, 131, 130, 129, 127, 125, 103, 81, 113, 172,
  171, 113, 89, 114, 128, 121, 125, 130, 130, 124, 118, 125, 114, 90, 102, 171, 171, 112, 97, 118, 127, 114, 121, 129, 128, 122, 112, 124, 117, 97, 104, 171,
  170, 124, 104, 118, 128, 120, 126, 127, 127, 126, 118, 126, 117, 103, 120, 170, 169, 146, 114, 116, 128, 127, 129, 127, 127, 128, 126, 126, 114, 111, 141, 169,
  168, 155, 127, 115, 124, 128, 129, 126, 126, 128, 127, 123, 113, 126, 152, 168, 168, 158, 139, 125, 121, 125, 128, 125, 125, 127, 124, 118, 122, 138, 156, 168,
  167, 158, 146, 140, 129, 121, 124, 124, 124, 124, 121, 126, 139, 145, 157, 167, 166, 157, 147, 146, 142, 117, 120, 121, 121, 119, 117, 140, 146, 147, 156, 166,
  165, 157, 146, 146, 147, 113, 116, 118, 118, 116, 113, 144, 146, 146, 155, 165, 164, 155, 144, 142, 143, 113, 115, 116, 117, 115, 113, 140, 142, 144, 153, 164,
  130, 121, 117, 117, 121, 130, 127, 115, 108, 107, 114, 126, 124, 108, 107, 106, 107, 123, 125, 107, 106, 106, 107, 125, 130, 117, 105, 105, 116, 130, 131, 127,
  108, 107, 126, 130, 125, 135, 140, 140, 136, 126, 130, 143, 151, 151, 144, 130, 133, 151, 152, 152, 151, 134, 131, 152, 153, 153, 152, 132, 126, 141, 155, 155,
  141, 126, 125, 129, 150, 150, 129, 125, 155, 158, 160, 161, 157, 157, 161, 160, 158, 155, 156, 159, 160, 128, 83, 79, 123, 160, 159, 156, 156, 159, 142, 78,
  95, 91, 72, 139, 159, 156, 155, 157, 117, 101, 116, 115, 99, 114, 157, 155, 154, 155, 124, 108, 112, 112, 107, 121, 155, 154, 152, 153, 143, 112, 114, 113,
  110, 142, 153, 152, 149, 151, 144, 128, 107, 107, 127, 144, 151, 149, 146, 147, 136, 120, 103, 103, 118, 135, 147, 146, 141, 119, 101, 98, 99, 98, 97, 99,
  116, 141, 107, 87, 89, 90, 93, 93, 89, 87, 85, 104, 130, 130, 127, 127, 130, 130, 131, 127, 113, 113, 126, 131, 131, 122, 106, 106, 122, 131, 131, 129,
  109, 108, 128, 131, 132, 129, 118, 118, 129, 132, 128, 125, 124, 124, 125, 128, 125, 125, 129, 129, 125, 125, 125, 129, 145, 145, 130, 125, 125, 134, 152, 153,
  135, 125, 124, 127, 150, 150, 127, 124, 124, 122, 133, 133, 122, 124, 119, 115, 116, 116, 115, 119,
];

const DIMENSIONS = THE_AVERAGE_HEAD.length;
/** Each input's weight: layout 1, tone toneWeight, surroundings surroundingsWeight. */
const WEIGHTS = Float64Array.from({ length: DIMENSIONS }, (_, d) =>
  d < HEAD_LAYOUT_BYTES ? 1 : d < HEAD_LAYOUT_BYTES + HEAD_TONE_BYTES ? FACE_KEY.toneWeight : FACE_KEY.surroundingsWeight,
);
const BITS = FACE_KEY.bands * FACE_KEY.bitsPerBand;

/** The hyperplanes: BITS Gaussian vectors from a fixed seed (mulberry32 + Box–Muller), made on first use (168 KB). */
let hyperplanes: Float32Array | null = null;
function planes(): Float32Array {
  if (hyperplanes) return hyperplanes;
  let state = FACE_KEY.seed;
  const uniform = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(BITS * DIMENSIONS);
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  hyperplanes = out;
  return out;
}

export type FaceKey = {
  /** The four 32-bit bands (unsigned), stored in photo_checks.band0–3. */
  bands: number[];
  /** Per band, the keys the lookup asks for: the band and its 2^probeBits − 1 near neighbours. */
  probes: number[][];
};

/** The key of a photo's head part and surroundings (keyInput's arguments). */
export function faceKey(head: Uint8Array, context: Uint8Array): FaceKey {
  const input = keyInput(head, context);
  if (input.length !== DIMENSIONS) throw new Error(`faceKey: ${input.length} inputs, expected ${DIMENSIONS}`);
  const centred = new Float32Array(DIMENSIONS);
  for (let d = 0; d < DIMENSIONS; d++) centred[d] = Number.isNaN(input[d]!) ? 0 : (input[d]! - THE_AVERAGE_HEAD[d]!) * WEIGHTS[d]!;
  const p = planes();
  const bands: number[] = [];
  const probes: number[][] = [];
  for (let band = 0; band < FACE_KEY.bands; band++) {
    let key = 0;
    const certainty: { bit: number; margin: number }[] = [];
    for (let bit = 0; bit < FACE_KEY.bitsPerBand; bit++) {
      const row = (band * FACE_KEY.bitsPerBand + bit) * DIMENSIONS;
      let s = 0;
      for (let d = 0; d < DIMENSIONS; d++) s += centred[d]! * p[row + d]!;
      if (s > 0) key |= 1 << bit;
      certainty.push({ bit, margin: Math.abs(s) });
    }
    key >>>= 0;
    const unsure = certainty.sort((a, b) => a.margin - b.margin).slice(0, FACE_KEY.probeBits);
    const near: number[] = [];
    for (let m = 0; m < 1 << unsure.length; m++) {
      let k = key;
      unsure.forEach((u, j) => {
        if ((m >> j) & 1) k ^= 1 << u.bit;
      });
      near.push(k >>> 0);
    }
    bands.push(key);
    probes.push(near);
  }
  return { bands, probes };
}
