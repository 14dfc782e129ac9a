/**
 * The image pipeline: the only module that touches photon.
 *
 *   inspectImage(bytes)     sniff + header + EXIF orientation + structure + limits (no decoding)
 *   processPortrait(bytes)  inspectImage, then decode once and produce the three renditions as
 *                           JPEG, with no metadata at all.
 *
 * Memory is the constraint that shapes this file (a Worker isolate has 128 MB for everything).
 *
 *  - Standard (baseline) JPEGs, which is what phones and cameras write, never reach photon: the
 *    streaming decoder in jpeg-decoder.ts decodes them at reduced scale in the DCT domain (a 12 MP
 *    photo at 1/4: 750×1000), one MCU row at a time, straight into the resampler below. Neither
 *    the full-resolution picture nor even the reduced one exists in memory: only the output planes
 *    (≤ 800×1000 luma + two 400×500 chroma planes, 1.2 MB) and a few rows of buffers; a call
 *    allocates ~2–3 MB of JS ArrayBuffers whatever the photo's size (bench/memory.mjs).
 *  - PNGs that are not interlaced are inflated by zlib (node:zlib, native in workerd) into the JS
 *    heap (≤ 16 MB: PNG_RAW_LIMIT) and unfiltered and converted row by row: no photon either.
 *  - Everything else (WebP, progressive or CMYK JPEG, interlaced PNG) is decoded whole by photon
 *    into WASM memory, which never shrinks once grown: the pixel count is bounded before decoding
 *    (IMAGE_LIMITS.whole, from measurements) and the decoded pixels are read in place (a view of
 *    WASM memory, no copy) by the same resampler.
 *  - The pipeline works on Y/Cb/Cr planes with chroma at half resolution (4:2:0) from the decoder
 *    to the encoder: a JPEG is never converted to RGB, chroma upsampling is part of the resize, and
 *    the resampler writes the full rendition already turned to its EXIF orientation. Card and thumb
 *    are cropped and resampled from the full rendition; jpeg-encoder.ts writes all three.
 *
 * Speed (bench/imaging.mjs, against sharp on one core): the DCT-domain scale leaves the resampler
 * a reduction by less than 2 (often none), larger reductions average boxes first, the resampler's
 * inner loops are unrolled for the usual tap counts, and nothing is done per pixel that can be done
 * per row or per picture.
 */
import { inflateSync } from "node:zlib";
import { PhotonImage, initPhoton } from "@cf-wasm/photon";
import { ApiError } from "../http/errors";
import {
  DECODE_COST,
  decodeMemoryEstimate,
  IMAGE_LIMITS,
  type ImageHeader,
  type ImageInfo,
  type ImageType,
  inspectImage,
  readImageHeader,
  verifyPngImageData,
} from "./image-header";
import { cmykToPlanes, COLOUR_WASM_BUDGET, colourManage } from "./colour";
import { readEmbeddedProfile } from "./icc";
import { decodeBaselineJpeg, planeSize, readBaselineJpeg } from "./jpeg-decoder";
import { chromaSize, encodeJpeg420, type Planes } from "./jpeg-encoder";

export { DECODE_COST, IMAGE_LIMITS, inspectImage, type ImageInfo, type ImageType };
export { COLOUR_WASM_BUDGET, colourWasmBytes } from "./colour";

