/**
 * The image pipeline: the only module that touches photon.
 *
 *   inspectImage(bytes)     sniff + header + EXIF orientation + structure + limits (no photon)
 *   processPortrait(bytes)  inspectImage, then decode once with photon and produce the three
 *                           renditions as JPEG, with no metadata at all.
 *
 * Memory is the constraint that shapes this file. photon decodes the whole picture to RGBA and
 * the isolate's WASM memory never shrinks once grown, so:
 *  - the pixel count is bounded before decoding (IMAGE_LIMITS, from measurements);
 *  - after decoding, photon is not asked to resize: its resize keeps a second copy of the picture
 *    plus a float buffer of (source width × target height × 16 bytes), more than the decode
 *    itself. Instead the decoded pixels are read in place (a view of WASM memory, no copy) by a
 *    streaming separable Catmull-Rom resampler in JS whose buffers are a few hundred KB;
 *  - EXIF orientation and the white background of transparent pictures are applied to the small
 *    (≤ 800×1000) result; card and thumb are cropped and resampled from it;
 *  - photon only encodes those small pictures to JPEG (it writes no metadata).
 */
import { PhotonImage, initPhoton } from "@cf-wasm/photon";
import { ApiError } from "../lib/errors";
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

export { DECODE_COST, IMAGE_LIMITS, inspectImage, type ImageInfo, type ImageType };

/**
 * What photon's WASM memory may reach: ~1.5 MB at start + the worst decode at the limits
 * (maxBytes copied in + maxPixels × DECODE_COST.standard ≈ 8 + 59 MB) + slack. With the JS heap
 * (the upload itself, ~7 MB of small rasters, the app) this leaves 30+ MB of the 128 MB isolate.
 */
export const WASM_MEMORY_BUDGET = 72 * 1024 * 1024;

/**
 * photon's WASM memory before any work (measured: 1.3 MB). A decoder panic frees nothing it had
 * allocated, so each one leaks up to that decode's memory for the life of the isolate. Past this
 * hard limit (leaks + the next decode) the isolate refuses photos with a retryable 503 rather than
 * risk the 128 MB limit; other isolates carry on. Files are checked before decoding so that
 * panics are rare (only entropy-coded data damaged in ways the header cannot show).
 */
const WASM_BASE = 1.5 * 1024 * 1024;
const WASM_HARD_LIMIT = 88 * 1024 * 1024;
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

type Raster = { width: number; height: number; data: Uint8Array };

/**
 * Validates, decodes once, and renders thumb/card/full as JPEG. Throws the ApiErrors of
 * inspectImage, and 422 image_unreadable when the decoder fails on a file that looked sound.
 */
export function processPortrait(bytes: Uint8Array): ProcessedPhoto {
  const header = readImageHeader(bytes);
  if (header.type === "png") verifyPngImageData(bytes);
  const info: ImageInfo = { type: header.type, width: header.width, height: header.height, orientation: header.orientation };

  const fullSize = fitInside(header.width, header.height, RENDITIONS.full.width, RENDITIONS.full.height);
  // The resampler works in stored orientation; orientation is applied to the small result.
  const swap = header.orientation >= 5;
  const storedTarget = swap ? { width: fullSize.height, height: fullSize.width } : fullSize;

  let stored: Raster;
  const decoded = decode(bytes, header);
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
    stored = resample({ width: w, height: h, data: pixels }, { x: 0, y: 0, width: w, height: h }, storedTarget.width, storedTarget.height, header.hasAlpha);
  } finally {
    decoded.free();
  }

  const full = orient(stored, header.orientation);
  const card = cropAndResize(full, RENDITIONS.card.width, RENDITIONS.card.height);
  const thumb = cropAndResize(full, RENDITIONS.thumb.width, RENDITIONS.thumb.height);
  return {
    info,
    renditions: { thumb: encodeJpeg(thumb), card: encodeJpeg(card), full: encodeJpeg(full) },
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

// ---------------------------------------------------------------------------------------------
// photon calls

function unreadable(message: string, details?: unknown): ApiError {
  return new ApiError(422, "image_unreadable", message, details);
}

const TYPE_NAMES: Record<ImageType, string> = { jpeg: "JPEG", png: "PNG", webp: "WebP" };

function decode(bytes: Uint8Array, header: ImageHeader): PhotonImage {
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
    leakedByPanics = Math.min(leakedByPanics + need, size - WASM_BASE);
    console.warn(JSON.stringify({ at: "imaging.decode_failed", type: header.type, bytes: bytes.length, error: String(err), leaked_bound: leakedByPanics, wasm_bytes: size }));
    throw unreadable(`This ${TYPE_NAMES[header.type]} file is damaged and could not be decoded. Open it in a photo editor, save it again as JPEG or PNG, and upload it again.`, {
      reason: "decode_failed",
    });
  }
}

