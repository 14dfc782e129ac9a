// A baseline JPEG encoder for fixtures jpeg-js cannot make: chroma subsampling (4:2:0, 4:2:2,
// 4:4:0), grayscale, restart markers, and pictures too big to hold as a raster (12+ MP: pixels come
// from a function, one MCU row at a time). Deliberately simple and independent of the production
// encoder: a naive float DCT, Annex K quantization tables, and fixed canonical Huffman tables with
// the standard code-length counts (so codes up to 16 bits occur, as in real files).

// (Re-exported by ./images, which tests import.)
import type { Color, Raster } from "./images";

export type Sampling = "444" | "422" | "420" | "440" | "gray";

export type BaselineJpegOptions = {
  quality?: number;
  sampling?: Sampling;
  /** MCUs between restart markers (0: none). */
  restartInterval?: number;
  /** Inserted after SOI (e.g. exifSegment(...)). */
  segments?: Uint8Array[];
  /**
   * The same coefficients written as a progressive JPEG (SOF2): one DC scan of all components,
   * then one AC scan (1–63) per component, no successive approximation; each block's AC data is
   * then coded as in a baseline scan. 4:4:4 or grey only (a non-interleaved scan then visits the
   * blocks in MCU order) and no restart markers.
   */
  progressive?: boolean;
};

const ZZ = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22,
  15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];
const Q_LUMA = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103,
  77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const Q_CHROMA = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];
/** Code-length counts of ITU T.81 Annex K (DC, AC luminance). */
const DC_COUNTS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const AC_COUNTS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125];
const DC_SYMBOLS = Array.from({ length: 12 }, (_, i) => i);
/** All 162 AC symbols (EOB, ZRL, run/size with size 1–10), likelier ones (short runs, small sizes) first. */
const AC_SYMBOLS = [
  0x00,
  ...Array.from({ length: 160 }, (_, i) => ((i % 16) << 4) | (1 + Math.floor(i / 16))).sort(
    (a, b) => (a >> 4) + (a & 15) * 1.5 - ((b >> 4) + (b & 15) * 1.5) || a - b,
  ),
  0xf0,
];

function huffCodes(counts: number[], symbols: number[]): Map<number, [number, number]> {
  const codes = new Map<number, [number, number]>();
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < counts[len - 1]!; i++) codes.set(symbols[k++]!, [code++, len]);
    code <<= 1;
  }
  return codes;
}
const DC_CODES = huffCodes(DC_COUNTS, DC_SYMBOLS);
const AC_CODES = huffCodes(AC_COUNTS, AC_SYMBOLS);

const COS8 = Array.from({ length: 64 }, (_, i) => {
  const x = i >> 3;
  const u = i & 7;
  return (u === 0 ? Math.SQRT1_2 : 1) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
});

/**
 * A baseline JPEG of width×height whose pixel (x, y) is `pixel(x, y)` (or a Raster's), encoded as
 * described above. Memory: one MCU row of pixels.
 */
