/**
 * src/imaging/jpeg/: JPEG only: header checks (header.ts, progressive-checks.ts), this baseline
 * decoder (+ idct.ts) and the tables both JPEG coders share (tables.ts). Nothing here touches
 * photon or knows HTTP; errors are ImagingErrors.
 *
 * A streaming decoder for baseline JPEG (sequential, Huffman-coded, 8-bit; 1 or 3 components in
 * one interleaved scan; any sampling factors; restart markers), which is what phones and cameras
 * write. It exists so that a 12 MP photo can be accepted inside a 128 MB isolate: photon decodes
 * the whole picture to RGBA in WASM memory (151 MB at 12 MP), this decoder never holds more than
 * one row of MCUs.
 *
 * Two ideas keep it small and fast:
 *  - Scaled IDCT (libjpeg's scale_num/scale_denom): each component can be decoded at n/8 of its
 *    size (n = 1 … 8) straight from the DCT coefficients, an 8×8 block becoming n×n samples. At
 *    1/2, 1/4 and 1/8 the reduced transforms are the exact box average of the full-size IDCT (as
 *    libjpeg's jidctred.c); at 3/8, 5/8, 6/8 and 7/8 they are n-point IDCTs of the lowest
 *    frequencies (as libjpeg's jpeg_idct_NxN). So a 3000×4000 photo decodes to 750×1000 with a
 *    fraction of the IDCT work and no full-resolution pixels ever.
 *  - No colour conversion: the planes come out as the file stores them (Y, Cb, Cr, each at its own
 *    resolution), row by row, to a sink (the resampler, resample.ts), which resizes them to the
 *    renditions; the JPEG encoder takes Y/Cb/Cr planes again. Chroma upsampling is folded into that
 *    resize.
 *
 * Memory: one MCU row buffer per component (v·n rows of its plane's width: ~100 KB for a 12 MP
 * photo at full scale, 25 KB at the 1/4 it is decoded at), a block of coefficients and the Huffman
 * tables (~10 KB). Allocation sizes come only from the frame header, whose dimensions the caller
 * has checked against the limits (readBaselineJpeg checks them again against `maxSide`).
 *
 * Hostile input: every loop is bounded by the number of MCUs the frame header declares; entropy
 * data that runs into a marker, an invalid Huffman code, a coefficient past the end of a block or a
 * missing restart marker is an image_unreadable ImagingError. Nothing else is thrown.
 */
import { unreadable, type ImagingError } from "../errors";
import { clamp, idct2, idct4, idct8, idctN, idctTable } from "./idct";
import { ZIGZAG } from "./tables";

export type HuffmanTable = {
  /** 9-bit lookahead: (code length << 8) | symbol, 0 when the code is longer than 9 bits. */
  fast: Int32Array;
  /** AC tables only: 9-bit lookahead that also holds the coefficient (stb_image's fast_ac). */
  fastAc: Int32Array | null;
  /** maxcode[l]: largest code of length l (left-aligned comparison uses 16-bit peeks), -1 if none. */
  maxcode: Int32Array;
  /** valptr[l]: index in `values` of the first symbol of length l, minus the first code of length l. */
  valptr: Int32Array;
  values: Uint8Array;
};

export type JpegComponent = {
  id: number;
  /** Sampling factors. */
  h: number;
  v: number;
  /** Quantization table, natural (row-major) order. */
  quant: Int32Array;
  dc: HuffmanTable;
  ac: HuffmanTable;
};

export type BaselineJpeg = {
  width: number;
  height: number;
  hmax: number;
  vmax: number;
  /** In frame order (the order of the planes given to the sink). */
  components: JpegComponent[];
  /** Indexes into `components`, in the order the scan interleaves them. */
  scanOrder: number[];
  restartInterval: number;
  /** Offset of the entropy-coded data of the (only) scan. */
  dataStart: number;
  /** The Adobe APP14 segment's colour transform (0 none, 1 YCbCr, 2 YCCK), or -1 without one. */
  adobeTransform: number;
};

/** Why a JPEG cannot go through this decoder (it may still be one photon can decode). */
export type NotBaseline = { unsupported: string };

