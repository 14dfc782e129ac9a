/**
 * Resampling: separable, support widened by the scale when shrinking (so every source pixel
 * is averaged: no aliasing), streamed row by row. Reductions by 2 or more first average k×k
 * boxes (as libvips' shrink before its reduce; see boxFactor).
 *
 * Kernels: Catmull-Rom (bicubic, B=0 C=0.5; support 2) for the full rendition's luma, sharp enough
 * there (after a DCT-domain reduction it only ever shrinks by less than 2) and a third cheaper than
 * Lanczos3; Lanczos3 (support 3) for the luma of card and thumb, small pictures where its extra
 * sharpness shows (it is also sharp's default: bench/imaging.mjs keeps every rendition within SSIM
 * 0.99 of sharp's); a triangle for chroma (half resolution, barely visible; as libjpeg's smoothing
 * downsampler).
 */

export type Window = { x: number; y: number; width: number; height: number };
export type Layout = { base: number; col: number; row: number };
export type Kernel = { support: number; f: (x: number) => number };

export const CUBIC: Kernel = {
  support: 2,
  f: (x) => {
    x = Math.abs(x);
    if (x < 1) return (1.5 * x - 2.5) * x * x + 1;
    if (x < 2) return ((-0.5 * x + 2.5) * x - 4) * x + 2;
    return 0;
  },
};

/** Triangle (linear; support 1), for chroma, which is half resolution and barely visible. */
const TRIANGLE: Kernel = { support: 1, f: (x) => Math.max(0, 1 - Math.abs(x)) };

/** The kernel for Cb/Cr everywhere. */
export const CHROMA = TRIANGLE;

export const LANCZOS3: Kernel = {
  support: 3,
  f: (x) => {
    x = Math.abs(x);
    if (x < 1e-9) return 1;
    if (x >= 3) return 0;
    const px = Math.PI * x;
    return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
  },
};

/** n taps per output from start[i]; `identity` when the output is the window itself (a copy). */
type Taps = { n: number; start: Int32Array; weights: Float64Array; identity: boolean };

/**
 * For each of dstLen outputs, the n source indices (from start[i], all inside [0, srcLen)) and
 * normalized weights over the window [offset, offset + span) of the source.
 */
function taps(srcLen: number, offset: number, span: number, dstLen: number, kernel: Kernel): Taps {
  const scale = span / dstLen;
  if (scale === 1 && Number.isInteger(offset) && offset >= 0 && offset + dstLen <= srcLen) {
    // The same size: a copy.
    return { n: 1, start: Int32Array.from({ length: dstLen }, (_, i) => offset + i), weights: new Float64Array(dstLen + 8).fill(1), identity: true };
  }
  const filterScale = Math.max(1, scale);
  const support = kernel.support * filterScale;
  // The most source centres j + 0.5 strictly inside (center − support, center + support).
  const n = Math.min(srcLen, Math.ceil(2 * support));
  const start = new Int32Array(dstLen);
  const weights = new Float64Array(dstLen * n + 8);
  for (let i = 0; i < dstLen; i++) {
    const center = offset + (i + 0.5) * scale;
    const left = Math.max(0, Math.floor(center - support + 0.5));
    const right = Math.min(srcLen, Math.ceil(center + support - 0.5));
    const first = Math.max(0, Math.min(left, srcLen - n));
    start[i] = first;
    let sum = 0;
    for (let j = left; j < right && j < first + n; j++) {
      const w = kernel.f((j + 0.5 - center) / filterScale);
      weights[i * n + (j - first)] = w;
      sum += w;
    }
    if (sum !== 0) for (let k = 0; k < n; k++) weights[i * n + k]! /= sum;
    else weights[i * n + Math.min(Math.max(0, Math.floor(center) - first), n - 1)] = 1;
  }
  return { n, start, weights, identity: false };
}

/**
 * The box factor for a reduction by `scale`: none below 2; then 2, then the largest that leaves
 * the filter at least 2 (libvips' gap). The box is at most one output pixel wide (exactly 2× is a
 * plain 2×2 average, as libjpeg's 1/2 scaling), which keeps the result within SSIM 0.99 of a
 * direct Lanczos3 (bench/imaging.mjs) for a fraction of the work.
 */
const boxFactor = (scale: number) => (scale < 2 ? 1 : Math.max(2, Math.floor(scale / 2)));

/**
 * Resamples the window `win` of a srcW×srcH plane to tw×th, fed one source row at a time, in
 * order (push). Output row y is written as soon as the source rows it needs have arrived, at
 * out[base + x·col + y·row] (see orientation()). Memory: the taps, n rows of tw floats, and a box
 * row: a few hundred KB at most.
 */
