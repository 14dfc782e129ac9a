/**
 * Inverse DCTs for the baseline decoder (jpeg/decoder.ts). Each writes a bs×bs block of samples
 * (bs = 8, 4, 2, 1) with the level shift and clamping. Coefficients are in natural order, not yet dequantized. The loops are unrolled on
 * purpose (V8 does not unroll; this is most of a decode's CPU).
 */
import { AAN } from "./tables";

/**
 * Factors of the reduced IDCTs. Averaging outputs 2i and 2i+1 of the 8-point IDCT gives
 * Σ_k a_k·X_k·cos((2i+1)kπ/8) with a_k = (C_k/2)·cos(kπ/16): a 4-point transform in which X_4
 * drops out. Averaging outputs 4i … 4i+3 gives Σ_k b_k·X_k·(±1) with only X_0, X_1, X_3, X_5, X_7.
 * So the reduced block is the exact box average of the full one (as libjpeg's jidctred.c).
 */
const A4 = Array.from({ length: 8 }, (_, k) => ((k === 0 ? Math.SQRT1_2 : 1) / 2) * Math.cos((k * Math.PI) / 16));
const B2 = Array.from({ length: 8 }, (_, k) => {
  let s = 0;
  for (let n = 0; n < 4; n++) s += Math.cos(((2 * n + 1) * k * Math.PI) / 16);
  const v = ((k === 0 ? Math.SQRT1_2 : 1) / 2) * (s / 4);
  return Math.abs(v) < 1e-12 ? 0 : v;
});

/**
 * Dequantization multipliers for a block size, natural order, with the transform's per-frequency
 * factors folded in (so [0] is always quant/8: a flat block is DC × [0] + 128).
 */
export function idctTable(q: Int32Array, bs: number): Float32Array {
  const f = bs === 8 ? AAN.map((x) => x / Math.sqrt(8)) : bs === 4 ? A4 : bs === 2 ? B2 : bs === 1 ? [Math.sqrt(1 / 8)] : HALF_C;
  const t = new Float32Array(64);
  for (let u = 0; u < 8; u++) for (let v = 0; v < 8; v++) t[u * 8 + v] = q[u * 8 + v]! * (f[u] ?? 0) * (f[v] ?? 0);
  return t;
}

/** C_k / 2: the factors of the N-point IDCTs (folded into their tables). */
const HALF_C = Array.from({ length: 8 }, (_, k) => (k === 0 ? Math.SQRT1_2 : 1) / 2);

/** cos((2i+1)kπ/2n) for the n-point IDCTs, n = 3, 5, 6, 7: COS[n][i*8+k]. */
const COS: Float64Array[] = [];
for (const n of [3, 5, 6, 7]) {
  const m = new Float64Array(64);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) m[i * 8 + k] = Math.cos(((2 * i + 1) * k * Math.PI) / (2 * n));
  COS[n] = m;
}

export const clamp = (x: number) => (x <= 0 ? 0 : x >= 255 ? 255 : (x + 0.5) | 0);

const ws = new Float64Array(64);