function damaged(what: string): ImagingError {
  return unreadable(`This JPEG file is damaged and cannot be read (${what}). Open it in a photo editor, save it again as JPEG, and upload it again.`, {
    reason: "corrupt",
  });
}

// ---------------------------------------------------------------------------------------------
// Headers

function buildHuffman(counts: Uint8Array, values: Uint8Array, isAc: boolean): HuffmanTable {
  const fast = new Int32Array(512);
  const maxcode = new Int32Array(18).fill(-1);
  const valptr = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    const n = counts[l - 1]!;
    valptr[l] = k - code;
    if (code + n > 1 << l) throw damaged("an invalid Huffman table");
    if (n > 0) {
      for (let i = 0; i < n; i++, k++, code++) {
        if (l <= 9) {
          const first = code << (9 - l);
          const entry = (l << 8) | values[k]!;
          for (let j = 0; j < 1 << (9 - l); j++) fast[first + j] = entry;
        }
      }
      maxcode[l] = code - 1;
    }
    code <<= 1;
  }
  maxcode[17] = 0x7fffffff; // sentinel: the slow path stops at 16 bits
  let fastAc: Int32Array | null = null;
  if (isAc) {
    fastAc = new Int32Array(512);
    for (let i = 0; i < 512; i++) {
      const e = fast[i]!;
      if (e === 0) continue;
      const len = e >> 8;
      const rs = e & 255;
      const run = rs >> 4;
      const size = rs & 15;
      if (size === 0 || len + size > 9) continue;
      let v = ((i << len) & 511) >> (9 - size);
      if (v < 1 << (size - 1)) v += (-1 << size) + 1;
      // value in the high bits, then run (4 bits) and total bits consumed (5 bits)
      fastAc[i] = (v << 9) | (run << 5) | (len + size);
    }
  }
  return { fast, fastAc, maxcode, valptr, values };
}

/**
 * Parses the headers of a JPEG up to its first scan. Returns NotBaseline for files this decoder
 * does not handle (progressive, 12-bit, CMYK, RGB-coded, several scans…) and throws
 * image_unreadable for inconsistent tables. `maxSide` bounds the frame's dimensions (the caller checked them already).
 * 4-component (CMYK or YCCK) JPEGs only with `cmyk`: the caller then converts the four planes.
 */
