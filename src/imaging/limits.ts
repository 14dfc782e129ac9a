/**
 * What the API accepts, and the checks that refuse the rest with image_too_large before anything
 * is decoded (pure: the header parsers call them as soon as a header gives a size).
 */
import { ImagingError, unreadable } from "./errors";
import { formatBytes, formatMegapixels, sizeAndLimit } from "./format";
import { KIND_NAMES, type ImageType } from "./sniff";

/**
 * Limits (README "Image limits"; measured in test/imaging.test.ts "memory" and bench/memory.mjs).
 *
 * Standard (baseline) JPEGs, what phones and cameras write, are decoded in JS at reduced scale, one
 * row of blocks at a time: memory does not depend on their size (a few MB of JS heap, no WASM), so
 * their limits only bound the work.
 * - maxBytes: any upload (it is also the request body limit). The upload sits in the JS heap while
 *   it is processed; 20 MB holds any phone photo (3–8 MB at 12 MP, 15 MB at 48 MP).
 * - maxPixels, maxSide: baseline JPEGs (decode time grows with the file: ~0.1 s per 12 MP).
 *
 * `whole`: WebP, progressive or CMYK JPEG and interlaced PNG are decoded whole by photon, to RGBA
 * through several intermediate buffers, and an isolate's WASM memory never shrinks once grown, so
 * the pixel count is what must be bounded, before decoding; files that need more memory per pixel
 * (16-bit PNG, progressive CMYK JPEG) get a proportionally lower pixel limit (`pixelLimit`); the
 * file is copied into WASM memory too, hence the lower byte limit. 3 MP because photon's worst
 * decode must leave room for LittleCMS inside WASM_MEMORY_BUDGET (photon.ts has the arithmetic).
 *
 * `png`: other (non-interlaced) PNGs are inflated into the JS heap, no WASM, so the WASM budget
 * does not bound them: 4 MP, and at most PNG_RAW_LIMIT of image data (which lowers the pixel
 * limit of 16-bit ones).
 */
export const IMAGE_LIMITS = {
  maxBytes: 20 * 1024 * 1024,
  maxPixels: 50_000_000,
  maxSide: 12_000,
  whole: { maxBytes: 6 * 1024 * 1024, maxPixels: 3_000_000, maxSide: 6000 },
  png: { maxBytes: 8 * 1024 * 1024, maxPixels: 4_000_000, maxSide: 6000 },
} as const;

/**
 * Peak WASM bytes per pixel while photon decodes, rounded up from what was measured at 5 and 12 MP:
 * baseline JPEG 11.6 (4:2:0) to 13.1 (4:4:4), progressive JPEG 14.6 to 15.1, CMYK JPEG 12.6,
 * 8-bit PNG 11.5 to 13.7, WebP 12.1 (lossless) to 14.5 (lossy), 16-bit PNG 14.5 to 16.2,
 * progressive CMYK JPEG 19.1.
 */
export const DECODE_COST = { standard: 15.5, png16: 16.5, progressiveCmyk: 19.5 } as const;

/** The pixel limit for a file photon decodes whole, whose decode needs `bytesPerPixel` (see DECODE_COST). */
export function pixelLimit(bytesPerPixel: number): number {
  return Math.floor((IMAGE_LIMITS.whole.maxPixels * DECODE_COST.standard) / Math.max(bytesPerPixel, DECODE_COST.standard) / 1000) * 1000;
}

/** Upper bound of photon's WASM memory (beyond its ~1.5 MB at start) to decode this file. */
export function decodeMemoryEstimate(h: { storedWidth: number; storedHeight: number; decodeBytesPerPixel: number }, fileBytes: number): number {
  return Math.ceil(h.storedWidth * h.storedHeight * h.decodeBytesPerPixel + fileBytes);
}

const SMALLER = "Save it at a smaller size (1000×1250 pixels is plenty) and upload it again.";

