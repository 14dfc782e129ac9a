/**
 * src/imaging/png/: PNG only: header.ts (the one chunk walk, the limits) and this decoder. Nothing
 * here touches photon or knows HTTP; errors are ImagingErrors.
 *
 * PNG image data, from the chunks png/header.ts found (never walked again here):
 *  - decodePng: a non-interlaced PNG inflated by zlib (node:zlib, native in workerd) into the JS
 *    heap, unfiltered and converted row by row into the pipeline's planes. No WASM.
 *  - verifyPngImageData: an interlaced PNG's data checked as a stream before photon decodes it.
 * Two inflaters on purpose: node:zlib is native and 2.5–4× faster than fflate (5.4 MB of image
 * data: 11 ms against 31 ms), but it only inflates whole buffers synchronously; the check before
 * photon must not hold the inflated data (up to 22.5 MB for a 16-bit interlaced PNG at its limit)
 * beside photon's peak, so it streams through fflate's Unzlib and keeps nothing.
 */
import { inflateSync } from "node:zlib";
import { Unzlib } from "fflate";
import { concatBytes } from "../bytes";
import { corrupt, type ImagingError, unreadable } from "../errors";
import type { ImageHeader, PngLayout } from "../image-info";
import type { Planes } from "../planes";
import { RowPlanes } from "../ycbcr";
import { PNG_CHANNELS } from "./header";

function pngLayout(header: ImageHeader): PngLayout {
  // Every PNG header carries its layout (png/header.ts); its absence is a programming error.
  if (!header.png) throw new Error("a PNG header without its chunk layout");
  return header.png;
}

const ADAM7: [number, number, number, number][] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/**
 * Inflates a PNG's image data as a stream (keeping none of it) and checks that it holds every row
 * with a valid filter type. The PNG decoder inside photon panics on bad compressed data, and a
 * panic leaks the WASM memory it had allocated for good; this check costs a fraction of a decode.
 * Call after readImageHeader accepted the file, for the (interlaced) PNGs photon decodes.
 */
export function verifyPngImageData(header: ImageHeader): void {
  const { storedWidth: w, storedHeight: h } = header;
  const { depth, colorType, interlaced, idats } = pngLayout(header);
  const bitsPerPixel = (PNG_CHANNELS[colorType] ?? 4) * depth;
  const passes: { rows: number; stride: number }[] = [];
  for (const [x0, y0, dx, dy] of interlaced ? ADAM7 : [[0, 0, 1, 1] as const]) {
    const cols = w > x0 ? Math.ceil((w - x0) / dx) : 0;
    const rows = h > y0 ? Math.ceil((h - y0) / dy) : 0;
    if (cols > 0 && rows > 0) passes.push({ rows, stride: 1 + Math.ceil((cols * bitsPerPixel) / 8) });
  }
  let pass = 0,
    row = 0,
    off = 0,
    badFilter = false;
  const inflater = new Unzlib((chunk) => {
    let i = 0;
    while (i < chunk.length && pass < passes.length) {
      const p = passes[pass]!;
      if (off === 0 && chunk[i]! > 4) badFilter = true;
      const take = Math.min(p.stride - off, chunk.length - i);
      i += take;
      off += take;
      if (off === p.stride) {
        off = 0;
        if (++row === p.rows) {
          pass++;
          row = 0;
        }
      }
    }
  });
  try {
    idats.forEach((d, i) => inflater.push(d, i === idats.length - 1));
  } catch {
    throw corrupt("PNG", "its compressed image data is invalid or incomplete");
  }
  if (badFilter) throw corrupt("PNG", "invalid row filters in its image data");
  if (pass < passes.length) throw corrupt("PNG", "its image data is incomplete");
}

// ---------------------------------------------------------------------------------------------
// PNG (not interlaced): inflated by zlib (native), unfiltered and converted row by row in JS

function pngDamaged(what: string): ImagingError {
  return unreadable(`This PNG file is damaged and cannot be read (${what}). Open it in a photo editor, save it again as PNG or JPEG, and upload it again.`, {
    reason: "corrupt",
  });
}

/**
 * Decodes a PNG readImageHeader accepted (its chunks, CRCs and IHDR are sound; not interlaced)
 * into `full`. Memory: the inflated image data, at most width × height × 8 bytes + a byte a row
 * (bounded by IMAGE_LIMITS.png; inflation stops there, so a "zip bomb" cannot grow it), and one
 * RGBA row. No WASM.
 */