export function readBaselineJpeg(b: Uint8Array, maxSide: number, o: { cmyk?: boolean } = {}): BaselineJpeg | NotBaseline {
  const len = b.length;
  if (len < 4 || b[0] !== 0xff || b[1] !== 0xd8) throw damaged("no start-of-image marker");
  const quant: (Int32Array | undefined)[] = [];
  const dcTables: (HuffmanTable | undefined)[] = [];
  const acTables: (HuffmanTable | undefined)[] = [];
  let frame: { width: number; height: number; comps: { id: number; h: number; v: number; tq: number }[] } | null = null;
  let restartInterval = 0;
  let adobeTransform = -1;
  let sawJfif = false;
  let pos = 2;
  while (pos < len) {
    if (b[pos] !== 0xff) {
      pos = b.indexOf(0xff, pos);
      if (pos < 0) break;
    }
    while (pos < len && b[pos] === 0xff) pos++;
    if (pos + 2 >= len) break;
    const marker = b[pos]!;
    pos++;
    if (marker === 0xd9) break;
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue;
    const segLen = (b[pos]! << 8) | b[pos + 1]!;
    const start = pos + 2;
    const end = pos + segLen;
    if (segLen < 2 || end > len) throw damaged("a segment that runs past the end of the file");
    if (marker === 0xe0 && segLen >= 7 && b[start] === 0x4a && b[start + 1] === 0x46 && b[start + 2] === 0x49 && b[start + 3] === 0x46 && b[start + 4] === 0) {
      sawJfif = true;
    } else if (
      marker === 0xee &&
      segLen >= 14 &&
      b[start] === 0x41 &&
      b[start + 1] === 0x64 &&
      b[start + 2] === 0x6f &&
      b[start + 3] === 0x62 &&
      b[start + 4] === 0x65
    ) {
      adobeTransform = b[start + 11]!;
    } else if (marker === 0xdb) {
      for (let p = start; p < end; ) {
        const pq = b[p]! >> 4;
        const tq = b[p]! & 15;
        if (pq > 1 || tq > 3 || p + 1 + 64 * (pq + 1) > end) throw damaged("an invalid quantization table");
        const t = new Int32Array(64);
        for (let i = 0; i < 64; i++) t[ZIGZAG[i]!] = pq ? (b[p + 1 + 2 * i]! << 8) | b[p + 2 + 2 * i]! : b[p + 1 + i]!;
        quant[tq] = t;
        p += 1 + 64 * (pq + 1);
      }
    } else if (marker === 0xc4) {
      for (let p = start; p < end; ) {
        if (p + 17 > end) throw damaged("an invalid Huffman table");
        const tc = b[p]! >> 4;
        const th = b[p]! & 15;
        if (tc > 1 || th > 3) throw damaged("an invalid Huffman table");
        const counts = b.subarray(p + 1, p + 17);
        let total = 0;
        for (let i = 0; i < 16; i++) total += counts[i]!;
        if (total > 256 || p + 17 + total > end) throw damaged("an invalid Huffman table");
        const values = b.slice(p + 17, p + 17 + total);
        if (tc === 0) for (const v of values) if (v > 15) throw damaged("an invalid Huffman table");
        (tc === 0 ? dcTables : acTables)[th] = buildHuffman(counts, values, tc === 1);
        p += 17 + total;
      }
    } else if (marker === 0xdd) {
      if (segLen !== 4) throw damaged("an invalid restart interval");
      restartInterval = (b[start]! << 8) | b[start + 1]!;
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (frame) throw damaged("more than one frame header");
      if (marker !== 0xc0 && marker !== 0xc1) return { unsupported: marker === 0xc2 ? "progressive" : "not baseline" };
      if (segLen < 8) throw damaged("a short frame header");
      if (b[start] !== 8) return { unsupported: "not 8-bit" };
      const height = (b[start + 1]! << 8) | b[start + 2]!;
      const width = (b[start + 3]! << 8) | b[start + 4]!;
      const nf = b[start + 5]!;
      if (segLen !== 8 + 3 * nf) throw damaged("a frame header of the wrong length");
      if (nf !== 1 && nf !== 3 && !(nf === 4 && o.cmyk)) return { unsupported: `${nf} components` };
      if (width === 0 || height === 0 || width > maxSide || height > maxSide) throw damaged("impossible dimensions");
      const comps = [];
      for (let i = 0; i < nf; i++) {
        const c = start + 6 + 3 * i;
        const h = b[c + 1]! >> 4;
        const v = b[c + 1]! & 15;
        if (h < 1 || h > 4 || v < 1 || v > 4 || b[c + 2]! > 3) throw damaged("invalid sampling factors");
        comps.push({ id: b[c]!, h, v, tq: b[c + 2]! });
      }
      frame = { width, height, comps };
    } else if (marker === 0xda) {
      if (!frame) throw damaged("image data before the frame header");
      const ns = b[start]!;
      if (ns < 1 || ns > 4 || segLen !== 6 + 2 * ns) throw damaged("an invalid scan header");
      if (ns !== frame.comps.length) return { unsupported: "several scans" };
      // 3 components that are R, G, B rather than Y, Cb, Cr (Adobe transform 0, or named R/G/B without JFIF).
      if (frame.comps.length === 3) {
        const ids = frame.comps.map((c) => c.id).join(",");
        if (adobeTransform === 0 || (!sawJfif && adobeTransform < 0 && ids === "82,71,66")) return { unsupported: "RGB" };
      }
      const scanOrder: number[] = [];
      const components: JpegComponent[] = frame.comps.map((c) => ({ id: c.id, h: c.h, v: c.v, quant: new Int32Array(0), dc: null!, ac: null! }));
      for (let i = 0; i < ns; i++) {
        const id = b[start + 1 + 2 * i]!;
        const sel = b[start + 2 + 2 * i]!;
        const ci = frame.comps.findIndex((c) => c.id === id);
        if (ci < 0 || scanOrder.includes(ci)) throw damaged("a scan of an unknown colour component");
        const dc = dcTables[sel >> 4];
        const ac = acTables[sel & 15];
        const q = quant[frame.comps[ci]!.tq];
        // No Huffman tables at all (Motion-JPEG frames): photon supplies the standard ones.
        if (dcTables.length === 0 && acTables.length === 0) return { unsupported: "no Huffman tables" };
        if (!dc || !ac) throw damaged("a scan that uses a missing Huffman table");
        if (!q) throw damaged("a missing quantization table");
        const comp = components[ci]!;
        comp.dc = dc;
        comp.ac = ac;
        comp.quant = q;
        scanOrder.push(ci);
      }
      const sel = start + 1 + 2 * ns;
      if (b[sel] !== 0 || b[sel + 1] !== 63 || b[sel + 2] !== 0) throw damaged("an invalid scan header");
      let hmax = 1;
      let vmax = 1;
      let blocksPerMcu = 0;
      for (const c of components) {
        hmax = Math.max(hmax, c.h);
        vmax = Math.max(vmax, c.v);
        blocksPerMcu += c.h * c.v;
      }
      if (ns > 1 && blocksPerMcu > 10) throw damaged("invalid sampling factors");
      return { width: frame.width, height: frame.height, hmax, vmax, components, scanOrder, restartInterval, dataStart: end, adobeTransform };
    }
    pos = end;
  }
  throw damaged(frame ? "no image data" : "no frame header");
}