/** What a picture photon decodes whole is called in a limit message, and what to do about it. */
type WholeKind = { what: string; advice: string };
const AS_JPEG = "Save it as a JPEG, or at a smaller size (1000×1250 pixels is plenty), and upload it again.";
const AS_STANDARD_JPEG = "Save it as a standard JPEG (not progressive), or at a smaller size (1000×1250 pixels is plenty), and upload it again.";
export const WHOLE_KINDS = {
  png: { what: "PNG images", advice: AS_JPEG },
  png16: { what: "a 16-bit PNG", advice: AS_JPEG },
  // Interlaced PNGs go to photon, whose limits are lower than those of the PNGs decoded in JS.
  pngInterlaced: { what: "interlaced PNGs", advice: AS_JPEG },
  png16Interlaced: { what: "an interlaced 16-bit PNG", advice: AS_JPEG },
  webp: { what: "WebP images", advice: AS_JPEG },
  progressive: { what: "progressive JPEGs", advice: AS_STANDARD_JPEG },
  progressiveCmyk: {
    what: "a progressive CMYK JPEG",
    advice: "Save it as a standard RGB JPEG, or at a smaller size (1000×1250 pixels is plenty), and upload it again.",
  },
  cmyk: { what: "CMYK JPEGs", advice: "Save it as a standard RGB JPEG, or at a smaller size (1000×1250 pixels is plenty), and upload it again." },
  otherJpeg: { what: "JPEGs stored like this one (not a standard baseline JPEG)", advice: AS_STANDARD_JPEG },
} satisfies Record<string, WholeKind>;

export function wholeJpegKind(progressive: boolean, components: number): WholeKind {
  if (progressive) return components === 4 ? WHOLE_KINDS.progressiveCmyk : WHOLE_KINDS.progressive;
  return components === 4 ? WHOLE_KINDS.cmyk : WHOLE_KINDS.otherJpeg;
}

export function checkNotEmpty(type: ImageType, w: number, h: number) {
  if (w <= 0 || h <= 0)
    throw unreadable(`This ${KIND_NAMES[type]} file says its picture is ${w}×${h} pixels, which is empty. Upload another photo.`, {
      reason: "zero_dimensions",
    });
}

function tooManyPixels(w: number, h: number, maxPixels: number, maxSide: number, forWhat: string, advice: string): ImagingError {
  const pixels = w * h;
  const [size, limit] = sizeAndLimit(pixels, maxPixels, formatMegapixels, "pixels");
  const what = pixels > maxPixels ? `the limit${forWhat} is ${limit}` : `the limit${forWhat} is ${maxSide} pixels on the longest side`;
  return new ImagingError("image_too_large", `This photo is ${w}×${h} pixels (${size}); ${what}. ${advice}`, {
    width: w,
    height: h,
    pixels,
    max_pixels: maxPixels,
    max_side: maxSide,
  });
}

/** Throws image_too_large when a baseline JPEG's dimensions are past IMAGE_LIMITS. */
export function checkBaselineDimensions(w: number, h: number) {
  checkNotEmpty("jpeg", w, h);
  if (w * h > IMAGE_LIMITS.maxPixels || Math.max(w, h) > IMAGE_LIMITS.maxSide)
    throw tooManyPixels(w, h, IMAGE_LIMITS.maxPixels, IMAGE_LIMITS.maxSide, "", SMALLER);
}

/**
 * Throws image_too_large when a picture decoded whole is past its limits (IMAGE_LIMITS.whole for photon, its
 * pixel limit lowered for costlier decodes; IMAGE_LIMITS.png for PNGs decoded in JS) in pixels,
 * side or bytes; called once the header gave them.
 */
export function checkWhole(
  type: ImageType,
  w: number,
  h: number,
  fileBytes: number,
  bytesPerPixel: number,
  kind: WholeKind,
  maxPixels = pixelLimit(bytesPerPixel),
  limits: { maxSide: number; maxBytes: number } = IMAGE_LIMITS.whole,
) {
  checkNotEmpty(type, w, h);
  const { maxSide, maxBytes } = limits;
  if (w * h > maxPixels || Math.max(w, h) > maxSide) throw tooManyPixels(w, h, maxPixels, maxSide, ` for ${kind.what}`, kind.advice);
  if (fileBytes > maxBytes) {
    const [size, limit] = sizeAndLimit(fileBytes, maxBytes, formatBytes, "bytes");
    throw new ImagingError("image_too_large", `This ${KIND_NAMES[type]} file is ${size}; the limit for ${kind.what} is ${limit}. ${kind.advice}`, {
      bytes: fileBytes,
      max_bytes: maxBytes,
    });
  }
}

/** Throws image_too_large past IMAGE_LIMITS.maxBytes, the limit of any upload. */
export function checkFileBytes(bytes: number) {
  if (bytes > IMAGE_LIMITS.maxBytes) {
    const [size, limit] = sizeAndLimit(bytes, IMAGE_LIMITS.maxBytes, formatBytes, "bytes");
    throw new ImagingError("image_too_large", `This photo is ${size}; the limit is ${limit}. ${SMALLER}`, { bytes, max_bytes: IMAGE_LIMITS.maxBytes });
  }
}