function encodeJpeg(r: Raster): Uint8Array {
  let img: PhotonImage | undefined;
  try {
    img = new PhotonImage(r.data, r.width, r.height);
    return img.get_bytes_jpeg(JPEG_QUALITY);
  } catch (err) {
    console.error(JSON.stringify({ at: "imaging.encode", width: r.width, height: r.height, error: String(err) }));
    throw new ApiError(500, "image_processing_failed", "The photo could not be processed because of an error on our side. Try again; if it keeps happening, contact support.");
  } finally {
    img?.free();
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

function cropAndResize(r: Raster, tw: number, th: number): Raster {
  return resample(r, cropWindow(r.width, r.height, tw, th), tw, th, false);
}

/**
 * The picture as displayed for EXIF orientation o (1..8): out(x, y) = stored(map(x, y)).
 * 2 mirror, 3 rotate 180°, 4 flip, 5 transpose, 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise.
 */
export function orient(s: Raster, o: number): Raster {
  if (o < 2 || o > 8) return s;
  const sw = s.width;
  const sh = s.height;
  const swap = o >= 5;
  const W = swap ? sh : sw;
  const H = swap ? sw : sh;
  const src = new Uint32Array(s.data.buffer, s.data.byteOffset, sw * sh);
  const out = new Uint32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let sx: number, sy: number;
      switch (o) {
        case 2: sx = sw - 1 - x; sy = y; break;
        case 3: sx = sw - 1 - x; sy = sh - 1 - y; break;
        case 4: sx = x; sy = sh - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = sh - 1 - x; break;
        case 7: sx = sw - 1 - y; sy = sh - 1 - x; break;
        default: sx = sw - 1 - y; sy = x; break; // 8
      }
      out[y * W + x] = src[sy * sw + sx]!;
    }
  }
  return { width: W, height: H, data: new Uint8Array(out.buffer) };
}

// ---------------------------------------------------------------------------------------------
// Resampling: separable Catmull-Rom (bicubic, B=0 C=0.5), support widened by the scale when
// shrinking (so it averages every source pixel: no aliasing), streamed row by row.

function catmullRom(x: number): number {
  x = Math.abs(x);
  if (x < 1) return (1.5 * x - 2.5) * x * x + 1;
  if (x < 2) return ((-0.5 * x + 2.5) * x - 4) * x + 2;
  return 0;
}

type Taps = { taps: number; start: Int32Array; weights: Float32Array };

/** For each of dstLen outputs, the source indices (clamped to [0, srcLen)) and normalized weights over the window [offset, offset + span). */
function taps(srcLen: number, offset: number, span: number, dstLen: number): Taps {
  const scale = span / dstLen;
  const filterScale = Math.max(1, scale);
  const support = 2 * filterScale;
  // Every output reads exactly n consecutive sources, all inside [0, srcLen): no bounds checks later.
  const n = Math.min(srcLen, Math.ceil(support) * 2 + 1);
  const start = new Int32Array(dstLen);
  const weights = new Float32Array(dstLen * n);
  for (let i = 0; i < dstLen; i++) {
    const center = offset + (i + 0.5) * scale;
    const left = Math.max(0, Math.floor(center - support));
    const right = Math.min(srcLen, Math.ceil(center + support));
    const first = Math.min(left, srcLen - n);
    start[i] = first;
    let sum = 0;
    for (let j = left; j < right && j < first + n; j++) {
      const w = catmullRom((j + 0.5 - center) / filterScale);
      weights[i * n + (j - first)] = w;
      sum += w;
    }
    if (sum !== 0) for (let k = 0; k < n; k++) weights[i * n + k]! /= sum;
    else weights[i * n + Math.min(Math.max(0, Math.floor(center) - first), n - 1)] = 1;
  }
  return { taps: n, start, weights };
}