/**
 * Size of component c's plane when decoded at scale n/8 (n = 1 … 8): libjpeg's downsampled and
 * scaled size. (A single-component scan ignores sampling factors: hmax = h, vmax = v.)
 */
export function planeSize(j: BaselineJpeg, c: number, n: number): { width: number; height: number } {
  const comp = j.components[c]!;
  return {
    width: Math.ceil((j.width * comp.h * n) / (j.hmax * 8)),
    height: Math.ceil((j.height * comp.v * n) / (j.vmax * 8)),
  };
}

// ---------------------------------------------------------------------------------------------
// Entropy decoding

/**
 * The bit reader over the entropy-coded data: `bits` valid bits, left-aligned in the 32-bit `buf`.
 * At a marker (or the end of the file) it feeds zero bits and counts them in `fake`: consuming any
 * means the data ended early.
 */
class BitReader {
  buf = 0;
  bits = 0;
  atMarker = false;
  fake = 0;
  constructor(
    readonly b: Uint8Array,
    public pos: number,
  ) {}

  /** Tops the buffer up to at least 25 bits. */
  fill() {
    const b = this.b;
    const len = b.length;
    let { buf, bits, pos } = this;
    while (bits <= 24) {
      let byte = 0;
      if (!this.atMarker && pos < len) {
        byte = b[pos]!;
        if (byte === 0xff) {
          const next = pos + 1 < len ? b[pos + 1]! : 0xd9;
          if (next === 0) pos += 2;
          else {
            this.atMarker = true;
            byte = 0;
            this.fake += 8;
          }
        } else pos++;
      } else this.fake += 8;
      buf |= byte << (24 - bits);
      bits += 8;
    }
    this.buf = buf;
    this.bits = bits;
    this.pos = pos;
  }

  /** Codes longer than 9 bits (the lookahead table missed); bits ≥ 16. */
  slowSymbol(t: HuffmanTable): number {
    const code16 = this.buf >>> 16;
    let l = 10;
    while (code16 >>> (16 - l) > t.maxcode[l]!) l++;
    if (l > 16) throw damaged("an invalid Huffman code");
    const sym = t.values[t.valptr[l]! + (code16 >>> (16 - l))];
    if (sym === undefined) throw damaged("an invalid Huffman code");
    this.buf <<= l;
    this.bits -= l;
    return sym;
  }

  /** At a restart interval's end: checks the data did not run out, then skips the RSTn marker. */
  restart() {
    if (this.fake > this.bits) throw damaged("its picture data ends early");
    const b = this.b;
    const len = b.length;
    this.buf = 0;
    this.bits = 0;
    this.fake = 0;
    this.atMarker = false;
    // Skip to the marker (libjpeg tolerates stray bytes here too), then past it.
    let pos = this.pos;
    while (pos + 1 < len && !(b[pos] === 0xff && b[pos + 1] !== 0 && b[pos + 1] !== 0xff)) pos++;
    if (pos + 1 >= len) throw damaged("a missing restart marker");
    const m = b[pos + 1]!;
    if (m < 0xd0 || m > 0xd7) throw damaged("a missing restart marker");
    this.pos = pos + 2;
  }
}

