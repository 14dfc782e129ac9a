/**
 * Baseline JPEG encoder for the renditions: Y/Cb/Cr planes in, 4:2:0 JFIF out, with Huffman tables
 * optimised for each picture (as libjpeg's optimize_coding, which sharp also uses). No metadata of
 * any kind is written: SOI, APP0 (JFIF), DQT, SOF0, DHT, SOS, data, EOI.
 *
 * Speed comes from doing as little as possible: chroma arrives already at half resolution (the
 * resampler makes it so), the forward DCT is libjpeg's float AAN with quantization
 * folded into one multiply per coefficient, and the only allocation is the output.
 */

import { chromaSize, type Planes } from "./planes";
import { AAN, ZIGZAG } from "./jpeg/tables";

// ITU-T T.81 Annex K tables (natural order), scaled by quality as libjpeg does.
const STD_LUMA = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103,
  77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const STD_CHROMA = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

function quantTable(base: number[], quality: number): Int32Array {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? Math.floor(5000 / q) : 200 - q * 2;
  return Int32Array.from(base, (v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100))));
}

/** Multipliers that turn the AAN DCT output into quantizer input, in zigzag order. */
function divisors(q: Int32Array): Float64Array {
  const d = new Float64Array(64);
  for (let k = 0; k < 64; k++) {
    const n = ZIGZAG[k]!;
    d[k] = 1 / (q[n]! * AAN[n >> 3]! * AAN[n & 7]! * 8);
  }
  return d;
}