export function encodeBaselineJpeg(width: number, height: number, pixel: ((x: number, y: number) => Color) | Raster, o: BaselineJpegOptions = {}): Uint8Array {
  const px =
    typeof pixel === "function"
      ? pixel
      : (x: number, y: number): Color => {
          const i = (y * pixel.width + x) * 4;
          return [pixel.data[i]!, pixel.data[i + 1]!, pixel.data[i + 2]!];
        };
  const sampling = o.sampling ?? "420";
  const gray = sampling === "gray";
  const [hs, vs] = ({ "444": [1, 1], "422": [2, 1], "420": [2, 2], "440": [1, 2], gray: [1, 1] } as const)[sampling];
  const q = o.quality ?? 90;
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  const qt = [Q_LUMA, Q_CHROMA].map((t) => t.map((v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100)))));

  const out: number[] = [];
  const word = (v: number) => out.push(v >> 8, v & 255);
  word(0xffd8);
  for (const s of o.segments ?? []) out.push(...s);
  word(0xffdb);
  word(2 + 65 * 2);
  qt.forEach((t, i) => {
    out.push(i, ...ZZ.map((z) => t[z]!));
  });
  const nc = gray ? 1 : 3;
  if (o.progressive && ((sampling !== "444" && !gray) || o.restartInterval)) throw new Error("progressive: 4:4:4 or grey, without restart markers");
  word(o.progressive ? 0xffc2 : 0xffc0);
  word(8 + 3 * nc);
  out.push(8);
  word(height);
  word(width);
  out.push(nc);
  out.push(1, (hs << 4) | vs, 0);
  if (!gray) out.push(2, 0x11, 1, 3, 0x11, 1);
  for (const [cls, counts, symbols] of [
    [0x00, DC_COUNTS, DC_SYMBOLS],
    [0x10, AC_COUNTS, AC_SYMBOLS],
    [0x01, DC_COUNTS, DC_SYMBOLS],
    [0x11, AC_COUNTS, AC_SYMBOLS],
  ] as const) {
    if (gray && cls & 1) continue;
    word(0xffc4);
    word(2 + 17 + symbols.length);
    out.push(cls, ...counts, ...symbols);
  }
  if (o.restartInterval) {
    word(0xffdd);
    word(4);
    word(o.restartInterval);
  }
  const components = gray ? [0] : [0, 1, 2];
  type Scan = { components: number[]; dc: boolean; ac: boolean };
  const scans: Scan[] = o.progressive
    ? [{ components, dc: true, ac: false }, ...components.map((c) => ({ components: [c], dc: false, ac: true }))]
    : [{ components, dc: true, ac: true }];
  let scan = scans[0]!;
  const sos = () => {
    word(0xffda);
    word(6 + 2 * scan.components.length);
    out.push(scan.components.length);
    for (const c of scan.components) out.push(c + 1, c === 0 ? 0x00 : 0x11);
    out.push(scan.dc ? 0 : 1, scan.ac ? 63 : 0, 0);
  };

  // Entropy-coded data.
  let acc = 0;
  let nacc = 0;
  const put = (bits: number, n: number) => {
    for (let i = n - 1; i >= 0; i--) {
      acc = (acc << 1) | ((bits >> i) & 1);
      if (++nacc === 8) {
        out.push(acc);
        if (acc === 0xff) out.push(0);
        acc = 0;
        nacc = 0;
      }
    }
  };
  const flush = () => {
    if (nacc > 0) put((1 << (8 - nacc)) - 1, 8 - nacc);
  };
  const mcuW = 8 * (gray ? 1 : hs);
  const mcuH = 8 * (gray ? 1 : vs);
  const mcusX = Math.ceil(width / mcuW);
  const mcusY = Math.ceil(height / mcuH);
  const pred = [0, 0, 0];
  const block = new Float64Array(64);
  const tmp = new Float64Array(64);
  const encodeBlock = (c: number, sample: (x: number, y: number) => number) => {
    if (!scan.components.includes(c)) return;
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) block[y * 8 + x] = sample(x, y) - 128;
    // Separable DCT-II: rows, then columns.
    for (let y = 0; y < 8; y++)
      for (let u = 0; u < 8; u++) {
        let s = 0;
        for (let x = 0; x < 8; x++) s += block[y * 8 + x]! * COS8[x * 8 + u]!;
        tmp[y * 8 + u] = s / 2;
      }
    const t = qt[c === 0 ? 0 : 1]!;
    const coef = new Array<number>(64);
    for (let v = 0; v < 8; v++)
      for (let u = 0; u < 8; u++) {
        let s = 0;
        for (let y = 0; y < 8; y++) s += tmp[y * 8 + u]! * COS8[y * 8 + v]!;
        coef[v * 8 + u] = Math.round(s / 2 / t[v * 8 + u]!);
      }
    const zz = ZZ.map((z) => coef[z]!);
    const bits = (v: number) => (v === 0 ? 0 : 32 - Math.clz32(Math.abs(v)));
    const diff = zz[0]! - pred[c]!;
    pred[c] = zz[0]!;
    const dcat = bits(diff);
    if (scan.dc) {
      put(...DC_CODES.get(dcat)!);
      if (dcat) put(diff < 0 ? diff - 1 + (1 << dcat) : diff, dcat);
    }
    if (!scan.ac) return;
    let run = 0;
    for (let k = 1; k < 64; k++) {
      const v = zz[k]!;
      if (v === 0) {
        run++;
        continue;
      }
      while (run > 15) {
        put(...AC_CODES.get(0xf0)!);
        run -= 16;
      }
      const cat = bits(v);
      put(...AC_CODES.get((run << 4) | cat)!);
      put(v < 0 ? v - 1 + (1 << cat) : v, cat);
      run = 0;
    }
    if (run > 0) put(...AC_CODES.get(0x00)!);
  };
  // One MCU row of Y/Cb/Cr samples at a time (edge pixels repeated past the picture).
  const rowY = new Float64Array(mcuW * mcusX * mcuH);
  const rowCb = new Float64Array(rowY.length);
  const rowCr = new Float64Array(rowY.length);
  const rw = mcuW * mcusX;
  for (scan of scans) {
    sos();
    pred.fill(0);
    let mcu = 0;
    for (let my = 0; my < mcusY; my++) {
      for (let yy = 0; yy < mcuH; yy++) {
        const y = Math.min(height - 1, my * mcuH + yy);
        for (let xx = 0; xx < rw; xx++) {
          const [r, g, b] = px(Math.min(width - 1, xx), y);
          const i = yy * rw + xx;
          rowY[i] = 0.299 * r + 0.587 * g + 0.114 * b;
          rowCb[i] = -0.168736 * r - 0.331264 * g + 0.5 * b + 128;
          rowCr[i] = 0.5 * r - 0.418688 * g - 0.081312 * b + 128;
        }
      }
      for (let mx = 0; mx < mcusX; mx++) {
        if (o.restartInterval && mcu > 0 && mcu % o.restartInterval === 0) {
          flush();
          out.push(0xff, 0xd0 + ((mcu / o.restartInterval - 1) & 7));
          pred.fill(0);
        }
        mcu++;
        for (let by = 0; by < (gray ? 1 : vs); by++)
          for (let bx = 0; bx < (gray ? 1 : hs); bx++) encodeBlock(0, (x, y) => rowY[(by * 8 + y) * rw + mx * mcuW + bx * 8 + x]!);
        if (!gray) {
          // Chroma: the mean of each hs×vs cell.
          for (const [c, plane] of [
            [1, rowCb],
            [2, rowCr],
          ] as const) {
            encodeBlock(c, (x, y) => {
              let s = 0;
              for (let dy = 0; dy < vs; dy++) for (let dx = 0; dx < hs; dx++) s += plane[(y * vs + dy) * rw + mx * mcuW + x * hs + dx]!;
              return s / (hs * vs);
            });
          }
        }
      }
    }
    flush();
  }
  word(0xffd9);
  return Uint8Array.from(out);
}
