/** RGB(A) rows → the pipeline's Y/Cb/Cr planes, resampled and turned as they arrive (PNG and photon pixels). */
import { orientation } from "./geometry";
import { chromaSize, type Planes } from "./planes";
import { CHROMA, PlaneResampler } from "./resample";

/**
 * Takes RGB or RGBA rows (stored orientation) one at a time and feeds `full`'s three resamplers:
 * Y (JFIF) per pixel, Cb/Cr from 2×2 averages (as a 4:2:0 JPEG stores them, and a quarter of the
 * work). Transparent pixels are composited onto white first (compositing before the filter equals
 * compositing after it on premultiplied colour: both are linear).
 */
export class RowPlanes {
  private readonly ry: PlaneResampler;
  private readonly rcb: PlaneResampler;
  private readonly rcr: PlaneResampler;
  private readonly yRow: Uint8Array;
  private readonly cbRow: Uint8Array;
  private readonly crRow: Uint8Array;
  /** Sums of R, G, B over each 2×2 cell of the current pair of rows. */
  private readonly sums: Float64Array;
  private y = 0;
  private readonly cw: number;

  constructor(
    private readonly w: number,
    private readonly h: number,
    private readonly alpha: boolean,
    o: number,
    full: Planes,
  ) {
    const swap = o >= 5;
    const sw = swap ? full.height : full.width;
    const sh = swap ? full.width : full.height;
    const csw = chromaSize(sw);
    const csh = chromaSize(sh);
    this.cw = chromaSize(w);
    const ch = chromaSize(h);
    // The chroma source plane covers 2·cw × 2·ch image pixels; the chroma target 2·csw × 2·csh target pixels.
    const chromaWin = { x: 0, y: 0, width: (w * csw) / sw, height: (h * csh) / sh };
    this.ry = new PlaneResampler(w, h, { x: 0, y: 0, width: w, height: h }, sw, sh, full.y, orientation(o, sw, sh));
    this.rcb = new PlaneResampler(this.cw, ch, chromaWin, csw, csh, full.cb, orientation(o, csw, csh), CHROMA);
    this.rcr = new PlaneResampler(this.cw, ch, chromaWin, csw, csh, full.cr, orientation(o, csw, csh), CHROMA);
    this.yRow = new Uint8Array(w);
    this.cbRow = new Uint8Array(this.cw);
    this.crRow = new Uint8Array(this.cw);
    this.sums = new Float64Array(3 * this.cw);
  }

  /** The next row: `px[off …]`, `channels` (3 or 4) bytes a pixel. */
  push(px: Uint8Array, off: number, channels: 3 | 4) {
    const { w, yRow, sums } = this;
    const first = (this.y & 1) === 0;
    if (first) sums.fill(0);
    const alpha = this.alpha && channels === 4;
    if (!alpha) {
      // Opaque: two pixels at a time, their chroma summed before it is stored.
      let x = 0;
      for (let p = off, c = 0; x + 1 < w; x += 2, p += 2 * channels, c += 3) {
        const R0 = px[p]!,
          G0 = px[p + 1]!,
          B0 = px[p + 2]!;
        const R1 = px[p + channels]!,
          G1 = px[p + channels + 1]!,
          B1 = px[p + channels + 2]!;
        yRow[x] = 0.299 * R0 + 0.587 * G0 + 0.114 * B0 + 0.5;
        yRow[x + 1] = 0.299 * R1 + 0.587 * G1 + 0.114 * B1 + 0.5;
        sums[c]! += R0 + R1;
        sums[c + 1]! += G0 + G1;
        sums[c + 2]! += B0 + B1;
      }
      if (x < w) {
        const p = off + x * channels;
        const R = px[p]!,
          G = px[p + 1]!,
          B = px[p + 2]!;
        yRow[x] = 0.299 * R + 0.587 * G + 0.114 * B + 0.5;
        const c = 3 * (x >> 1);
        sums[c]! += R;
        sums[c + 1]! += G;
        sums[c + 2]! += B;
      }
      this.ry.push(yRow, 0);
      this.y++;
      if (!first || this.y === this.h) this.emitChroma(first ? 1 : 2);
      return;
    }
    for (let x = 0, p = off; x < w; x++, p += channels) {
      let R = px[p]!;
      let G = px[p + 1]!;
      let B = px[p + 2]!;
      if (alpha) {
        const a = px[p + 3]!;
        if (a !== 255) {
          const bg = 255 - a;
          R = (R * a) / 255 + bg;
          G = (G * a) / 255 + bg;
          B = (B * a) / 255 + bg;
        }
      }
      // Stored in a Uint8Array, x ∈ [0.5, 255.5] truncates to the rounded value.
      yRow[x] = 0.299 * R + 0.587 * G + 0.114 * B + 0.5;
      const c = 3 * (x >> 1);
      sums[c]! += R;
      sums[c + 1]! += G;
      sums[c + 2]! += B;
    }
    this.ry.push(yRow, 0);
    this.y++;
    if (!first || this.y === this.h) this.emitChroma(first ? 1 : 2);
  }

  private emitChroma(rows: number) {
    const { w, cw, sums, cbRow, crRow } = this;
    for (let i = 0; i < cw; i++) {
      const inv = 1 / (rows * Math.min(2, w - 2 * i));
      const R = sums[3 * i]! * inv;
      const G = sums[3 * i + 1]! * inv;
      const B = sums[3 * i + 2]! * inv;
      const cb = -0.168736 * R - 0.331264 * G + 0.5 * B + 128.5;
      const cr = 0.5 * R - 0.418688 * G - 0.081312 * B + 128.5;
      cbRow[i] = cb < 255 ? cb : 255;
      crRow[i] = cr < 255 ? cr : 255;
    }
    this.rcb.push(cbRow, 0);
    this.rcr.push(crRow, 0);
  }
}