export class PlaneResampler {
  private readonly kx: number;
  private readonly ky: number;
  private readonly rw: number;
  private readonly tx: Taps;
  private readonly ty: Taps;
  private readonly ring: Float32Array;
  private readonly acc: Float64Array;
  /** Ring offsets of the rows of the output row being made. */
  private readonly rows: Int32Array;
  /** Column sums of the rows of the current box row (kx, ky > 1), then their rounded averages. */
  private readonly box: Int32Array | null;
  private readonly boxRow: Uint8Array | null;
  private readonly boxScale: Float32Array | null;
  private inBox = 0;
  private sy = 0;
  private nextY = 0;

  constructor(
    private readonly srcW: number,
    private readonly srcH: number,
    win: Window,
    private readonly tw: number,
    private readonly th: number,
    private readonly out: Uint8Array,
    private readonly layout: Layout,
    kernel: Kernel = CUBIC,
  ) {
    this.kx = Math.min(srcW, boxFactor(win.width / tw));
    this.ky = Math.min(srcH, boxFactor(win.height / th));
    this.rw = Math.ceil(srcW / this.kx);
    const rh = Math.ceil(srcH / this.ky);
    this.tx = taps(this.rw, win.x / this.kx, win.width / this.kx, tw, kernel);
    this.ty = taps(rh, win.y / this.ky, win.height / this.ky, th, kernel);
    this.ring = new Float32Array(this.ty.n * tw);
    this.acc = new Float64Array(tw);
    this.rows = new Int32Array(Math.max(8, this.ty.n));
    if (this.kx > 1 || this.ky > 1) {
      this.box = new Int32Array(srcW);
      this.boxRow = new Uint8Array(this.rw);
      this.boxScale = new Float32Array(this.rw);
      for (let j = 0; j < this.rw; j++) this.boxScale[j] = 1 / Math.min(this.kx, srcW - j * this.kx);
    } else {
      this.box = null;
      this.boxRow = null;
      this.boxScale = null;
    }
  }

  done(): boolean {
    return this.nextY >= this.th;
  }

  /** Row sy (the next one) of the source: src[off … off + srcW). */
  push(src: Uint8Array, off: number): void {
    const sy = this.sy++;
    if (this.nextY >= this.th || sy >= this.srcH) return;
    const box = this.box;
    if (this.tx.identity && this.ty.identity && box === null) {
      // The same size (a decoder plane already at its target): copy the row to its place.
      const y = sy - this.ty.start[0]!;
      if (y < 0) return;
      const { tw, out } = this;
      const { base, col, row } = this.layout;
      const from = off + this.tx.start[0]!;
      const q = base + y * row;
      if (col === 1) out.set(src.subarray(from, from + tw), q);
      else for (let x = 0, p = q; x < tw; x++, p += col) out[p] = src[from + x]!;
      this.nextY = y + 1;
      return;
    }
    if (box === null) {
      if (sy < this.ty.start[this.nextY]!) return;
      this.filterRow(src, off, sy);
      return;
    }
    const ky = this.ky;
    const ry = (sy / ky) | 0;
    if (ry < this.ty.start[this.nextY]!) return;
    const srcW = this.srcW;
    // Sum the group's rows column by column first (one add a pixel), then the columns by kx.
    if (this.inBox === 0) box.set(src.subarray(off, off + srcW));
    else for (let i = 0; i < srcW; i++) box[i]! += src[off + i]!;
    this.inBox++;
    if (this.inBox === ky || sy === this.srcH - 1) {
      // Rounded to bytes (±0.5, averaged away by the filter): the filter then only ever reads bytes.
      const kx = this.kx;
      const rw = this.rw;
      const bs = this.boxScale!;
      const avg = this.boxRow!;
      const inv = 1 / this.inBox;
      const whole = Math.floor(srcW / kx);
      if (kx === 1) for (let j = 0; j < whole; j++) avg[j] = box[j]! * inv + 0.5;
      else if (kx === 2) for (let j = 0, p = 0; j < whole; j++, p += 2) avg[j] = (box[p]! + box[p + 1]!) * bs[j]! * inv + 0.5;
      else if (kx === 3) for (let j = 0, p = 0; j < whole; j++, p += 3) avg[j] = (box[p]! + box[p + 1]! + box[p + 2]!) * bs[j]! * inv + 0.5;
      else
        for (let j = 0, p = 0; j < whole; j++) {
          let t = 0;
          for (const end = p + kx; p < end; p++) t += box[p]!;
          avg[j] = t * bs[j]! * inv + 0.5;
        }
      if (whole < rw) {
        // The last, partial column of boxes.
        let t = 0;
        for (let p = whole * kx; p < srcW; p++) t += box[p]!;
        avg[whole] = t * bs[whole]! * inv + 0.5;
      }
      this.inBox = 0;
      this.filterRow(avg, 0, ry);
    }
  }