/** Float AAN IDCT (libjpeg's jidctflt). `q` is idctTable(quant, 8). */
export function idct8(blk: Int32Array, q: Float32Array, out: Uint8Array, off: number, stride: number) {
  for (let c = 0; c < 8; c++) {
    if (blk[8 + c] === 0 && blk[16 + c] === 0 && blk[24 + c] === 0 && blk[32 + c] === 0 && blk[40 + c] === 0 && blk[48 + c] === 0 && blk[56 + c] === 0) {
      const dc = blk[c]! * q[c]!;
      ws[c] = dc;
      ws[8 + c] = dc;
      ws[16 + c] = dc;
      ws[24 + c] = dc;
      ws[32 + c] = dc;
      ws[40 + c] = dc;
      ws[48 + c] = dc;
      ws[56 + c] = dc;
      continue;
    }
    let t0 = blk[c]! * q[c]!;
    let t1 = blk[16 + c]! * q[16 + c]!;
    let t2 = blk[32 + c]! * q[32 + c]!;
    let t3 = blk[48 + c]! * q[48 + c]!;
    let t10 = t0 + t2;
    let t11 = t0 - t2;
    let t13 = t1 + t3;
    let t12 = (t1 - t3) * 1.414213562 - t13;
    t0 = t10 + t13;
    t3 = t10 - t13;
    t1 = t11 + t12;
    t2 = t11 - t12;
    let t4 = blk[8 + c]! * q[8 + c]!;
    let t5 = blk[24 + c]! * q[24 + c]!;
    let t6 = blk[40 + c]! * q[40 + c]!;
    let t7 = blk[56 + c]! * q[56 + c]!;
    const z13 = t6 + t5;
    const z10 = t6 - t5;
    const z11 = t4 + t7;
    const z12 = t4 - t7;
    t7 = z11 + z13;
    t11 = (z11 - z13) * 1.414213562;
    const z5 = (z10 + z12) * 1.847759065;
    t10 = z5 - z12 * 1.0823922;
    t12 = z5 - z10 * 2.61312593;
    t6 = t12 - t7;
    t5 = t11 - t6;
    t4 = t10 - t5;
    ws[c] = t0 + t7;
    ws[56 + c] = t0 - t7;
    ws[8 + c] = t1 + t6;
    ws[48 + c] = t1 - t6;
    ws[16 + c] = t2 + t5;
    ws[40 + c] = t2 - t5;
    ws[24 + c] = t3 + t4;
    ws[32 + c] = t3 - t4;
  }
  for (let r = 0; r < 64; r += 8, off += stride) {
    let t10 = ws[r]! + ws[r + 4]!;
    let t11 = ws[r]! - ws[r + 4]!;
    let t13 = ws[r + 2]! + ws[r + 6]!;
    let t12 = (ws[r + 2]! - ws[r + 6]!) * 1.414213562 - t13;
    const t0 = t10 + t13;
    const t3 = t10 - t13;
    const t1 = t11 + t12;
    const t2 = t11 - t12;
    const z13 = ws[r + 5]! + ws[r + 3]!;
    const z10 = ws[r + 5]! - ws[r + 3]!;
    const z11 = ws[r + 1]! + ws[r + 7]!;
    const z12 = ws[r + 1]! - ws[r + 7]!;
    const t7 = z11 + z13;
    t11 = (z11 - z13) * 1.414213562;
    const z5 = (z10 + z12) * 1.847759065;
    t10 = z5 - z12 * 1.0823922;
    t12 = z5 - z10 * 2.61312593;
    const t6 = t12 - t7;
    const t5 = t11 - t6;
    const t4 = t10 - t5;
    out[off] = clamp(t0 + t7 + 128);
    out[off + 7] = clamp(t0 - t7 + 128);
    out[off + 1] = clamp(t1 + t6 + 128);
    out[off + 6] = clamp(t1 - t6 + 128);
    out[off + 2] = clamp(t2 + t5 + 128);
    out[off + 5] = clamp(t2 - t5 + 128);
    out[off + 3] = clamp(t3 + t4 + 128);
    out[off + 4] = clamp(t3 - t4 + 128);
  }
}

const R2 = Math.SQRT1_2;
const C1 = Math.cos(Math.PI / 8);
const C3 = Math.cos((3 * Math.PI) / 8);

/**
 * 4×4 output (1/2 scale). With A_k the folded inputs (idctTable(quant, 4)):
 * E0,1 = A0 ± (A2 − A6)/√2;  O0 = c1(A1 − A7) + c3(A3 − A5);  O1 = c3(A1 − A7) − c1(A3 − A5);
 * out = [E0 + O0, E1 + O1, E1 − O1, E0 − O0].
 */