const tables = new Map<number, { luma: Int32Array; chroma: Int32Array; dl: Float64Array; dc: Float64Array }>();
function tablesFor(quality: number) {
  let t = tables.get(quality);
  if (!t) {
    const luma = quantTable(STD_LUMA, quality);
    const chroma = quantTable(STD_CHROMA, quality);
    t = { luma, chroma, dl: divisors(luma), dc: divisors(chroma) };
    tables.set(quality, t);
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Forward DCT + quantization of one 8×8 block

const blockIn = new Float64Array(64);

/** Bit length of |v| (JPEG's "category"), 0 for 0. */
const category = (v: number) => 32 - Math.clz32(v < 0 ? -v : v);

/** An edge block, its last column/row repeated past the picture. */
const edge = new Uint8Array(64);

/**
 * −1 when the 8×8 block at (x0, y0) of a w×h plane lies inside it (read it in place); otherwise
 * fills `edge` with the block, its last column/row repeated, and returns 0.
 */
function blockAt(p: Uint8Array, w: number, h: number, x0: number, y0: number): number {
  if (x0 + 8 <= w && y0 + 8 <= h) return -1;
  for (let y = 0; y < 8; y++) {
    const row = Math.min(y0 + y, h - 1) * w;
    for (let x = 0; x < 8; x++) edge[y * 8 + x] = p[row + Math.min(x0 + x, w - 1)]!;
  }
  return 0;
}

/** Quantized coefficients of the current block, zigzag order. */
const qblk = new Int32Array(64);

/**
 * libjpeg's jfdctflt on the 8×8 samples at src[o …] (rows `stride` apart), then quantization into
 * qblk (zigzag order). The row pass reads the bytes directly; the level shift (−128 a sample) only
 * changes the DC of each row (−1024). Returns the index of the last non-zero AC coefficient (0 if
 * none), so that symbolize skips the trailing zeros.
 */
function fdctQuantize(src: Uint8Array, o: number, stride: number, div: Float64Array): number {
  const d = blockIn;
  for (let i = 0; i < 64; i += 8, o += stride) {
    const s0 = src[o]!,
      s1 = src[o + 1]!,
      s2 = src[o + 2]!,
      s3 = src[o + 3]!,
      s4 = src[o + 4]!,
      s5 = src[o + 5]!,
      s6 = src[o + 6]!,
      s7 = src[o + 7]!;
    const t0 = s0 + s7;
    const t7 = s0 - s7;
    const t1 = s1 + s6;
    const t6 = s1 - s6;
    const t2 = s2 + s5;
    const t5 = s2 - s5;
    const t3 = s3 + s4;
    const t4 = s3 - s4;
    let t10 = t0 + t3;
    const t13 = t0 - t3;
    let t11 = t1 + t2;
    let t12 = t1 - t2;
    d[i] = t10 + t11 - 1024;
    d[i + 4] = t10 - t11;
    const z1 = (t12 + t13) * 0.707106781;
    d[i + 2] = t13 + z1;
    d[i + 6] = t13 - z1;
    t10 = t4 + t5;
    t11 = t5 + t6;
    t12 = t6 + t7;
    const z5 = (t10 - t12) * 0.382683433;
    const z2 = 0.5411961 * t10 + z5;
    const z4 = 1.306562965 * t12 + z5;
    const z3 = t11 * 0.707106781;
    const z11 = t7 + z3;
    const z13 = t7 - z3;
    d[i + 5] = z13 + z2;
    d[i + 3] = z13 - z2;
    d[i + 1] = z11 + z4;
    d[i + 7] = z11 - z4;
  }
  for (let i = 0; i < 8; i++) {
    const t0 = d[i]! + d[56 + i]!;
    const t7 = d[i]! - d[56 + i]!;
    const t1 = d[8 + i]! + d[48 + i]!;
    const t6 = d[8 + i]! - d[48 + i]!;
    const t2 = d[16 + i]! + d[40 + i]!;
    const t5 = d[16 + i]! - d[40 + i]!;
    const t3 = d[24 + i]! + d[32 + i]!;
    const t4 = d[24 + i]! - d[32 + i]!;
    let t10 = t0 + t3;
    const t13 = t0 - t3;
    let t11 = t1 + t2;
    let t12 = t1 - t2;
    d[i] = t10 + t11;
    d[32 + i] = t10 - t11;
    const z1 = (t12 + t13) * 0.707106781;
    d[16 + i] = t13 + z1;
    d[48 + i] = t13 - z1;
    t10 = t4 + t5;
    t11 = t5 + t6;
    t12 = t6 + t7;
    const z5 = (t10 - t12) * 0.382683433;
    const z2 = 0.5411961 * t10 + z5;
    const z4 = 1.306562965 * t12 + z5;
    const z3 = t11 * 0.707106781;
    const z11 = t7 + z3;
    const z13 = t7 - z3;
    d[40 + i] = z13 + z2;
    d[24 + i] = z13 - z2;
    d[8 + i] = z11 + z4;
    d[56 + i] = z11 - z4;
  }
  // Round half up. (Math.round is several times slower here; |v| < 2048 for 8-bit samples.)
  qblk[0] = ((d[0]! * div[0]! + 16384.5) | 0) - 16384;
  let last = 0;
  for (let k = 1; k < 64; k++) {
    const v = ((d[ZIGZAG[k]!]! * div[k]! + 16384.5) | 0) - 16384;
    qblk[k] = v;
    if (v !== 0) last = k;
  }
  return last;
}

// ---------------------------------------------------------------------------------------------
// Huffman tables

/** libjpeg's jpeg_gen_optimal_table: code lengths ≤ 16, no all-ones code. Returns [bits(16), values]. */
type HuffmanSpec = { bits: Uint8Array; values: Uint8Array };

function optimalTable(freqIn: Int32Array): HuffmanSpec {
  const freq = new Float64Array(257);
  for (let i = 0; i < 256; i++) freq[i] = freqIn[i]!;
  freq[256] = 1; // reserved: guarantees no code is all ones
  const codesize = new Int32Array(257);
  const others = new Int32Array(257).fill(-1);
  for (;;) {
    let c1 = -1;
    let v = 1e300;
    for (let i = 0; i <= 256; i++)
      if (freq[i] && freq[i]! <= v) {
        v = freq[i]!;
        c1 = i;
      }
    let c2 = -1;
    v = 1e300;
    for (let i = 0; i <= 256; i++)
      if (freq[i] && freq[i]! <= v && i !== c1) {
        v = freq[i]!;
        c2 = i;
      }
    if (c2 < 0) break;
    freq[c1]! += freq[c2]!;
    freq[c2] = 0;
    codesize[c1]!++;
    while (others[c1]! >= 0) {
      c1 = others[c1]!;
      codesize[c1]!++;
    }
    others[c1] = c2;
    codesize[c2]!++;
    while (others[c2]! >= 0) {
      c2 = others[c2]!;
      codesize[c2]!++;
    }
  }
  const bits = new Int32Array(33);
  for (let i = 0; i <= 256; i++) if (codesize[i]) bits[codesize[i]!]!++;
  for (let i = 32; i > 16; i--) {
    while (bits[i]! > 0) {
      let j = i - 2;
      while (bits[j] === 0) j--;
      bits[i]! -= 2;
      bits[i - 1]!++;
      bits[j + 1]! += 2;
      bits[j]!--;
    }
  }
  let i = 16;
  while (bits[i] === 0) i--;
  bits[i]!--; // drop the reserved symbol
  const values: number[] = [];
  for (let l = 1; l <= 32; l++) for (let s = 0; s < 256; s++) if (codesize[s] === l) values.push(s);
  return { bits: Uint8Array.from(bits.subarray(1, 17)), values: Uint8Array.from(values) };
}

/** Code and length per symbol for a table given as (bits, values). */
function codesFor(t: HuffmanSpec): { code: Int32Array; size: Int32Array } {
  const code = new Int32Array(256);
  const size = new Int32Array(256);
  let c = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    for (let i = 0; i < t.bits[l - 1]!; i++, k++, c++) {
      code[t.values[k]!] = c;
      size[t.values[k]!] = l;
    }
    c <<= 1;
  }
  return { code, size };
}

// ---------------------------------------------------------------------------------------------
// Encoding

/**
 * The entropy-coded data as symbols, made by pass 1 and written by pass 2: syms[i] is
 * (table << 8) | symbol with table 0 = DC luma, 1 = AC luma, 2 = DC chroma, 3 = AC chroma, and
 * extras[i] is (extra bits << 4) | their count. Kept between calls (it only grows).
 */
let syms = new Uint16Array(0);
let extras = new Int32Array(0);
let count = 0;

function grow(need: number) {
  if (need <= syms.length) return;
  const size = Math.max(need, syms.length * 2);
  const s2 = new Uint16Array(size);
  const e2 = new Int32Array(size);
  s2.set(syms.subarray(0, count));
  e2.set(extras.subarray(0, count));
  syms = s2;
  extras = e2;
}

/** Appends the symbols of qblk (DC as a difference from `pred`; AC up to `last`) and counts them in `freq`. */
function symbolize(pred: number, dcTable: number, freq: Int32Array, last: number) {
  const st = syms;
  const ex = extras;
  let n = count;
  const diff = qblk[0]! - pred;
  const dcat = category(diff);
  const dsym = (dcTable << 8) | dcat;
  st[n] = dsym;
  ex[n++] = (((diff < 0 ? diff - 1 : diff) & ((1 << dcat) - 1)) << 4) | dcat;
  freq[dsym]!++;
  const ac = (dcTable + 1) << 8;
  let run = 0;
  for (let k = 1; k <= last; k++) {
    const v = qblk[k]!;
    if (v === 0) {
      run++;
      continue;
    }
    while (run > 15) {
      st[n] = ac | 0xf0;
      ex[n++] = 0;
      freq[ac | 0xf0]!++;
      run -= 16;
    }
    const cat = category(v);
    const sym = ac | (run << 4) | cat;
    st[n] = sym;
    ex[n++] = (((v < 0 ? v - 1 : v) & ((1 << cat) - 1)) << 4) | cat;
    freq[sym]!++;
    run = 0;
  }
  if (last < 63) {
    st[n] = ac;
    ex[n++] = 0;
    freq[ac]!++;
  }
  count = n;
}

/** Encodes Y/Cb/Cr planes (4:2:0) as a baseline JPEG at `quality` (1–100, libjpeg's scale). */
export function encodeJpeg420(p: Planes, quality: number): Uint8Array {
  const { width: w, height: h } = p;
  const cw = chromaSize(w);
  const ch = chromaSize(h);
  const t = tablesFor(quality);
  const mcusX = Math.ceil(w / 16);
  const mcusY = Math.ceil(h / 16);
  const blocks = mcusX * mcusY * 6;

  // Pass 1: transform and quantize every block (MCU order: Y00 Y01 Y10 Y11 Cb Cr), turn it into
  // symbols and count them (for the optimal tables).
  const freq = new Int32Array(1024);
  count = 0;
  grow(blocks * 8);
  let py = 0;
  let pcb = 0;
  let pcr = 0;
  for (let my = 0; my < mcusY; my++) {
    for (let mx = 0; mx < mcusX; mx++) {
      // Room for the worst case of this MCU: 6 blocks × (DC + 63 AC).
      grow(count + 6 * 64);
      for (let b = 0; b < 4; b++) {
        const x0 = mx * 16 + (b & 1) * 8;
        const y0 = my * 16 + (b >> 1) * 8;
        const last = blockAt(p.y, w, h, x0, y0) < 0 ? fdctQuantize(p.y, y0 * w + x0, w, t.dl) : fdctQuantize(edge, 0, 8, t.dl);
        symbolize(py, 0, freq, last);
        py = qblk[0]!;
      }
      const cx = mx * 8;
      const cy = my * 8;
      symbolize(pcb, 2, freq, blockAt(p.cb, cw, ch, cx, cy) < 0 ? fdctQuantize(p.cb, cy * cw + cx, cw, t.dc) : fdctQuantize(edge, 0, 8, t.dc));
      pcb = qblk[0]!;
      symbolize(pcr, 2, freq, blockAt(p.cr, cw, ch, cx, cy) < 0 ? fdctQuantize(p.cr, cy * cw + cx, cw, t.dc) : fdctQuantize(edge, 0, 8, t.dc));
      pcr = qblk[0]!;
    }
  }
  const dcTabY = optimalTable(freq.subarray(0, 256));
  const acTabY = optimalTable(freq.subarray(256, 512));
  const dcTabC = optimalTable(freq.subarray(512, 768));
  const acTabC = optimalTable(freq.subarray(768, 1024));

  // Headers.
  let cap = 1024 + count * 2;
  let out = new Uint8Array(cap);
  let o = 0;
  const byte = (v: number) => {
    out[o++] = v;
  };
  const word = (v: number) => {
    out[o++] = v >> 8;
    out[o++] = v & 255;
  };
  word(0xffd8);
  word(0xffe0);
  word(16);
  for (const c of [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0]) byte(c); // "JFIF\0", version 1.1, no units
  word(1);
  word(1);
  byte(0);
  byte(0);
  word(0xffdb);
  word(2 + 65 * 2);
  for (const [id, q] of [
    [0, t.luma],
    [1, t.chroma],
  ] as const) {
    byte(id);
    for (let k = 0; k < 64; k++) byte(q[ZIGZAG[k]!]!);
  }
  word(0xffc0);
  word(17);
  byte(8);
  word(h);
  word(w);
  byte(3);
  for (const [id, samp, tq] of [
    [1, 0x22, 0],
    [2, 0x11, 1],
    [3, 0x11, 1],
  ]) {
    byte(id!);
    byte(samp!);
    byte(tq!);
  }
  const tabs: [number, HuffmanSpec][] = [
    [0x00, dcTabY],
    [0x10, acTabY],
    [0x01, dcTabC],
    [0x11, acTabC],
  ];
  word(0xffc4);
  word(2 + tabs.reduce((n, [, tb]) => n + 17 + tb.values.length, 0));
  for (const [cls, tb] of tabs) {
    byte(cls);
    for (let i = 0; i < 16; i++) byte(tb.bits[i]!);
    for (const v of tb.values) byte(v);
  }
  word(0xffda);
  word(12);
  byte(3);
  byte(1);
  byte(0x00);
  byte(2);
  byte(0x11);
  byte(3);
  byte(0x11);
  byte(0);
  byte(63);
  byte(0);

  // Pass 2: write the symbols. Codes of all four tables in one lookup by (table << 8) | symbol.
  const code = new Int32Array(1024);
  const size = new Int32Array(1024);
  [dcTabY, acTabY, dcTabC, acTabC].forEach((tab, i) => {
    const c = codesFor(tab);
    code.set(c.code, i * 256);
    size.set(c.size, i * 256);
  });
  let acc = 0;
  let nacc = 0;
  const put = (bits: number, n: number) => {
    acc = (acc << n) | bits;
    nacc += n;
    while (nacc >= 8) {
      nacc -= 8;
      const v = (acc >> nacc) & 255;
      out[o++] = v;
      if (v === 0xff) out[o++] = 0;
    }
    acc &= (1 << nacc) - 1;
  };
  const st = syms;
  const ex = extras;
  for (let i = 0; i < count; i++) {
    if ((i & 4095) === 0 && o + 4096 * 7 + 16 > cap) {
      // Room for the next 4096 symbols at worst (27 bits each, doubled by byte stuffing).
      cap = Math.max(cap * 2, o + 4096 * 7 + 16);
      const bigger = new Uint8Array(cap);
      bigger.set(out.subarray(0, o));
      out = bigger;
    }
    const sym = st[i]!;
    const e = ex[i]!;
    const nb = e & 15;
    const len = size[sym]!;
    // ≤ 24 bits at a time keeps `acc` within 32 bits.
    if (len + nb <= 24) put((code[sym]! << nb) | (e >> 4), len + nb);
    else {
      put(code[sym]!, len);
      put(e >> 4, nb);
    }
  }
  if (nacc > 0) put((1 << (8 - nacc)) - 1, 8 - nacc); // pad with ones
  if (o + 2 > cap) {
    const bigger = new Uint8Array(o + 2);
    bigger.set(out.subarray(0, o));
    out = bigger;
  }
  word(0xffd9);
  return out.slice(0, o);
}