  /** Horizontal pass of (reduced) row ry into the ring, then every output row it completes. */
  private filterRow(src: Uint8Array, off: number, ry: number) {
    const { tw, ring } = this;
    const ny = this.ty.n;
    horizontal(src, off, this.tx, ring, (ry % ny) * tw, tw);
    const ty = this.ty;
    while (this.nextY < this.th && ty.start[this.nextY]! + ny - 1 <= ry) this.emit(this.nextY++);
  }

  /** Vertical pass: output row y from the ring rows start[y] … start[y] + n − 1. */
  private emit(y: number) {
    const { tw, ring, acc, out, rows } = this;
    const ty = this.ty;
    const ny = ty.n;
    const y0 = ty.start[y]!;
    for (let k = 0; k < ny; k++) rows[k] = ((y0 + k) % ny) * tw;
    const { base, col, row } = this.layout;
    vertical(ring, rows, ty.weights, y * ny, ny, tw, acc, out, base + y * row, col);
  }
}

/**
 * One row of the horizontal pass: out[o + x] = Σ_k src[off + start[x] + k] · w[x·n + k]. Unrolled
 * for the common tap counts (5–8 after a DCT-domain or box pre-shrink; 4 when enlarging): V8 does
 * not unroll, and the loop overhead is most of the cost of a short inner loop.
 */
function horizontal(src: Uint8Array, off: number, t: Taps, out: Float32Array, o: number, tw: number) {
  const { n, start, weights: w } = t;
  switch (n) {
    case 1:
      for (let x = 0; x < tw; x++) out[o + x] = src[off + start[x]!]!;
      return;
    case 4:
      for (let x = 0, k = 0; x < tw; x++, k += 4) {
        const p = off + start[x]!;
        out[o + x] = src[p]! * w[k]! + src[p + 1]! * w[k + 1]! + src[p + 2]! * w[k + 2]! + src[p + 3]! * w[k + 3]!;
      }
      return;
    case 5:
      for (let x = 0, k = 0; x < tw; x++, k += 5) {
        const p = off + start[x]!;
        out[o + x] = src[p]! * w[k]! + src[p + 1]! * w[k + 1]! + src[p + 2]! * w[k + 2]! + src[p + 3]! * w[k + 3]! + src[p + 4]! * w[k + 4]!;
      }
      return;
    case 6:
      for (let x = 0, k = 0; x < tw; x++, k += 6) {
        const p = off + start[x]!;
        out[o + x] =
          src[p]! * w[k]! + src[p + 1]! * w[k + 1]! + src[p + 2]! * w[k + 2]! + src[p + 3]! * w[k + 3]! + src[p + 4]! * w[k + 4]! + src[p + 5]! * w[k + 5]!;
      }
      return;
    case 7:
      for (let x = 0, k = 0; x < tw; x++, k += 7) {
        const p = off + start[x]!;
        out[o + x] =
          src[p]! * w[k]! +
          src[p + 1]! * w[k + 1]! +
          src[p + 2]! * w[k + 2]! +
          src[p + 3]! * w[k + 3]! +
          src[p + 4]! * w[k + 4]! +
          src[p + 5]! * w[k + 5]! +
          src[p + 6]! * w[k + 6]!;
      }
      return;
    case 8:
      for (let x = 0, k = 0; x < tw; x++, k += 8) {
        const p = off + start[x]!;
        out[o + x] =
          src[p]! * w[k]! +
          src[p + 1]! * w[k + 1]! +
          src[p + 2]! * w[k + 2]! +
          src[p + 3]! * w[k + 3]! +
          src[p + 4]! * w[k + 4]! +
          src[p + 5]! * w[k + 5]! +
          src[p + 6]! * w[k + 6]! +
          src[p + 7]! * w[k + 7]!;
      }
      return;
    default:
      for (let x = 0, k = 0; x < tw; x++) {
        let s = 0;
        let p = off + start[x]!;
        const end = p + n;
        for (; p + 1 < end; p += 2, k += 2) s += src[p]! * w[k]! + src[p + 1]! * w[k + 1]!;
        if (p < end) s += src[p]! * w[k++]!;
        out[o + x] = s;
      }
  }
}