/**
 * What all the WebAssembly memory of an isolate may reach: photon's and LittleCMS's together,
 * since one isolate can hold both and neither ever shrinks.
 *   photon: ~1.3 MB at start + its worst decode at the limits (IMAGE_LIMITS.whole: 3 MP, the
 *     file, ≤ 6 MB, copied in too) = 50.6 MB measured (a progressive JPEG in workerd,
 *     test/imaging.test.ts "memory"; 49.5–50.2 MB for progressive JPEG and interlaced PNG in
 *     bench/memory.mjs). Estimate: 6 MB + 3 MP × DECODE_COST.standard ≈ 6 + 44 MB.
 *   LittleCMS: at most COLOUR_WASM_BUDGET = 20 MB (16.0–16.3 MB measured), only in isolates that
 *     have seen a photo with a non-sRGB profile.
 *   50.6 + 20 = 70.6 MB ≤ 72 MB. (At the former limits, 4 MP and 8 MB, photon alone reached
 *   67.2 MB, and 83.2 MB with LittleCMS; at 3 MP with 8 MB files, 52.6 MB: 0.6 MB over with
 *   LittleCMS's cap, hence the 6 MB byte limit.)
 * Standard JPEGs (of any accepted size) and non-interlaced PNGs add nothing to it. The JS heap
 * holds at worst the upload (20 MB) and ~3 MB of buffers (JPEG), or the upload (8 MB) and its
 * inflated image data (≤ 16 MB, PNG): with the app, this leaves 20+ MB of the 128 MB isolate even
 * with both WASM memories grown to their limits.
 */
export const WASM_MEMORY_BUDGET = 72 * 1024 * 1024;

/**
 * photon's WASM memory before any work (measured: 1.3 MB). A decoder panic frees nothing it had
 * allocated, so each one leaks up to that decode's memory for the life of the isolate. Past this
 * hard limit (leaks + the next decode) the isolate refuses photos that photon would decode with a
 * retryable 503 rather than risk the 128 MB limit; other isolates carry on. Files are checked
 * before decoding so that panics are rare (only entropy-coded data damaged in ways the header
 * cannot show).
 */
const WASM_BASE = 1.5 * 1024 * 1024;
// photon's share of the budget (what LittleCMS may not take) plus 16 MB of leaks: with LittleCMS
// at its cap, an isolate's WASM memory stays under 88 MB even after panics.
const WASM_HARD_LIMIT = WASM_MEMORY_BUDGET - COLOUR_WASM_BUDGET + 16 * 1024 * 1024;
let leakedByPanics = 0;
let photonMemory: WebAssembly.Memory | undefined;
void initPhoton.ensure().then((out) => {
  photonMemory = out.memory;
});

export type PhotoSize = "thumb" | "card" | "full";
export const PHOTO_SIZES: readonly PhotoSize[] = ["thumb", "card", "full"];

/** Target boxes: thumb and card are exact (cropped), full is fitted inside and never upscaled. */
export const RENDITIONS: Readonly<Record<PhotoSize, { width: number; height: number }>> = {
  thumb: { width: 128, height: 128 },
  card: { width: 320, height: 400 },
  full: { width: 800, height: 1000 },
};

export const JPEG_QUALITY = 84;

/** Where a portrait crop starts: this fraction of the vertical excess is cut above (headroom). */
const TOP_CROP_FRACTION = 0.15;

export type ProcessedPhoto = { info: ImageInfo; renditions: Record<PhotoSize, Uint8Array> };

/**
 * Validates, decodes once, and renders thumb/card/full as JPEG. Throws the ApiErrors of
 * inspectImage, and 422 image_unreadable when the decoder fails on a file that looked sound.
 */
export function processPortrait(bytes: Uint8Array): ProcessedPhoto {
  const header = readImageHeader(bytes);
  if (header.decoder === "photon" && header.type === "png") verifyPngImageData(bytes);
  const info: ImageInfo = { type: header.type, width: header.width, height: header.height, orientation: header.orientation };

  const size = fitInside(header.width, header.height, RENDITIONS.full.width, RENDITIONS.full.height);
  const full = newPlanes(size.width, size.height);
  let profileApplied = false;
  if (header.decoder === "baseline-jpeg") decodeBaseline(bytes, header, full);
  else if (header.decoder === "png") decodePng(bytes, header, full);
  else if (decodeProfiledCmyk(bytes, header, full)) profileApplied = true;
  else decodeWithPhoton(bytes, header, full);
  if (!profileApplied) colourManage(bytes, header.type, full);

  const card = cropAndResize(full, RENDITIONS.card.width, RENDITIONS.card.height, LANCZOS3);
  const thumb = cropAndResize(full, RENDITIONS.thumb.width, RENDITIONS.thumb.height, LANCZOS3);
  return {
    info,
    renditions: { thumb: encodeJpeg420(thumb, JPEG_QUALITY), card: encodeJpeg420(card, JPEG_QUALITY), full: encodeJpeg420(full, JPEG_QUALITY) },
  };
}