/** Natural-order positions of the AC coefficients stored in the block being decoded (to clear them after). */
const written = new Int32Array(64);
let writtenCount = 0;

/**
 * Decodes one block into `blk` (natural order; only the DC when dcOnly), blk[0] being the DC
 * (pred + difference). Returns whether any AC coefficient was stored (their positions are in
 * `written`). The bit buffer lives in locals here (V8 keeps them in registers) and goes back to
 * the reader around refills.
 */
function decodeBlock(r: BitReader, dc: HuffmanTable, ac: HuffmanTable, blk: Int32Array, pred: number, dcOnly: boolean): boolean {
  let buf = r.buf;
  let bits = r.bits;
  if (bits < 16) {
    r.fill();
    buf = r.buf;
    bits = r.bits;
  }
  // DC: a category, then that many bits.
  let sym: number;
  let e = dc.fast[buf >>> 23]!;
  if (e !== 0) {
    buf <<= e >> 8;
    bits -= e >> 8;
    sym = e & 255;
  } else {
    r.buf = buf;
    r.bits = bits;
    sym = r.slowSymbol(dc);
    buf = r.buf;
    bits = r.bits;
  }
  let diff = 0;
  if (sym !== 0) {
    if (bits < sym) {
      r.buf = buf;
      r.bits = bits;
      r.fill();
      buf = r.buf;
      bits = r.bits;
    }
    diff = buf >>> (32 - sym);
    buf <<= sym;
    bits -= sym;
    if (diff < 1 << (sym - 1)) diff += (-1 << sym) + 1;
  }
  blk[0] = (pred + diff) | 0;

  const fastAc = ac.fastAc!;
  let nw = 0;
  let k = 1;
  while (k < 64) {
    if (bits < 16) {
      r.buf = buf;
      r.bits = bits;
      r.fill();
      buf = r.buf;
      bits = r.bits;
    }
    const f = fastAc[buf >>> 23]!;
    if (f !== 0) {
      // Symbol and coefficient in one lookup.
      k += (f >> 5) & 15;
      if (k > 63) throw damaged("a coefficient past the end of a block");
      const n = f & 31;
      buf <<= n;
      bits -= n;
      if (!dcOnly) {
        const z = ZIGZAG[k]!;
        blk[z] = f >> 9;
        written[nw++] = z;
      }
      k++;
      continue;
    }
    e = ac.fast[buf >>> 23]!;
    let rs: number;
    if (e !== 0) {
      buf <<= e >> 8;
      bits -= e >> 8;
      rs = e & 255;
    } else {
      r.buf = buf;
      r.bits = bits;
      rs = r.slowSymbol(ac);
      buf = r.buf;
      bits = r.bits;
    }
    const s = rs & 15;
    if (s === 0) {
      if (rs !== 0xf0) break; // end of block
      k += 16;
      continue;
    }
    k += rs >> 4;
    if (k > 63) throw damaged("a coefficient past the end of a block");
    if (bits < s) {
      r.buf = buf;
      r.bits = bits;
      r.fill();
      buf = r.buf;
      bits = r.bits;
    }
    let v = buf >>> (32 - s);
    buf <<= s;
    bits -= s;
    if (v < 1 << (s - 1)) v += (-1 << s) + 1;
    if (!dcOnly) {
      const z = ZIGZAG[k]!;
      blk[z] = v;
      written[nw++] = z;
    }
    k++;
  }
  r.buf = buf;
  r.bits = bits;
  writtenCount = nw;
  return nw > 0;
}

/**
 * Receives component rows at the scale asked for: `row[offset … offset + plane width)` is row `y` of
 * component `c`'s plane, valid only during the call. Rows of each component come in order, and the
 * components of one MCU row together (so the sink may keep one resampler per plane).
 */
export type PlaneSink = (c: number, row: Uint8Array, offset: number, y: number) => void;