export function decodePng(header: ImageHeader, full: Planes) {
  const { storedWidth: w, storedHeight: h } = header;
  const { depth, colorType, palette, trns, idats } = pngLayout(header);
  const channels = PNG_CHANNELS[colorType] ?? 4;
  const stride = Math.ceil((w * channels * depth) / 8);
  const expected = h * (stride + 1);
  let raw: Uint8Array;
  try {
    const z = concatBytes(idats);
    // Some writers leave a little extra data after the last row (libpng tolerates it): allow some slack.
    const out = inflateSync(z, { maxOutputLength: expected + 65536 });
    raw = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch {
    throw pngDamaged("its compressed image data is invalid or incomplete");
  }
  if (raw.length < expected) throw pngDamaged("its image data is incomplete");

  const bpp = Math.max(1, (channels * depth) >> 3); // bytes per complete pixel, for the filters
  const fast = depth === 8 && (colorType === 2 || colorType === 6);
  const rgba = fast ? null : new Uint8Array(w * 4);
  const rows = new RowPlanes(w, h, header.hasAlpha, header.orientation, full);
  for (let y = 0; y < h; y++) {
    const at = y * (stride + 1);
    unfilter(raw, at + 1, y > 0 ? at - stride : -1, stride, bpp, raw[at]!);
    if (fast) rows.push(raw, at + 1, colorType === 6 ? 4 : 3);
    else {
      expandPngRow(raw, at + 1, w, depth, colorType, palette, trns, rgba!);
      rows.push(rgba!, 0, 4);
    }
  }
}

/** Undoes PNG filter `type` on the row at r[at … at+len), in place; `prev` is the previous (unfiltered) row's offset or -1. */
function unfilter(r: Uint8Array, at: number, prev: number, len: number, bpp: number, type: number) {
  switch (type) {
    case 0:
      return;
    case 1:
      if (bpp === 3) {
        // The running sums in locals: no reloading of what was just written.
        let a = 0,
          b = 0,
          c = 0;
        for (let i = at, end = at + len - 2; i < end; i += 3) {
          a = (a + r[i]!) & 255;
          b = (b + r[i + 1]!) & 255;
          c = (c + r[i + 2]!) & 255;
          r[i] = a;
          r[i + 1] = b;
          r[i + 2] = c;
        }
      } else if (bpp === 4) {
        let a = 0,
          b = 0,
          c = 0,
          d = 0;
        for (let i = at, end = at + len - 3; i < end; i += 4) {
          a = (a + r[i]!) & 255;
          b = (b + r[i + 1]!) & 255;
          c = (c + r[i + 2]!) & 255;
          d = (d + r[i + 3]!) & 255;
          r[i] = a;
          r[i + 1] = b;
          r[i + 2] = c;
          r[i + 3] = d;
        }
      } else for (let i = bpp; i < len; i++) r[at + i] = r[at + i]! + r[at + i - bpp]!;
      return;
    case 2:
      if (prev >= 0) for (let i = 0; i < len; i++) r[at + i] = r[at + i]! + r[prev + i]!;
      return;
    case 3:
      for (let i = 0; i < len; i++) {
        const left = i >= bpp ? r[at + i - bpp]! : 0;
        const up = prev >= 0 ? r[prev + i]! : 0;
        r[at + i] = r[at + i]! + ((left + up) >> 1);
      }
      return;
    case 4:
      for (let i = 0; i < len; i++) {
        const a = i >= bpp ? r[at + i - bpp]! : 0;
        const b = prev >= 0 ? r[prev + i]! : 0;
        const c = i >= bpp && prev >= 0 ? r[prev + i - bpp]! : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        r[at + i] = r[at + i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
      return;
    default:
      throw pngDamaged("an invalid row filter in its image data");
  }
}

/**
 * One unfiltered PNG row of any colour type and depth as RGBA 8-bit (16-bit samples keep their
 * high byte; low depths are scaled to 0…255; tRNS gives the alpha of a grey/RGB value or of
 * palette entries).
 */
function expandPngRow(
  r: Uint8Array,
  at: number,
  w: number,
  depth: number,
  colorType: number,
  palette: Uint8Array | null,
  trns: Uint8Array | null,
  out: Uint8Array,
) {
  const sample = (i: number): number => {
    // The i-th sample of the row, at the file's depth.
    if (depth === 8) return r[at + i]!;
    if (depth === 16) return (r[at + 2 * i]! << 8) | r[at + 2 * i + 1]!;
    const perByte = 8 / depth;
    const byte = r[at + Math.floor(i / perByte)]!;
    const shift = 8 - depth * ((i % perByte) + 1);
    return (byte >> shift) & ((1 << depth) - 1);
  };
  const to8 = depth === 16 ? (v: number) => v >> 8 : depth === 8 ? (v: number) => v : (v: number) => Math.round((v * 255) / ((1 << depth) - 1));
  const trnsValue = (k: number) => (trns && trns.length >= 2 * (k + 1) ? (trns[2 * k]! << 8) | trns[2 * k + 1]! : -1);
  for (let x = 0, o = 0; x < w; x++, o += 4) {
    let R: number,
      G: number,
      B: number,
      A = 255;
    switch (colorType) {
      case 0: {
        const v = sample(x);
        R = G = B = to8(v);
        if (v === trnsValue(0)) A = 0;
        break;
      }
      case 2: {
        const rv = sample(3 * x),
          gv = sample(3 * x + 1),
          bv = sample(3 * x + 2);
        R = to8(rv);
        G = to8(gv);
        B = to8(bv);
        if (rv === trnsValue(0) && gv === trnsValue(1) && bv === trnsValue(2)) A = 0;
        break;
      }
      case 3: {
        const k = sample(x);
        if (palette && 3 * k + 2 < palette.length) {
          R = palette[3 * k]!;
          G = palette[3 * k + 1]!;
          B = palette[3 * k + 2]!;
        } else R = G = B = 0; // an index past the palette (libpng: black)
        if (trns && k < trns.length) A = trns[k]!;
        break;
      }
      case 4:
        R = G = B = to8(sample(2 * x));
        A = to8(sample(2 * x + 1));
        break;
      default:
        R = to8(sample(4 * x));
        G = to8(sample(4 * x + 1));
        B = to8(sample(4 * x + 2));
        A = to8(sample(4 * x + 3));
    }
    out[o] = R;
    out[o + 1] = G;
    out[o + 2] = B;
    out[o + 3] = A;
  }
}
