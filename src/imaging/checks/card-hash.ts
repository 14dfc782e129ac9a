/**
 * Scheme 1 (rows stored before migration 0005) and the whole-card parts every scheme still uses:
 * the 64-bit DCT pHash and the card signature.
 *
 * Fingerprint: a 64-bit DCT pHash. The 128×128 thumb's luma is averaged down to 32×32, a 2-D DCT
 * is taken, and each of the 8×8 lowest frequencies but the DC term becomes one bit (above or below
 * their median). The DC term (overall brightness) is left out so a brightened copy hashes the same;
 * low frequencies survive re-encoding, resizing and a slight crop. Hashes within HASH_MATCH_DISTANCE
 * bits of each other are the same picture (thresholds and their measurements: README, BENCHMARKS.md).
 * The face fingerprint (face.ts) is the same hash of the head box's luma (hashOf32).
 */
import { hexByteAt, toHex } from "../../shared/hex";
import type { Planes } from "../planes";

/** Two fingerprints this many bits apart or fewer are candidates for the same picture (see BENCHMARKS.md). */
export const HASH_MATCH_DISTANCE = 4;
/** A candidate is the same picture when the signatures are this close (signatureDistance; BENCHMARKS.md). */
export const SIGNATURE_MATCH_DISTANCE = 5;

// The DCT-II basis for frequencies 0…15 over 32 samples, computed once.
const N = 32;
const K = 16;
const BASIS = (() => {
  const b = new Float64Array(K * N);
  for (let u = 0; u < K; u++) for (let x = 0; x < N; x++) b[u * N + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * N));
  return b;
})();

/** The 32×32 average of a square luma plane whose side is a multiple of 32 (the thumb's: 128). */
function shrink(y: Uint8Array, side: number): Float64Array {
  const f = side / N;
  const out = new Float64Array(N * N);
  for (let row = 0; row < side; row++) {
    const o = ((row / f) | 0) * N;
    const base = row * side;
    for (let col = 0; col < side; col++) out[o + ((col / f) | 0)]! += y[base + col]!;
  }
  return out;
}

/**
 * The 64-bit pHash of a square luma plane, as 16 hex digits. Portraits are nearly left-right
 * symmetric, so their odd horizontal frequencies are close to zero for every student and would
 * give the same bits to everyone (measured: dozens of distinct pairs at distance 0): the 64
 * coefficients are vertical frequencies 0…7 × even horizontal frequencies 0…14, DC excluded
 * (replaced by vertical 8, so that brightness never flips a bit).
 */
export function perceptualHash(y: Uint8Array, side: number): string {
  return hashOf32(shrink(y, side));
}

/** The pHash of a 32×32 grid of luma sums (any common scale: only the order of coefficients counts). */
export function hashOf32(img: Float64Array): string {
  // Separable DCT: even horizontal frequencies of each row (32×8), then vertical 0…8 (9×8).
  const tmp = new Float64Array(N * 8);
  for (let r = 0; r < N; r++) {
    for (let v = 0; v < 8; v++) {
      let s = 0;
      const b = 2 * v * N;
      for (let x = 0; x < N; x++) s += img[r * N + x]! * BASIS[b + x]!;
      tmp[r * 8 + v] = s;
    }
  }
  const coeffs: number[] = [];
  for (let u = 0; u < 9; u++) {
    for (let v = 0; v < 8; v++) {
      if (u === 8 && v > 0) break;
      let s = 0;
      for (let r = 0; r < N; r++) s += tmp[r * 8 + v]! * BASIS[u * N + r]!;
      coeffs.push(s);
    }
  }
  coeffs[0] = coeffs.pop()!;
  const sorted = [...coeffs].sort((a, b) => a - b);
  const median = (sorted[31]! + sorted[32]!) / 2;
  let hex = "";
  for (let i = 0; i < 64; i += 4) {
    let nibble = 0;
    for (let j = 0; j < 4; j++) nibble = (nibble << 1) | (coeffs[i + j]! > median ? 1 : 0);
    hex += nibble.toString(16);
  }
  return hex;
}

/** The four 16-bit bands of a fingerprint (multi-index hashing: within distance 3, one band is equal). */
export function hashBands(fingerprint: string): [number, number, number, number] {
  return [0, 4, 8, 12].map((i) => parseInt(fingerprint.slice(i, i + 4), 16)) as [number, number, number, number];
}