/**
 * Decodes the scan, component c at scale scales[c]/8 (1 … 8: every block becomes n×n samples),
 * giving every plane row to `sink`. Throws only image_unreadable ImagingErrors.
 */
export function decodeBaselineJpeg(b: Uint8Array, j: BaselineJpeg, scales: readonly number[], sink: PlaneSink): void {
  const comps = j.components;
  const nc = comps.length;
  const interleaved = j.scanOrder.length > 1;
  // MCU grid. A single-component scan is not interleaved: its MCU is one block, sampling ignored.
  const mcuW = interleaved ? 8 * j.hmax : (8 * j.hmax) / comps[0]!.h;
  const mcuH = interleaved ? 8 * j.vmax : (8 * j.vmax) / comps[0]!.v;
  const mcusX = Math.ceil(j.width / mcuW);
  const mcusY = Math.ceil(j.height / mcuH);

  const bs: number[] = [];
  const tables: Float32Array[] = [];
  const rowBufs: Uint8Array[] = [];
  const strides: number[] = [];
  const planeH: number[] = [];
  const bh: number[] = [];
  const bv: number[] = [];
  for (let c = 0; c < nc; c++) {
    const s = scales[c] ?? 8;
    if (!Number.isInteger(s) || s < 1 || s > 8) throw new RangeError(`bad scale ${s}/8`);
    bs.push(s);
    tables.push(idctTable(comps[c]!.quant, s));
    bh.push(interleaved ? comps[c]!.h : 1);
    bv.push(interleaved ? comps[c]!.v : 1);
    planeH.push(planeSize(j, c, s).height);
    strides.push(mcusX * bh[c]! * s);
    rowBufs.push(new Uint8Array(mcusX * bh[c]! * s * bv[c]! * s));
  }

  const blk = new Int32Array(64);
  const pred = new Int32Array(nc);
  const r = new BitReader(b, j.dataStart);
  const ri = j.restartInterval;
  let untilRestart = ri;
  const order = j.scanOrder;
  for (let my = 0; my < mcusY; my++) {
    for (let mx = 0; mx < mcusX; mx++) {
      if (ri > 0) {
        if (untilRestart === 0) {
          r.restart();
          pred.fill(0);
          untilRestart = ri;
        }
        untilRestart--;
      }
      for (let oi = 0; oi < order.length; oi++) {
        const c = order[oi]!;
        const comp = comps[c]!;
        const s = bs[c]!;
        const h = bh[c]!;
        const v = bv[c]!;
        const q = tables[c]!;
        const out = rowBufs[c]!;
        const stride = strides[c]!;
        for (let by = 0; by < v; by++) {
          for (let bx = 0; bx < h; bx++) {
            const off = by * s * stride + (mx * h + bx) * s;
            const hasAc = decodeBlock(r, comp.dc, comp.ac, blk, pred[c]!, s === 1);
            pred[c] = blk[0]!;
            if (!hasAc) {
              // Flat block: the DC alone (the most common case in photos, and every block at 1/8).
              const val = clamp(blk[0]! * q[0]! + 128);
              for (let y = 0, o = off; y < s; y++, o += stride) for (let x = 0; x < s; x++) out[o + x] = val;
            } else {
              if (s === 8) idct8(blk, q, out, off, stride);
              else if (s === 4) idct4(blk, q, out, off, stride);
              else if (s === 2) idct2(blk, q, out, off, stride);
              else idctN(blk, q, s, out, off, stride);
              for (let i = 0; i < writtenCount; i++) blk[written[i]!] = 0;
            }
          }
        }
      }
    }
    // Data that ran out (into a marker or the end) is an error now, not after decoding the rest as zeros.
    if (r.fake > r.bits) throw damaged("its picture data ends early");
    for (let c = 0; c < nc; c++) {
      const rows = bv[c]! * bs[c]!;
      const y0 = my * rows;
      const stride = strides[c]!;
      const buf2 = rowBufs[c]!;
      for (let k = 0; k < rows && y0 + k < planeH[c]!; k++) sink(c, buf2, k * stride, y0 + k);
    }
  }
  if (r.fake > r.bits) throw damaged("its picture data ends early");
}