const clampByte = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0);

/**
 * One output row of the vertical pass: out[q + x·col] = Σ_k ring[rows[k] + x] · w[wi + k], rounded
 * and clamped. Unrolled over the rows for n ≤ 8; more rows are summed four at a time into `acc`.
 */
function vertical(
  ring: Float32Array,
  rows: Int32Array,
  w: Float64Array,
  wi: number,
  n: number,
  tw: number,
  acc: Float64Array,
  out: Uint8Array,
  q: number,
  col: number,
) {
  const r0 = rows[0]!,
    r1 = rows[1]!,
    r2 = rows[2]!,
    r3 = rows[3]!,
    r4 = rows[4]!,
    r5 = rows[5]!,
    r6 = rows[6]!,
    r7 = rows[7]!;
  // (weights arrays have 8 spare entries at the end, so these reads stay in bounds)
  const w0 = w[wi]!,
    w1 = w[wi + 1]!,
    w2 = w[wi + 2]!,
    w3 = w[wi + 3]!,
    w4 = w[wi + 4]!,
    w5 = w[wi + 5]!,
    w6 = w[wi + 6]!,
    w7 = w[wi + 7]!;
  switch (n) {
    case 1:
      for (let x = 0; x < tw; x++, q += col) out[q] = clampByte(ring[r0 + x]!);
      return;
    case 2:
      for (let x = 0; x < tw; x++, q += col) out[q] = clampByte(ring[r0 + x]! * w0 + ring[r1 + x]! * w1);
      return;
    case 3:
      for (let x = 0; x < tw; x++, q += col) out[q] = clampByte(ring[r0 + x]! * w0 + ring[r1 + x]! * w1 + ring[r2 + x]! * w2);
      return;
    case 4:
      for (let x = 0; x < tw; x++, q += col) out[q] = clampByte(ring[r0 + x]! * w0 + ring[r1 + x]! * w1 + ring[r2 + x]! * w2 + ring[r3 + x]! * w3);
      return;
    case 5:
      for (let x = 0; x < tw; x++, q += col)
        out[q] = clampByte(ring[r0 + x]! * w0 + ring[r1 + x]! * w1 + ring[r2 + x]! * w2 + ring[r3 + x]! * w3 + ring[r4 + x]! * w4);
      return;
    case 6:
      for (let x = 0; x < tw; x++, q += col)
        out[q] = clampByte(ring[r0 + x]! * w0 + ring[r1 + x]! * w1 + ring[r2 + x]! * w2 + ring[r3 + x]! * w3 + ring[r4 + x]! * w4 + ring[r5 + x]! * w5);
      return;
    case 7:
      for (let x = 0; x < tw; x++, q += col)
        out[q] = clampByte(
          ring[r0 + x]! * w0 + ring[r1 + x]! * w1 + ring[r2 + x]! * w2 + ring[r3 + x]! * w3 + ring[r4 + x]! * w4 + ring[r5 + x]! * w5 + ring[r6 + x]! * w6,
        );
      return;
    case 8:
      for (let x = 0; x < tw; x++, q += col)
        out[q] = clampByte(
          ring[r0 + x]! * w0 +
            ring[r1 + x]! * w1 +
            ring[r2 + x]! * w2 +
            ring[r3 + x]! * w3 +
            ring[r4 + x]! * w4 +
            ring[r5 + x]! * w5 +
            ring[r6 + x]! * w6 +
            ring[r7 + x]! * w7,
        );
      return;
  }
  for (let x = 0; x < tw; x++) acc[x] = ring[r0 + x]! * w0 + ring[r1 + x]! * w1 + ring[r2 + x]! * w2 + ring[r3 + x]! * w3;
  let k = 4;
  for (; k + 4 <= n; k += 4) {
    const a = rows[k]!,
      b = rows[k + 1]!,
      c = rows[k + 2]!,
      d = rows[k + 3]!;
    const wa = w[wi + k]!,
      wb = w[wi + k + 1]!,
      wc = w[wi + k + 2]!,
      wd = w[wi + k + 3]!;
    for (let x = 0; x < tw; x++) acc[x]! += ring[a + x]! * wa + ring[b + x]! * wb + ring[c + x]! * wc + ring[d + x]! * wd;
  }
  for (; k < n; k++) {
    const a = rows[k]!;
    const wa = w[wi + k]!;
    for (let x = 0; x < tw; x++) acc[x]! += ring[a + x]! * wa;
  }
  for (let x = 0; x < tw; x++, q += col) out[q] = clampByte(acc[x]!);
}