/** Bits that differ between two fingerprints. */
export function hammingDistance(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < 16; i += 4) {
    let x = parseInt(a.slice(i, i + 4), 16) ^ parseInt(b.slice(i, i + 4), 16);
    while (x) {
      x &= x - 1;
      d++;
    }
  }
  return d;
}

/**
 * The verification of a fingerprint match. The 64-bit hash keeps the layout of the picture, and
 * portraits of a class share their layout (same framing, backdrop, shirt): measured, distinct
 * generated students sharing backdrop and shirt colour often hash within a few bits of each other.
 * What tells them apart is the face's detail and colour, taken from the card rendition (320×400):
 * 32×40 luma block means, normalised for brightness and contrast (a brightened or recompressed copy
 * keeps them), and 8×10 Cb/Cr block means (skin and hair tone). 1,280 + 160 bytes, kept with the
 * fingerprint.
 */
const SIG_W = 32;
const SIG_H = 40;
const SIG_C = 80;
/** The card signature's length in bytes. */
export const CARD_SIGNATURE_BYTES = SIG_W * SIG_H + 2 * SIG_C;
export function cardSignature(card: Planes): string {
  const { width: w, height: h, y } = card;
  const out = new Uint8Array(SIG_W * SIG_H + 2 * SIG_C);
  const sums = new Float64Array(SIG_W * SIG_H);
  const fx = w / SIG_W;
  const fy = h / SIG_H;
  let total = 0;
  let sq = 0;
  // Each column's block, worked out once (the same blocks as dividing per pixel, at a fraction of the cost).
  const block = new Int32Array(w);
  for (let col = 0; col < w; col++) block[col] = (col / fx) | 0;
  // Blocks are runs of columns: each row's block is summed in a local (whole numbers, so the same
  // sums as adding pixel by pixel into the table, at a third of the time: measured).
  for (let row = 0; row < h; row++) {
    const o = ((row / fy) | 0) * SIG_W;
    const base = row * w;
    let col = 0;
    let rowSq = 0;
    while (col < w) {
      const b = block[col]!;
      let sum = 0;
      while (col < w && block[col] === b) {
        const v = y[base + col++]!;
        sum += v;
        rowSq += v * v;
      }
      sums[o + b]! += sum;
      total += sum;
    }
    sq += rowSq;
  }
  const mean = total / (w * h);
  const std = Math.sqrt(Math.max(1, sq / (w * h) - mean * mean));
  const n = fx * fy;
  // ±4 standard deviations over 0…255.
  for (let i = 0; i < sums.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(128 + ((sums[i]! / n - mean) / std) * 32)));
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  const cblock = new Int32Array(cw);
  for (let col = 0; col < cw; col++) cblock[col] = Math.min(7, ((col * 8) / cw) | 0);
  [card.cb, card.cr].forEach((plane, p) => {
    const cs = new Float64Array(SIG_C);
    for (let row = 0; row < ch; row++) {
      const o = Math.min(9, ((row * 10) / ch) | 0) * 8;
      const base = row * cw;
      let col = 0;
      while (col < cw) {
        const b = cblock[col]!;
        let sum = 0;
        while (col < cw && cblock[col] === b) sum += plane[base + col++]!;
        cs[o + b]! += sum;
      }
    }
    for (let i = 0; i < SIG_C; i++) out[SIG_W * SIG_H + p * SIG_C + i] = Math.round(cs[i]! / ((cw * ch) / SIG_C));
  });
  return toHex(out);
}

/** Mean absolute difference of the normalised luma (0–255 scale, 32 = one standard deviation) plus that of the chroma. */
export function signatureDistance(a: string, b: string): number {
  if (a.length !== b.length || !a.length) return Infinity;
  let dl = 0;
  let dc = 0;
  for (let i = 0; i < a.length; i += 2) {
    const d = Math.abs(hexByteAt(a, i / 2) - hexByteAt(b, i / 2));
    if (i < 2 * SIG_W * SIG_H) dl += d;
    else dc += d;
  }
  return Math.round((dl / (SIG_W * SIG_H) + dc / (2 * SIG_C)) * 10) / 10;
}

/** Scheme 1's rule (rows stored before migration 0005): card fingerprints within HASH_MATCH_DISTANCE bits and card signatures within SIGNATURE_MATCH_DISTANCE. */
export function isSameCardPicture(a: { fingerprint: string; signature: string }, b: { fingerprint: string; signature: string }): boolean {
  return hammingDistance(a.fingerprint, b.fingerprint) <= HASH_MATCH_DISTANCE && signatureDistance(a.signature, b.signature) <= SIGNATURE_MATCH_DISTANCE;
}