/**
 * Resamples the window `win` of `src` (RGBA) to tw×th. With `alpha`, pixels are premultiplied
 * while filtering and the result is composited onto white; the output is opaque RGBA.
 */
export function resample(
  src: { width: number; height: number; data: Uint8Array | Uint8ClampedArray },
  win: { x: number; y: number; width: number; height: number },
  tw: number,
  th: number,
  alpha: boolean,
): Raster {
  if (!alpha && win.x === 0 && win.y === 0 && win.width === src.width && win.height === src.height && tw === src.width && th === src.height) {
    // Same size: a copy with alpha forced opaque (cheaper than an identity filter).
    const out = new Uint8Array(src.data);
    for (let i = 3; i < out.length; i += 4) out[i] = 255;
    return { width: tw, height: th, data: out };
  }
  const sw = src.width;
  const sd = src.data;
  const tx = taps(sw, win.x, win.width, tw);
  const ty = taps(src.height, win.y, win.height, th);
  const C = alpha ? 4 : 3;
  const rowLen = tw * C;
  // Ring of horizontally filtered source rows: ty.taps rows are enough for one output row.
  const ring = new Float32Array(ty.taps * rowLen);
  const ringRow = new Int32Array(ty.taps).fill(-1);
  const out = new Uint8Array(tw * th * 4);
  const nx = tx.taps;
  const xs = tx.start;
  const xw = tx.weights;

  // Horizontal pass of source row sy into ring slot `slot` (two versions: the branch is hoisted).
  const filterRow = alpha
    ? (sy: number, slot: number) => {
        const base = sy * sw * 4;
        let o = slot * rowLen;
        for (let x = 0; x < tw; x++) {
          let r = 0, g = 0, b = 0, a = 0;
          let p = base + xs[x]! * 4;
          for (let k = x * nx, kEnd = k + nx; k < kEnd; k++, p += 4) {
            const al = sd[p + 3]! * xw[k]!;
            r += sd[p]! * al;
            g += sd[p + 1]! * al;
            b += sd[p + 2]! * al;
            a += al;
          }
          ring[o++] = r / 255;
          ring[o++] = g / 255;
          ring[o++] = b / 255;
          ring[o++] = a;
        }
      }
    : (sy: number, slot: number) => {
        const base = sy * sw * 4;
        let o = slot * rowLen;
        for (let x = 0; x < tw; x++) {
          let r = 0, g = 0, b = 0;
          let p = base + xs[x]! * 4;
          for (let k = x * nx, kEnd = k + nx; k < kEnd; k++, p += 4) {
            const w = xw[k]!;
            r += sd[p]! * w;
            g += sd[p + 1]! * w;
            b += sd[p + 2]! * w;
          }
          ring[o++] = r;
          ring[o++] = g;
          ring[o++] = b;
        }
      };

  const ny = ty.taps;
  const acc = new Float32Array(rowLen);
  for (let y = 0; y < th; y++) {
    acc.fill(0);
    const y0 = ty.start[y]!;
    for (let k = 0; k < ny; k++) {
      const w = ty.weights[y * ny + k]!;
      if (w === 0) continue;
      const sy = y0 + k;
      const slot = sy % ny;
      if (ringRow[slot] !== sy) {
        filterRow(sy, slot);
        ringRow[slot] = sy;
      }
      const o = slot * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i]! += ring[o + i]! * w;
    }
    let q = y * tw * 4;
    for (let i = 0; i < rowLen; i += C) {
      let r = acc[i]!, g = acc[i + 1]!, b = acc[i + 2]!;
      if (alpha) {
        // Premultiplied over white: c + 255 × (1 − a).
        const bg = 255 - acc[i + 3]!;
        r += bg;
        g += bg;
        b += bg;
      }
      out[q++] = r <= 0 ? 0 : r >= 255 ? 255 : Math.round(r);
      out[q++] = g <= 0 ? 0 : g >= 255 ? 255 : Math.round(g);
      out[q++] = b <= 0 ? 0 : b >= 255 ? 255 : Math.round(b);
      out[q++] = 255;
    }
  }
  return { width: tw, height: th, data: out };
}