/** For tests: pretend decoder panics have leaked this many bytes (0 resets). */
export function setLeakedBytesForTests(bytes: number) {
  leakedByPanics = bytes;
}

/** Bytes of the photon WASM instance's linear memory (it only ever grows); for logs and tests. */
export async function wasmMemoryBytes(): Promise<number> {
  const out = await initPhoton.ensure();
  return out.memory.buffer.byteLength;
}

function unreadable(message: string, details?: unknown): ApiError {
  return new ApiError(422, "image_unreadable", message, details);
}

function newPlanes(width: number, height: number): Planes {
  const cw = chromaSize(width);
  const ch = chromaSize(height);
  return { width, height, y: new Uint8Array(width * height), cb: new Uint8Array(cw * ch), cr: new Uint8Array(cw * ch) };
}

// ---------------------------------------------------------------------------------------------
// Baseline JPEG: streaming, reduced-scale decode in JS

/**
 * The DCT-domain scale n/8 (n = 1 … 8) for a plane of spanX × spanY samples whose target is tw×th:
 * the smallest whose decoded plane is still at least the target in both dimensions, so the
 * resampler after it only ever shrinks, and by less than 8/7 … 2.
 */
export function dctScale(spanX: number, spanY: number, tw: number, th: number): number {
  for (let n = 1; n < 8; n++) if ((spanX * n) / 8 >= tw && (spanY * n) / 8 >= th) return n;
  return 8;
}

function decodeBaseline(bytes: Uint8Array, header: ImageHeader, full: Planes) {
  const jpeg = readBaselineJpeg(bytes, IMAGE_LIMITS.maxSide);
  if ("unsupported" in jpeg) throw unreadable(`This JPEG could not be decoded (${jpeg.unsupported}). Save it again as a standard JPEG and upload it again.`);
  if (jpeg.width !== header.storedWidth || jpeg.height !== header.storedHeight) throw unreadable("This JPEG file is damaged (inconsistent headers). Save it again as JPEG and upload it again.");
  const o = header.orientation;
  // Targets in stored orientation.
  const swap = o >= 5;
  const sw = swap ? full.height : full.width;
  const sh = swap ? full.width : full.height;
  const csw = chromaSize(sw);
  const csh = chromaSize(sh);
  const { width: W, height: H } = jpeg;
  const interleaved = jpeg.scanOrder.length > 1;
  const scales: number[] = [];
  const sinks: PlaneResampler[] = [];
  jpeg.components.forEach((comp, c) => {
    const fx = interleaved ? comp.h / jpeg.hmax : 1;
    const fy = interleaved ? comp.v / jpeg.vmax : 1;
    const luma = c === 0;
    // Y goes to the luma plane at sw×sh; Cb/Cr to the chroma planes, which cover 2·csw × 2·csh target pixels.
    const tw = luma ? sw : csw;
    const th = luma ? sh : csh;
    const spanX = luma ? W * fx : (W * fx * 2 * csw) / sw;
    const spanY = luma ? H * fy : (H * fy * 2 * csh) / sh;
    const n = dctScale(spanX, spanY, tw, th);
    scales.push(n);
    const plane = planeSize(jpeg, c, n);
    const target = c === 0 ? full.y : c === 1 ? full.cb : full.cr;
    const win = { x: 0, y: 0, width: (spanX * n) / 8, height: (spanY * n) / 8 };
    sinks.push(new PlaneResampler(plane.width, plane.height, win, tw, th, target, orientation(o, tw, th), luma ? CUBIC : CHROMA));
  });
  if (jpeg.components.length === 1) {
    full.cb.fill(128);
    full.cr.fill(128);
  }
  decodeBaselineJpeg(bytes, jpeg, scales, (c, row, offset) => sinks[c]!.push(row, offset));
}