export function idct4(blk: Int32Array, q: Float32Array, out: Uint8Array, off: number, stride: number) {
  // Pass 1: the vertical transform of columns 0-3, 5-7 into ws rows 0-3.
  for (let c = 0; c < 8; c++) {
    if (c === 4) continue;
    const a0 = blk[c]! * q[c]!;
    if (blk[8 + c] === 0 && blk[16 + c] === 0 && blk[24 + c] === 0 && blk[40 + c] === 0 && blk[48 + c] === 0 && blk[56 + c] === 0) {
      ws[c] = a0;
      ws[8 + c] = a0;
      ws[16 + c] = a0;
      ws[24 + c] = a0;
      continue;
    }
    const e = (blk[16 + c]! * q[16 + c]! - blk[48 + c]! * q[48 + c]!) * R2;
    const p = blk[8 + c]! * q[8 + c]! - blk[56 + c]! * q[56 + c]!;
    const m = blk[24 + c]! * q[24 + c]! - blk[40 + c]! * q[40 + c]!;
    const o0 = C1 * p + C3 * m;
    const o1 = C3 * p - C1 * m;
    ws[c] = a0 + e + o0;
    ws[8 + c] = a0 - e + o1;
    ws[16 + c] = a0 - e - o1;
    ws[24 + c] = a0 + e - o0;
  }
  for (let r = 0; r < 32; r += 8, off += stride) {
    const a0 = ws[r]! + 128;
    const e = (ws[r + 2]! - ws[r + 6]!) * R2;
    const p = ws[r + 1]! - ws[r + 7]!;
    const m = ws[r + 3]! - ws[r + 5]!;
    const o0 = C1 * p + C3 * m;
    const o1 = C3 * p - C1 * m;
    out[off] = clamp(a0 + e + o0);
    out[off + 1] = clamp(a0 - e + o1);
    out[off + 2] = clamp(a0 - e - o1);
    out[off + 3] = clamp(a0 + e - o0);
  }
}

/** 2×2 output (1/4 scale): out = [A0 + O, A0 − O] with O = A1 + A3 + A5 + A7 (folded inputs). */
export function idct2(blk: Int32Array, q: Float32Array, out: Uint8Array, off: number, stride: number) {
  let c0e = 0,
    c0o = 0,
    c1e = 0,
    c1o = 0;
  for (const c of [0, 1, 3, 5, 7]) {
    const e = blk[c]! * q[c]!;
    const o = blk[8 + c]! * q[8 + c]! + blk[24 + c]! * q[24 + c]! + blk[40 + c]! * q[40 + c]! + blk[56 + c]! * q[56 + c]!;
    // Rows of the vertical transform: r0 = e + o, r1 = e − o; split by column parity (even: c = 0).
    if (c === 0) {
      c0e = e + o;
      c1e = e - o;
    } else {
      c0o += e + o;
      c1o += e - o;
    }
  }
  out[off] = clamp(c0e + c0o + 128);
  out[off + 1] = clamp(c0e - c0o + 128);
  out[off + stride] = clamp(c1e + c1o + 128);
  out[off + stride + 1] = clamp(c1e - c1o + 128);
}

/**
 * n×n output (scale n/8, n = 3, 5, 6, 7) as libjpeg's jpeg_idct_NxN: the n-point IDCT of the n×n
 * lowest frequencies, i.e. the block's band-limited picture sampled at n points a side. The
 * symmetric and antisymmetric halves (even and odd frequencies) are computed once for i and n−1−i.
 */
export function idctN(blk: Int32Array, q: Float32Array, n: number, out: Uint8Array, off: number, stride: number) {
  const m = COS[n]!;
  const half = (n + 1) >> 1;
  for (let v = 0; v < n; v++) {
    let any = false;
    for (let u = 1; u < n; u++) if (blk[u * 8 + v] !== 0) any = true;
    if (!any) {
      const x = blk[v]! * q[v]!;
      for (let i = 0; i < n; i++) ws[i * 8 + v] = x;
      continue;
    }
    for (let i = 0; i < half; i++) {
      let e = 0;
      let o = 0;
      for (let u = 0; u < n; u += 2) e += m[i * 8 + u]! * blk[u * 8 + v]! * q[u * 8 + v]!;
      for (let u = 1; u < n; u += 2) o += m[i * 8 + u]! * blk[u * 8 + v]! * q[u * 8 + v]!;
      ws[i * 8 + v] = e + o;
      ws[(n - 1 - i) * 8 + v] = e - o;
    }
  }
  for (let r = 0; r < n; r++, off += stride) {
    const w = r * 8;
    for (let i = 0; i < half; i++) {
      let e = 128;
      let o = 0;
      for (let v = 0; v < n; v += 2) e += m[i * 8 + v]! * ws[w + v]!;
      for (let v = 1; v < n; v += 2) o += m[i * 8 + v]! * ws[w + v]!;
      out[off + i] = clamp(e + o);
      out[off + n - 1 - i] = clamp(e - o);
    }
  }
}