/**
 * A baseline CMYK or YCCK JPEG with an embedded profile: its four planes decoded here, each resized
 * to the full rendition as the Y plane of decodeBaseline is, then converted through the profile
 * (colour.ts), because the profile needs the inks, which photon's RGB has already lost. False for
 * anything else (photon decodes it). The limits stay photon's (checked by the header).
 */
function decodeProfiledCmyk(bytes: Uint8Array, header: ImageHeader, full: Planes): boolean {
  if (header.type !== "jpeg") return false;
  const embedded = readEmbeddedProfile(bytes, "jpeg");
  if (!embedded || !("bytes" in embedded)) return false;
  const jpeg = readBaselineJpeg(bytes, IMAGE_LIMITS.maxSide, { cmyk: true });
  if ("unsupported" in jpeg || jpeg.components.length !== 4) return false;
  if (jpeg.width !== header.storedWidth || jpeg.height !== header.storedHeight) throw unreadable("This JPEG file is damaged (inconsistent headers). Save it again as JPEG and upload it again.");
  const o = header.orientation;
  const sw = o >= 5 ? full.height : full.width;
  const sh = o >= 5 ? full.width : full.height;
  const interleaved = jpeg.scanOrder.length > 1;
  const planes = jpeg.components.map(() => new Uint8Array(full.width * full.height));
  const scales: number[] = [];
  const sinks: PlaneResampler[] = [];
  jpeg.components.forEach((comp, c) => {
    const spanX = jpeg.width * (interleaved ? comp.h / jpeg.hmax : 1);
    const spanY = jpeg.height * (interleaved ? comp.v / jpeg.vmax : 1);
    const n = dctScale(spanX, spanY, sw, sh);
    scales.push(n);
    const plane = planeSize(jpeg, c, n);
    sinks.push(new PlaneResampler(plane.width, plane.height, { x: 0, y: 0, width: (spanX * n) / 8, height: (spanY * n) / 8 }, sw, sh, planes[c]!, orientation(o, sw, sh)));
  });
  decodeBaselineJpeg(bytes, jpeg, scales, (c, row, offset) => sinks[c]!.push(row, offset));
  cmykToPlanes(planes, jpeg.adobeTransform, embedded.bytes, full);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Everything else: photon decodes the whole picture

const TYPE_NAMES: Record<ImageType, string> = { jpeg: "JPEG", png: "PNG", webp: "WebP" };

function decodeWithPhoton(bytes: Uint8Array, header: ImageHeader, full: Planes) {
  const decoded = photonDecode(bytes, header);
  try {
    const w = decoded.get_width();
    const h = decoded.get_height();
    if (w !== header.storedWidth || h !== header.storedHeight) {
      throw unreadable(`This image's header says ${header.storedWidth}×${header.storedHeight} pixels but its picture is ${w}×${h}; the file is damaged. Save it again as JPEG or PNG and upload it again.`);
    }
    // A view of the decoded pixels inside WASM memory (no copy). No photon call may happen while
    // it is in use: a memory growth would detach it.
    const pixels = decoded.get_image_data().data;
    if (pixels.length !== w * h * 4) throw unreadable("This image could not be decoded (unexpected pixel data). Save it again as JPEG or PNG and upload it again.");
    const rows = new RowPlanes(w, h, header.hasAlpha, header.orientation, full);
    for (let y = 0; y < h; y++) rows.push(pixels, y * w * 4, 4);
  } finally {
    decoded.free();
  }
}

function photonDecode(bytes: Uint8Array, header: ImageHeader): PhotonImage {
  const need = decodeMemoryEstimate(header, bytes.length);
  if (leakedByPanics > 0 && WASM_BASE + leakedByPanics + need > WASM_HARD_LIMIT) {
    console.error(JSON.stringify({ at: "imaging.refused_after_panics", leaked_bound: leakedByPanics, need, wasm_bytes: photonMemory?.buffer.byteLength }));
    throw new ApiError(503, "image_service_busy", "Photos cannot be processed on this server right now. Try again in a minute.", undefined, { "Retry-After": "60" });
  }
  try {
    return PhotonImage.new_from_byteslice(bytes);
  } catch (err) {
    // photon panics (RuntimeError: unreachable) on anything its decoder rejects, leaking what it
    // had allocated: at most this decode's need, and never more than the memory beyond the base.
    const size = photonMemory?.buffer.byteLength ?? Infinity;
    leakedByPanics = Math.max(0, Math.min(leakedByPanics + need, size - WASM_BASE));
    console.warn(JSON.stringify({ at: "imaging.decode_failed", type: header.type, bytes: bytes.length, error: String(err), leaked_bound: leakedByPanics, wasm_bytes: size }));
    throw unreadable(`This ${TYPE_NAMES[header.type]} file is damaged and could not be decoded. Open it in a photo editor, save it again as JPEG or PNG, and upload it again.`, {
      reason: "decode_failed",
    });
  }
}

/**
 * Takes RGB or RGBA rows (stored orientation) one at a time and feeds `full`'s three resamplers:
 * Y (JFIF) per pixel, Cb/Cr from 2×2 averages (as a 4:2:0 JPEG stores them, and a quarter of the
 * work). Transparent pixels are composited onto white first (compositing before the filter equals
 * compositing after it on premultiplied colour: both are linear).
 */
class RowPlanes {
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
        const R0 = px[p]!, G0 = px[p + 1]!, B0 = px[p + 2]!;
        const R1 = px[p + channels]!, G1 = px[p + channels + 1]!, B1 = px[p + channels + 2]!;
        yRow[x] = 0.299 * R0 + 0.587 * G0 + 0.114 * B0 + 0.5;
        yRow[x + 1] = 0.299 * R1 + 0.587 * G1 + 0.114 * B1 + 0.5;
        sums[c]! += R0 + R1;
        sums[c + 1]! += G0 + G1;
        sums[c + 2]! += B0 + B1;
      }
      if (x < w) {
        const p = off + x * channels;
        const R = px[p]!, G = px[p + 1]!, B = px[p + 2]!;
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

// ---------------------------------------------------------------------------------------------
// PNG (not interlaced): inflated by zlib (native), unfiltered and converted row by row in JS

function pngDamaged(what: string): ApiError {
  return unreadable(`This PNG file is damaged and cannot be read (${what}). Open it in a photo editor, save it again as PNG or JPEG, and upload it again.`, { reason: "corrupt" });
}

const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Decodes a PNG readImageHeader accepted (its chunks, CRCs and IHDR are sound; not interlaced)
 * into `full`. Memory: the inflated image data, at most width × height × 8 bytes + a byte a row
 * (bounded by IMAGE_LIMITS.png; inflation stops there, so a "zip bomb" cannot grow it), and one
 * RGBA row. No WASM.
 */
function decodePng(b: Uint8Array, header: ImageHeader, full: Planes) {
  let w = 0, h = 0, depth = 8, colorType = 2;
  let palette: Uint8Array | null = null;
  let trns: Uint8Array | null = null;
  const idats: Uint8Array[] = [];
  for (let pos = 8; pos + 12 <= b.length; ) {
    const size = ((b[pos]! << 24) | (b[pos + 1]! << 16) | (b[pos + 2]! << 8) | b[pos + 3]!) >>> 0;
    const type = String.fromCharCode(b[pos + 4]!, b[pos + 5]!, b[pos + 6]!, b[pos + 7]!);
    const data = b.subarray(pos + 8, pos + 8 + size);
    if (type === "IHDR") {
      w = ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0;
      h = ((data[4]! << 24) | (data[5]! << 16) | (data[6]! << 8) | data[7]!) >>> 0;
      depth = data[8]!;
      colorType = data[9]!;
    } else if (type === "PLTE") palette = data;
    else if (type === "tRNS") trns = data;
    else if (type === "IDAT") idats.push(data);
    else if (type === "IEND") break;
    pos += 12 + size;
  }
  if (w !== header.storedWidth || h !== header.storedHeight) throw pngDamaged("inconsistent headers");
  const channels = PNG_CHANNELS[colorType] ?? 4;
  const stride = Math.ceil((w * channels * depth) / 8);
  const expected = h * (stride + 1);
  let raw: Uint8Array;
  try {
    const z = idats.length === 1 ? idats[0]! : concatBytes(idats);
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

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Undoes PNG filter `type` on the row at r[at … at+len), in place; `prev` is the previous (unfiltered) row's offset or -1. */
function unfilter(r: Uint8Array, at: number, prev: number, len: number, bpp: number, type: number) {
  switch (type) {
    case 0:
      return;
    case 1:
      if (bpp === 3) {
        // The running sums in locals: no reloading of what was just written.
        let a = 0, b = 0, c = 0;
        for (let i = at, end = at + len - 2; i < end; i += 3) {
          a = (a + r[i]!) & 255;
          b = (b + r[i + 1]!) & 255;
          c = (c + r[i + 2]!) & 255;
          r[i] = a;
          r[i + 1] = b;
          r[i + 2] = c;
        }
      } else if (bpp === 4) {
        let a = 0, b = 0, c = 0, d = 0;
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
function expandPngRow(r: Uint8Array, at: number, w: number, depth: number, colorType: number, palette: Uint8Array | null, trns: Uint8Array | null, out: Uint8Array) {
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
    let R: number, G: number, B: number, A = 255;
    switch (colorType) {
      case 0: {
        const v = sample(x);
        R = G = B = to8(v);
        if (v === trnsValue(0)) A = 0;
        break;
      }
      case 2: {
        const rv = sample(3 * x), gv = sample(3 * x + 1), bv = sample(3 * x + 2);
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

// ---------------------------------------------------------------------------------------------
// Geometry

/** The largest size with the aspect ratio of w×h that fits inside maxW×maxH, never larger than w×h. */
export function fitInside(w: number, h: number, maxW: number, maxH: number): { width: number; height: number } {
  const scale = Math.min(1, maxW / w, maxH / h);
  if (scale === 1) return { width: w, height: h };
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

/**
 * The window of a w×h picture to crop for a tw×th target: too wide → centered horizontally;
 * too tall → the upper part, with TOP_CROP_FRACTION of the excess left above (the face).
 */
export function cropWindow(w: number, h: number, tw: number, th: number): { x: number; y: number; width: number; height: number } {
  const target = tw / th;
  if (w / h > target) {
    const cw = Math.max(1, Math.min(w, Math.round(h * target)));
    return { x: Math.floor((w - cw) / 2), y: 0, width: cw, height: h };
  }
  const ch = Math.max(1, Math.min(h, Math.round(w / target)));
  return { x: 0, y: Math.round((h - ch) * TOP_CROP_FRACTION), width: w, height: ch };
}

/**
 * Crops `src` (display orientation) to the tw×th window and resamples it: a new Planes. Luma
 * with `kernel`, chroma (half resolution, less visible) with CHROMA.
 */
function cropAndResize(src: Planes, tw: number, th: number, kernel: Kernel): Planes {
  const out = newPlanes(tw, th);
  const win = cropWindow(src.width, src.height, tw, th);
  const cw = chromaSize(src.width);
  const ch = chromaSize(src.height);
  const ctw = chromaSize(tw);
  const cth = chromaSize(th);
  // Chroma sample i covers luma [2i, 2i+2): the chroma window is the luma one halved, widened to the
  // 2·ctw × 2·cth luma pixels the chroma target covers.
  const cwin = { x: win.x / 2, y: win.y / 2, width: (win.width * ctw) / tw, height: (win.height * cth) / th };
  resamplePlane(src.y, src.width, src.height, win, tw, th, out.y, kernel);
  resamplePlane(src.cb, cw, ch, cwin, ctw, cth, out.cb, CHROMA);
  resamplePlane(src.cr, cw, ch, cwin, ctw, cth, out.cr, CHROMA);
  return out;
}

function resamplePlane(src: Uint8Array, w: number, h: number, win: Window, tw: number, th: number, out: Uint8Array, kernel: Kernel) {
  const r = new PlaneResampler(w, h, win, tw, th, out, orientation(1, tw, th), kernel);
  for (let y = 0; y < h && !r.done(); y++) r.push(src, y * w);
}

/**
 * Where the resampler writes stored pixel (x, y) of a sw×sh target so that the output shows it in
 * EXIF orientation o (1..8): at base + x·col + y·row of the displayed picture.
 * 2 mirror, 3 rotate 180°, 4 flip, 5 transpose, 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise.
 */
export function orientation(o: number, sw: number, sh: number): Layout {
  switch (o) {
    case 2: return { base: sw - 1, col: -1, row: sw };
    case 3: return { base: (sh - 1) * sw + sw - 1, col: -1, row: -sw };
    case 4: return { base: (sh - 1) * sw, col: 1, row: -sw };
    case 5: return { base: 0, col: sh, row: 1 };
    case 6: return { base: sh - 1, col: sh, row: -1 };
    case 7: return { base: (sw - 1) * sh + sh - 1, col: -sh, row: -1 };
    case 8: return { base: (sw - 1) * sh, col: -sh, row: 1 };
    default: return { base: 0, col: 1, row: sw };
  }
}

// ---------------------------------------------------------------------------------------------
// Resampling: separable, support widened by the scale when shrinking (so every source pixel
// is averaged: no aliasing), streamed row by row. Reductions by 2 or more first average k×k
// boxes (as libvips' shrink before its reduce; see boxFactor).
//
// Kernels: Catmull-Rom (bicubic, B=0 C=0.5; support 2) for the full rendition's luma, sharp enough
// there (after a DCT-domain reduction it only ever shrinks by less than 2) and a third cheaper than
// Lanczos3; Lanczos3 (support 3) for the luma of card and thumb, small pictures where its extra
// sharpness shows (it is also sharp's default: bench/imaging.mjs keeps every rendition within SSIM
// 0.99 of sharp's); a triangle for chroma (half resolution, barely visible; as libjpeg's smoothing
// downsampler).

type Window = { x: number; y: number; width: number; height: number };
type Layout = { base: number; col: number; row: number };
type Kernel = { support: number; f: (x: number) => number };

const CUBIC: Kernel = {
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
const CHROMA = TRIANGLE;

const LANCZOS3: Kernel = {
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
class PlaneResampler {
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
        out[o + x] = src[p]! * w[k]! + src[p + 1]! * w[k + 1]! + src[p + 2]! * w[k + 2]! + src[p + 3]! * w[k + 3]! + src[p + 4]! * w[k + 4]! + src[p + 5]! * w[k + 5]!;
      }
      return;
    case 7:
      for (let x = 0, k = 0; x < tw; x++, k += 7) {
        const p = off + start[x]!;
        out[o + x] =
          src[p]! * w[k]! + src[p + 1]! * w[k + 1]! + src[p + 2]! * w[k + 2]! + src[p + 3]! * w[k + 3]! + src[p + 4]! * w[k + 4]! + src[p + 5]! * w[k + 5]! + src[p + 6]! * w[k + 6]!;
      }
      return;
    case 8:
      for (let x = 0, k = 0; x < tw; x++, k += 8) {
        const p = off + start[x]!;
        out[o + x] =
          src[p]! * w[k]! + src[p + 1]! * w[k + 1]! + src[p + 2]! * w[k + 2]! + src[p + 3]! * w[k + 3]! +
          src[p + 4]! * w[k + 4]! + src[p + 5]! * w[k + 5]! + src[p + 6]! * w[k + 6]! + src[p + 7]! * w[k + 7]!;
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
function vertical(ring: Float32Array, rows: Int32Array, w: Float64Array, wi: number, n: number, tw: number, acc: Float64Array, out: Uint8Array, q: number, col: number) {
  const r0 = rows[0]!, r1 = rows[1]!, r2 = rows[2]!, r3 = rows[3]!, r4 = rows[4]!, r5 = rows[5]!, r6 = rows[6]!, r7 = rows[7]!;
  // (weights arrays have 8 spare entries at the end, so these reads stay in bounds)
  const w0 = w[wi]!, w1 = w[wi + 1]!, w2 = w[wi + 2]!, w3 = w[wi + 3]!, w4 = w[wi + 4]!, w5 = w[wi + 5]!, w6 = w[wi + 6]!, w7 = w[wi + 7]!;
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
      for (let x = 0; x < tw; x++, q += col) out[q] = clampByte(ring[r0 + x]! * w0 + ring[r1 + x]! * w1 + ring[r2 + x]! * w2 + ring[r3 + x]! * w3 + ring[r4 + x]! * w4);
      return;
    case 6:
      for (let x = 0; x < tw; x++, q += col)
        out[q] = clampByte(ring[r0 + x]! * w0 + ring[r1 + x]! * w1 + ring[r2 + x]! * w2 + ring[r3 + x]! * w3 + ring[r4 + x]! * w4 + ring[r5 + x]! * w5);
      return;
    case 7:
      for (let x = 0; x < tw; x++, q += col)
        out[q] = clampByte(ring[r0 + x]! * w0 + ring[r1 + x]! * w1 + ring[r2 + x]! * w2 + ring[r3 + x]! * w3 + ring[r4 + x]! * w4 + ring[r5 + x]! * w5 + ring[r6 + x]! * w6);
      return;
    case 8:
      for (let x = 0; x < tw; x++, q += col)
        out[q] = clampByte(
          ring[r0 + x]! * w0 + ring[r1 + x]! * w1 + ring[r2 + x]! * w2 + ring[r3 + x]! * w3 + ring[r4 + x]! * w4 + ring[r5 + x]! * w5 + ring[r6 + x]! * w6 + ring[r7 + x]! * w7,
        );
      return;
  }
  for (let x = 0; x < tw; x++) acc[x] = ring[r0 + x]! * w0 + ring[r1 + x]! * w1 + ring[r2 + x]! * w2 + ring[r3 + x]! * w3;
  let k = 4;
  for (; k + 4 <= n; k += 4) {
    const a = rows[k]!, b = rows[k + 1]!, c = rows[k + 2]!, d = rows[k + 3]!;
    const wa = w[wi + k]!, wb = w[wi + k + 1]!, wc = w[wi + k + 2]!, wd = w[wi + k + 3]!;
    for (let x = 0; x < tw; x++) acc[x]! += ring[a + x]! * wa + ring[b + x]! * wb + ring[c + x]! * wc + ring[d + x]! * wd;
  }
  for (; k < n; k++) {
    const a = rows[k]!;
    const wa = w[wi + k]!;
    for (let x = 0; x < tw; x++) acc[x]! += ring[a + x]! * wa;
  }
  for (let x = 0; x < tw; x++, q += col) out[q] = clampByte(acc[x]!);
}
