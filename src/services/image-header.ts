/**
 * Pure header parsing for uploaded photos: what the bytes really are (never the file name),
 * how big the picture is, its EXIF orientation, and whether its structure is sound enough to be
 * handed to the decoder. Nothing here decodes pixels or touches photon, so it is cheap enough to
 * run on every upload before anything is buffered into WASM memory.
 *
 * Every refusal is an ApiError whose `code`/`message` read well on their own (the bulk uploader
 * shows them as per-row problems):
 *   415 unsupported_type   not JPEG/PNG/WebP (the message names what the file really is)
 *   422 image_unreadable   empty, truncated, corrupt, zero-sized, or a variant the decoder cannot read
 *   413 image_too_large    past IMAGE_LIMITS (the message names the image's size and the limit)
 *
 * It also decides how the picture will be decoded (`decoder`), since the limits depend on it: a
 * standard (baseline) JPEG is decoded in JS at reduced scale, row by row (jpeg-decoder.ts), with
 * memory independent of its size; a PNG that is not interlaced is inflated whole into the JS heap
 * and decoded row by row in JS; anything else is decoded whole by photon in WASM memory.
 */
import { crc32 as zlibCrc32 } from "node:zlib";
import { Unzlib } from "fflate";
import { ApiError } from "../http/errors";

export type ImageType = "jpeg" | "png" | "webp";

/** `width`/`height` are as displayed, i.e. after the EXIF orientation is applied. */
export type ImageInfo = { type: ImageType; width: number; height: number; orientation: number };

/** Everything the header tells, for the pipeline (the public ImageInfo is a subset). */
export type ImageHeader = ImageInfo & {
  /** Dimensions as stored in the file (before orientation). */
  storedWidth: number;
  storedHeight: number;
  /** Whether the picture may have transparent pixels (flattened onto white). */
  hasAlpha: boolean;
  /** Peak bytes of WASM memory the decoder needs per pixel (see DECODE_COST); photon only. */
  decodeBytesPerPixel: number;
  /**
   * "baseline-jpeg": the streaming JS decoder (IMAGE_LIMITS); "png": a non-interlaced PNG, inflated
   * and decoded row by row in JS (IMAGE_LIMITS.png); "photon": decoded whole by photon
   * (IMAGE_LIMITS.whole).
   */
  decoder: "baseline-jpeg" | "png" | "photon";
};

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
 * decode must leave room for LittleCMS inside WASM_MEMORY_BUDGET (imaging.ts has the arithmetic).
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
export function decodeMemoryEstimate(h: Pick<ImageHeader, "storedWidth" | "storedHeight" | "decodeBytesPerPixel">, fileBytes: number): number {
  return Math.ceil(h.storedWidth * h.storedHeight * h.decodeBytesPerPixel + fileBytes);
}

const SAVE_AS = "Save it as JPEG or PNG and upload it again.";

// ---------------------------------------------------------------------------------------------
// Sniffing

type Sniffed = { kind: ImageType } | { kind: "other"; name: string; message: string };

const ascii = (b: Uint8Array, at: number, len: number) => {
  let s = "";
  for (let i = at; i < at + len && i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
};
const startsWith = (b: Uint8Array, sig: number[], at = 0) => sig.every((v, i) => b[at + i] === v);

function other(name: string, message: string): Sniffed {
  return { kind: "other", name, message };
}

/** What the bytes are, from their content alone. */
export function sniffImageType(b: Uint8Array): Sniffed {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return { kind: "jpeg" };
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: "png" };
  if (ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === "WEBP") return { kind: "webp" };

  if (ascii(b, 4, 4) === "ftyp") {
    const boxSize = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    const end = Math.min(b.length, Math.max(16, Math.min(boxSize, 256)));
    const brands = [ascii(b, 8, 4)];
    for (let p = 16; p + 4 <= end; p += 4) brands.push(ascii(b, p, 4));
    const has = (...xs: string[]) => brands.some((x) => xs.includes(x));
    if (has("avif", "avis")) return other("avif", `This file is an AVIF image. ${SAVE_AS}`);
    if (has("heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs", "mif1", "msf1", "mif2"))
      return other("heic", `This file is a HEIC image (iPhone format). ${SAVE_AS}`);
    if (has("crx ")) return other("raw", `This file is a camera RAW image (Canon CR3). Export it as JPEG and upload that.`);
    if (has("jxl ")) return other("jxl", `This file is a JPEG XL image. ${SAVE_AS}`);
    if (has("qt  ", "isom", "iso2", "mp41", "mp42", "M4V ", "3gp4", "3gp5", "avc1", "dash"))
      return other("video", "This file is a video, not a photo. Upload a JPEG or PNG photo.");
    return other("isobmff", `This file is not a JPEG, PNG or WebP image (it looks like a HEIF/MP4-family file). ${SAVE_AS}`);
  }
  if (ascii(b, 0, 6) === "GIF87a" || ascii(b, 0, 6) === "GIF89a") return other("gif", `This file is a GIF image. ${SAVE_AS}`);
  if (ascii(b, 0, 5) === "%PDF-") return other("pdf", "This file is a PDF document, not a photo. Export the photo from it as JPEG or PNG and upload that.");
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a]) || startsWith(b, [0x49, 0x49, 0x2b, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2b]))
    return other("tiff", `This file is a TIFF image (or a camera RAW file). ${SAVE_AS}`);
  if (ascii(b, 0, 2) === "BM" && b.length >= 26 && [12, 40, 52, 56, 64, 108, 124].includes(b[14]! | (b[15]! << 8)))
    return other("bmp", `This file is a BMP (Windows bitmap) image. ${SAVE_AS}`);
  if (ascii(b, 0, 4) === "PK\x03\x04" || ascii(b, 0, 4) === "PK\x05\x06")
    return other("zip", "This file is a ZIP archive (or an Office document), not a photo. Unzip it and upload the photos inside, or use a bulk upload for archives.");
  if (startsWith(b, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20])) return other("jp2", `This file is a JPEG 2000 image. ${SAVE_AS}`);
  if (startsWith(b, [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20]) || startsWith(b, [0xff, 0x0a]))
    return other("jxl", `This file is a JPEG XL image. ${SAVE_AS}`);
  if (startsWith(b, [0x00, 0x00, 0x01, 0x00]) && b.length > 6) return other("ico", `This file is an icon (ICO), not a photo. ${SAVE_AS}`);
  if (ascii(b, 0, 4) === "8BPS") return other("psd", `This file is a Photoshop document (PSD). ${SAVE_AS}`);
  if (ascii(b, 0, 4) === "RIFF") return other("riff", "This file is an audio/video (RIFF) file, not a photo. Upload a JPEG or PNG photo.");
  if (startsWith(b, [0x1f, 0x8b])) return other("gzip", "This file is a compressed (gzip) archive, not a photo. Upload a JPEG or PNG photo.");
  if (ascii(b, 0, 4) === "Rar!" || startsWith(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]))
    return other("archive", "This file is a compressed archive (RAR/7z), not a photo. Upload a JPEG or PNG photo, or a ZIP archive in a bulk upload.");
  if (startsWith(b, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))
    return other("office", "This file is an Office document, not a photo. Save the photo itself as JPEG or PNG and upload that.");

  // Text formats: look at the start, skipping a BOM and white space.
  const head = textHead(b);
  if (head !== null) {
    const lower = head.toLowerCase();
    if (lower.startsWith("<svg") || (lower.startsWith("<") && lower.includes("<svg")))
      return other("svg", "This file is an SVG drawing, not a photo. Export it as JPEG or PNG and upload that.");
    if (lower.startsWith("<!doctype html") || lower.startsWith("<html") || lower.startsWith("<head") || lower.startsWith("<body"))
      return other("html", "This file is a web page (HTML), not a photo. Save the photo itself as JPEG or PNG and upload that.");
    return other("text", "This file is a text file, not a photo. Upload a JPEG, PNG or WebP photo.");
  }
  return other("unknown", "This file is not an image we can read. Upload a JPEG, PNG or WebP photo.");
}

/** The first ~1 KB as text when it looks like text (UTF-8/ASCII without control bytes), else null. */
function textHead(b: Uint8Array): string | null {
  let start = 0;
  if (startsWith(b, [0xef, 0xbb, 0xbf])) start = 3;
  const end = Math.min(b.length, start + 1024);
  if (end <= start) return null;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c < 0x09 || (c > 0x0d && c < 0x20) || c === 0x7f) return null;
  }
  // Not fatal: a multi-byte character may be cut at `end`.
  return new TextDecoder("utf-8").decode(b.subarray(start, end)).trimStart();
}

// ---------------------------------------------------------------------------------------------
// Errors

const KB = 1024;
const MB = 1024 * 1024;

/** "3.4 MB", "812 KB", "912 bytes". */
export function formatBytes(n: number): string {
  if (n >= MB) return `${(n / MB).toFixed(1).replace(/\.0$/, "")} MB`;
  if (n >= KB) return `${Math.round(n / KB)} KB`;
  return `${n} bytes`;
}

/** "12.0 megapixels", "3.76 megapixels" */
function formatMegapixels(n: number): string {
  return `${(n / 1_000_000).toFixed(2).replace(/0$/, "")} megapixels`;
}

/** "8,393,608" */
const withCommas = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** A size and its limit in words; exact numbers when rounding would make them look equal. */
function sizeAndLimit(n: number, limit: number, format: (x: number) => string, unit: string): [string, string] {
  const a = format(n);
  const b = format(limit);
  return a === b ? [`${withCommas(n)} ${unit}`, `${b} (${withCommas(limit)} ${unit})`] : [a, b];
}

function unreadable(message: string, details?: Record<string, unknown>): ApiError {
  return new ApiError(422, "image_unreadable", message, details);
}

function truncated(kind: string): ApiError {
  return unreadable(`This ${kind} file is incomplete: it ends before the end of the picture (it was probably cut off while copying or downloading). Upload the complete file.`, {
    reason: "truncated",
  });
}

function corrupt(kind: string, what: string): ApiError {
  return unreadable(`This ${kind} file is damaged and cannot be read (${what}). Open it in a photo editor, save it again as JPEG or PNG, and upload it again.`, {
    reason: "corrupt",
  });
}

// ---------------------------------------------------------------------------------------------
// Public entry point

/**
 * Sniffs the type, reads dimensions and EXIF orientation from the header, checks the file's
 * structure and the limits. Throws the ApiErrors described at the top of this file.
 */
export function inspectImage(bytes: Uint8Array): ImageInfo {
  const h = readImageHeader(bytes);
  return { type: h.type, width: h.width, height: h.height, orientation: h.orientation };
}

/** inspectImage with the extra facts the pipeline needs. */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length === 0) throw unreadable("The file is empty (0 bytes). Upload the photo again.", { reason: "empty" });
  const sniffed = sniffImageType(bytes);
  if (sniffed.kind === "other") {
    throw new ApiError(415, "unsupported_type", sniffed.message, { detected_type: sniffed.name, accepted: ["image/jpeg", "image/png", "image/webp"] });
  }
  if (bytes.length > IMAGE_LIMITS.maxBytes) {
    const [size, limit] = sizeAndLimit(bytes.length, IMAGE_LIMITS.maxBytes, formatBytes, "bytes");
    throw new ApiError(
      413,
      "image_too_large",
      `This photo is ${size}; the limit is ${limit}. Save it at a smaller size (1000×1250 pixels is plenty) and upload it again.`,
      { bytes: bytes.length, max_bytes: IMAGE_LIMITS.maxBytes },
    );
  }
  return sniffed.kind === "jpeg" ? parseJpeg(bytes) : sniffed.kind === "png" ? parsePng(bytes) : parseWebp(bytes);
}

const KIND_NAMES: Record<ImageType, string> = { jpeg: "JPEG", png: "PNG", webp: "WebP" };
const SMALLER = "Save it at a smaller size (1000×1250 pixels is plenty) and upload it again.";

/** What a picture photon decodes whole is called in a limit message, and what to do about it. */
type WholeKind = { what: string; advice: string };
const AS_JPEG = "Save it as a JPEG, or at a smaller size (1000×1250 pixels is plenty), and upload it again.";
const AS_STANDARD_JPEG = "Save it as a standard JPEG (not progressive), or at a smaller size (1000×1250 pixels is plenty), and upload it again.";
const WHOLE_KINDS = {
  png: { what: "PNG images", advice: AS_JPEG },
  png16: { what: "a 16-bit PNG", advice: AS_JPEG },
  // Interlaced PNGs go to photon, whose limits are lower than those of the PNGs decoded in JS.
  pngInterlaced: { what: "interlaced PNGs", advice: AS_JPEG },
  png16Interlaced: { what: "an interlaced 16-bit PNG", advice: AS_JPEG },
  webp: { what: "WebP images", advice: AS_JPEG },
  progressive: { what: "progressive JPEGs", advice: AS_STANDARD_JPEG },
  progressiveCmyk: { what: "a progressive CMYK JPEG", advice: "Save it as a standard RGB JPEG, or at a smaller size (1000×1250 pixels is plenty), and upload it again." },
  cmyk: { what: "CMYK JPEGs", advice: "Save it as a standard RGB JPEG, or at a smaller size (1000×1250 pixels is plenty), and upload it again." },
  otherJpeg: { what: "JPEGs stored like this one (not a standard baseline JPEG)", advice: AS_STANDARD_JPEG },
} satisfies Record<string, WholeKind>;

function wholeJpegKind(progressive: boolean, components: number): WholeKind {
  if (progressive) return components === 4 ? WHOLE_KINDS.progressiveCmyk : WHOLE_KINDS.progressive;
  return components === 4 ? WHOLE_KINDS.cmyk : WHOLE_KINDS.otherJpeg;
}

function checkNotEmpty(type: ImageType, w: number, h: number) {
  if (w <= 0 || h <= 0) throw unreadable(`This ${KIND_NAMES[type]} file says its picture is ${w}×${h} pixels, which is empty. Upload another photo.`, { reason: "zero_dimensions" });
}

function tooManyPixels(w: number, h: number, maxPixels: number, maxSide: number, forWhat: string, advice: string): ApiError {
  const pixels = w * h;
  const [size, limit] = sizeAndLimit(pixels, maxPixels, formatMegapixels, "pixels");
  const what = pixels > maxPixels ? `the limit${forWhat} is ${limit}` : `the limit${forWhat} is ${maxSide} pixels on the longest side`;
  return new ApiError(413, "image_too_large", `This photo is ${w}×${h} pixels (${size}); ${what}. ${advice}`, {
    width: w,
    height: h,
    pixels,
    max_pixels: maxPixels,
    max_side: maxSide,
  });
}

/** Throws 413 when a baseline JPEG's dimensions are past IMAGE_LIMITS. */
function checkBaselineDimensions(w: number, h: number) {
  checkNotEmpty("jpeg", w, h);
  if (w * h > IMAGE_LIMITS.maxPixels || Math.max(w, h) > IMAGE_LIMITS.maxSide) throw tooManyPixels(w, h, IMAGE_LIMITS.maxPixels, IMAGE_LIMITS.maxSide, "", SMALLER);
}

/**
 * Throws 413 when a picture decoded whole is past its limits (IMAGE_LIMITS.whole for photon, its
 * pixel limit lowered for costlier decodes; IMAGE_LIMITS.png for PNGs decoded in JS) in pixels,
 * side or bytes; called once the header gave them.
 */
function checkWhole(
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
    throw new ApiError(413, "image_too_large", `This ${KIND_NAMES[type]} file is ${size}; the limit for ${kind.what} is ${limit}. ${kind.advice}`, {
      bytes: fileBytes,
      max_bytes: maxBytes,
    });
  }
}

function finish(type: ImageType, storedWidth: number, storedHeight: number, orientation: number, hasAlpha: boolean, bpp: number, decoder: ImageHeader["decoder"] = "photon"): ImageHeader {
  const swap = orientation >= 5;
  return {
    type,
    width: swap ? storedHeight : storedWidth,
    height: swap ? storedWidth : storedHeight,
    orientation,
    storedWidth,
    storedHeight,
    hasAlpha,
    decodeBytesPerPixel: bpp,
    decoder,
  };
}

// ---------------------------------------------------------------------------------------------
// JPEG

const u16be = (b: Uint8Array, p: number) => (b[p]! << 8) | b[p + 1]!;
const u16le = (b: Uint8Array, p: number) => b[p]! | (b[p + 1]! << 8);
const u32be = (b: Uint8Array, p: number) => ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
const u32le = (b: Uint8Array, p: number) => (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
const u24le = (b: Uint8Array, p: number) => b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);

const SOF_NAMES: Record<number, string> = {
  0xc3: "lossless",
  0xc5: "hierarchical",
  0xc6: "hierarchical",
  0xc7: "hierarchical",
  0xc9: "arithmetic-coded",
  0xca: "arithmetic-coded",
  0xcb: "arithmetic-coded",
  0xcd: "arithmetic-coded",
  0xce: "arithmetic-coded",
  0xcf: "arithmetic-coded",
};

type JpegFrame = { marker: number; width: number; height: number; progressive: boolean; components: { id: number; tq: number }[]; cost: number };

/**
 * Walks the JPEG's segments: the frame header (size, components), the tables and scan headers
 * the decoder will rely on (photon's decoder panics on inconsistent ones), and the entropy-coded
 * data up to the end-of-image marker (a file without one was cut off). Then decides the decoder
 * (the same criteria as readBaselineJpeg in jpeg-decoder.ts) and checks its limits.
 */
function parseJpeg(b: Uint8Array): ImageHeader {
  const len = b.length;
  let pos = 2;
  let orientation = 1;
  let frame: JpegFrame | null = null;
  let scans = 0;
  let sawEoi = false;
  let quantTables = 0; // bit i: table i defined
  let dcTables = 0;
  let acTables = 0;
  let sawHuffman = false;
  let firstScan: { components: number; hadHuffman: boolean } | null = null;
  let jfif = false;
  let adobeTransform = -1;
  let progression: Progression | null = null;

  while (pos < len) {
    // Stray bytes between segments are skipped, as libjpeg and photon's decoder do (some cameras write them).
    if (b[pos] !== 0xff) {
      pos = b.indexOf(0xff, pos);
      if (pos < 0) break;
    }
    // Any number of 0xFF fill bytes may precede a marker.
    while (pos < len && b[pos] === 0xff) pos++;
    if (pos >= len) break;
    const marker = b[pos]!;
    pos++;
    if (marker === 0xd9) {
      sawEoi = true;
      break;
    }
    if (marker === 0xd8) throw corrupt("JPEG", "a second start-of-image marker");
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue; // standalone markers
    if (marker === 0x00) throw corrupt("JPEG", `unexpected data at byte ${pos - 1}`);
    if (pos + 2 > len) throw truncated("JPEG");
    const segLen = u16be(b, pos);
    if (segLen < 2) throw corrupt("JPEG", "a segment with an impossible length");
    const start = pos + 2;
    const end = pos + segLen;
    if (end > len) throw truncated("JPEG");

    if (marker === 0xe1) {
      if (orientation === 1 && scans === 0 && segLen >= 8 && ascii(b, start, 6) === "Exif\0\0") orientation = exifOrientation(b, start + 6, end);
    } else if (marker === 0xe0) {
      if (segLen >= 7 && ascii(b, start, 5) === "JFIF\0") jfif = true;
    } else if (marker === 0xee) {
      if (segLen >= 14 && ascii(b, start, 5) === "Adobe") adobeTransform = b[start + 11]!;
    } else if (marker === 0xdb) {
      for (let p = start; p < end; ) {
        const pq = b[p]! >> 4;
        const tq = b[p]! & 15;
        if (pq > 1 || tq > 3) throw corrupt("JPEG", "an invalid quantization table");
        p += 1 + 64 * (pq + 1);
        if (p > end) throw corrupt("JPEG", "a quantization table of the wrong length");
        quantTables |= 1 << tq;
      }
    } else if (marker === 0xc4) {
      sawHuffman = true;
      for (let p = start; p < end; ) {
        if (p + 17 > end) throw corrupt("JPEG", "a Huffman table of the wrong length");
        const tc = b[p]! >> 4;
        const th = b[p]! & 15;
        if (tc > 1 || th > 3) throw corrupt("JPEG", "an invalid Huffman table");
        // Canonical codes: after the codes of each length l, the next code must still fit in l
        // bits (no code may be all ones), as libjpeg and photon's decoder require.
        let total = 0;
        let code = 0;
        let maxLength = 0;
        for (let l = 1; l <= 16; l++) if (b[p + l]! > 0) maxLength = l;
        for (let l = 1; l <= maxLength; l++) {
          const count = b[p + l]!;
          total += count;
          code += count;
          if (code >= 1 << l) throw corrupt("JPEG", "an invalid Huffman table");
          code <<= 1;
        }
        if (total > 256) throw corrupt("JPEG", "an invalid Huffman table");
        if (p + 17 + total > end) throw corrupt("JPEG", "a Huffman table of the wrong length");
        if (tc === 0) for (let i = p + 17; i < p + 17 + total; i++) if (b[i]! > 15) throw corrupt("JPEG", "an invalid Huffman table");
        p += 17 + total;
        if (tc === 0) dcTables |= 1 << th;
        else acTables |= 1 << th;
      }
    } else if (marker === 0xdd) {
      if (segLen !== 4) throw corrupt("JPEG", "an invalid restart interval");
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc8 && marker !== 0xcc) {
      if (frame) throw corrupt("JPEG", "more than one frame header");
      frame = parseJpegFrame(b, marker, start, segLen);
    } else if (marker === 0xda) {
      if (!frame) throw corrupt("JPEG", "image data before the frame header");
      checkJpegScan(b, start, segLen, frame, { quantTables, dcTables, acTables, sawHuffman });
      if (frame.progressive) checkProgressiveScan(b, start, frame, (progression ??= newProgression(frame)));
      if (scans === 0) firstScan = { components: b[start]!, hadHuffman: sawHuffman };
      scans++;
      // Skip the entropy-coded data up to the next marker that is not a stuffed 0xFF00 or a restart.
      let p = end;
      for (;;) {
        p = b.indexOf(0xff, p);
        if (p < 0 || p + 1 >= len) throw truncated("JPEG");
        const next = b[p + 1]!;
        if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) {
          p += next === 0xff ? 1 : 2;
          continue;
        }
        break;
      }
      pos = p;
      continue;
    }
    pos = end;
  }

  if (!frame) throw scans === 0 && !sawEoi ? truncated("JPEG") : corrupt("JPEG", "no frame header");
  if (scans === 0) throw sawEoi ? corrupt("JPEG", "no image data") : truncated("JPEG");
  if (!sawEoi) throw truncated("JPEG");
  if (progression) checkProgressionComplete(progression);

  const nf = frame.components.length;
  // Three components coded as R, G, B rather than Y, Cb, Cr (libjpeg's rule).
  const rgb = nf === 3 && (adobeTransform === 0 || (!jfif && adobeTransform < 0 && frame.components.map((c) => c.id).join() === "82,71,66"));
  const baseline = (frame.marker === 0xc0 || frame.marker === 0xc1) && (nf === 1 || (nf === 3 && !rgb)) && scans === 1 && firstScan?.components === nf && firstScan.hadHuffman;
  if (baseline) {
    checkBaselineDimensions(frame.width, frame.height);
    return finish("jpeg", frame.width, frame.height, orientation, false, frame.cost, "baseline-jpeg");
  }
  checkWhole("jpeg", frame.width, frame.height, len, frame.cost, wholeJpegKind(frame.progressive, nf));
  return finish("jpeg", frame.width, frame.height, orientation, false, frame.cost);
}

function parseJpegFrame(b: Uint8Array, marker: number, start: number, segLen: number): JpegFrame {
  const variant = SOF_NAMES[marker];
  if (variant) {
    throw unreadable(`This JPEG uses ${variant} coding, which we cannot read. Open it in a photo editor, save it again as a standard JPEG, and upload it again.`, {
      reason: "unsupported_variant",
    });
  }
  if (segLen < 8) throw corrupt("JPEG", "a short frame header");
  const precision = b[start]!;
  const height = u16be(b, start + 1);
  const width = u16be(b, start + 3);
  const nf = b[start + 5]!;
  if (segLen !== 8 + 3 * nf) throw corrupt("JPEG", "a frame header of the wrong length");
  if (precision !== 8) {
    throw unreadable(`This JPEG uses ${precision}-bit samples, which we cannot read. Save it again as a standard 8-bit JPEG and upload it again.`, {
      reason: "unsupported_variant",
    });
  }
  if (nf !== 1 && nf !== 3 && nf !== 4) throw corrupt("JPEG", `${nf} colour components`);
  const components: JpegFrame["components"] = [];
  for (let i = 0; i < nf; i++) {
    const c = start + 6 + 3 * i;
    const id = b[c]!;
    const hs = b[c + 1]! >> 4;
    const vs = b[c + 1]! & 15;
    const tq = b[c + 2]!;
    if (hs < 1 || hs > 4 || vs < 1 || vs > 4) throw corrupt("JPEG", "invalid sampling factors");
    if (tq > 3) throw corrupt("JPEG", "an invalid quantization table number");
    if (components.some((x) => x.id === id)) throw corrupt("JPEG", "two colour components with the same number");
    components.push({ id, tq });
  }
  if (height === 0) {
    throw unreadable("This JPEG does not state its height in its header, which we cannot read. Save it again as a standard JPEG and upload it again.", {
      reason: "unsupported_variant",
    });
  }
  const progressive = marker === 0xc2;
  const cost = progressive && nf === 4 ? DECODE_COST.progressiveCmyk : DECODE_COST.standard;
  checkNotEmpty("jpeg", width, height);
  // Progressive and CMYK JPEGs go to photon whatever follows: their limits are checked now, before
  // anything else is read. For the others the decoder (and so the limits) is known once the scans
  // have been seen: checked in parseJpeg.
  if (progressive || nf === 4) checkWhole("jpeg", width, height, b.length, cost, wholeJpegKind(progressive, nf));
  return { marker, width, height, progressive, components, cost };
}

function checkJpegScan(
  b: Uint8Array,
  start: number,
  segLen: number,
  frame: JpegFrame,
  tables: { quantTables: number; dcTables: number; acTables: number; sawHuffman: boolean },
) {
  const ns = b[start]!;
  if (ns < 1 || ns > frame.components.length || segLen !== 6 + 2 * ns) throw corrupt("JPEG", "an invalid scan header");
  const sel = start + 1 + 2 * ns;
  const ss = b[sel]!;
  const se = b[sel + 1]!;
  const ah = b[sel + 2]! >> 4;
  const al = b[sel + 2]! & 15;
  if (frame.progressive) {
    if (ss > se || se > 63 || (ss === 0 && se !== 0) || (ss > 0 && ns !== 1) || ah > 13 || al > 13 || (ah !== 0 && al !== ah - 1)) {
      throw corrupt("JPEG", "an invalid progressive scan");
    }
  } else if (ss !== 0 || se !== 63 || ah !== 0 || al !== 0) {
    throw corrupt("JPEG", "an invalid scan header");
  }
  // Without any Huffman table the decoder uses the standard ones (Motion-JPEG frames).
  const needDc = tables.sawHuffman && ss === 0 && ah === 0;
  const needAc = tables.sawHuffman && se > 0;
  const seen = new Set<number>();
  for (let i = 0; i < ns; i++) {
    const id = b[start + 1 + 2 * i]!;
    const td = b[start + 2 + 2 * i]! >> 4;
    const ta = b[start + 2 + 2 * i]! & 15;
    const component = frame.components.find((c) => c.id === id);
    if (!component || seen.has(id)) throw corrupt("JPEG", "a scan of an unknown colour component");
    seen.add(id);
    if (td > 3 || ta > 3 || (needDc && !(tables.dcTables & (1 << td))) || (needAc && !(tables.acTables & (1 << ta)))) {
      throw corrupt("JPEG", "a scan that uses a missing Huffman table");
    }
    if (!(tables.quantTables & (1 << component.tq))) throw corrupt("JPEG", "a missing quantization table");
  }
}

/**
 * What the progressive scans so far have coded, per frame component (in frame order): for each of
 * the 64 coefficients, the bit position (Al) its last scan left it at, or -1 before its first scan
 * (libjpeg's coef_bits).
 */
type Progression = Int8Array[];

function newProgression(frame: JpegFrame): Progression {
  return frame.components.map(() => new Int8Array(64).fill(-1));
}

/**
 * Checks one progressive scan against those before it (ITU T.81 G.1.1.1). checkJpegScan has
 * already checked the scan on its own (components in the frame, Ss/Se/Ah/Al in range). A scan
 * that does not continue what the earlier ones coded is how a damaged progressive file shows in
 * its headers: photon's decoder does not check it and either panics or decodes wrong colours
 * (a DC first scan at the wrong bit position shifts every block's brightness and colour), so it
 * is refused here, before anything is decoded.
 */
function checkProgressiveScan(b: Uint8Array, start: number, frame: JpegFrame, progression: Progression) {
  const ns = b[start]!;
  const sel = start + 1 + 2 * ns;
  const ss = b[sel]!;
  const se = b[sel + 1]!;
  const ah = b[sel + 2]! >> 4;
  const al = b[sel + 2]! & 15;
  let previous = -1;
  for (let i = 0; i < ns; i++) {
    const c = frame.components.findIndex((x) => x.id === b[start + 1 + 2 * i]);
    // The components of an interleaved scan come in frame order (T.81 B.2.3); photon panics otherwise.
    if (c <= previous) throw corrupt("JPEG", "a progressive scan whose colour components are out of order");
    previous = c;
    const bits = progression[c]!;
    if (ss > 0 && bits[0]! < 0) throw corrupt("JPEG", "a progressive scan of detail before the colour component's first scan");
    for (let k = ss; k <= se; k++) {
      // A first scan (Ah = 0) of a coefficient already coded, or a refinement scan (Ah > 0) that does
      // not continue at the bit where the previous scan of this coefficient stopped.
      if (ah === 0 ? bits[k]! >= 0 : bits[k] !== ah) throw corrupt("JPEG", "progressive scans that do not fit together");
      bits[k] = al;
    }
  }
}

/**
 * After the last scan: every coefficient of every component must have had its first scan. The
 * standard would allow leaving some out, but no encoder does (libjpeg's and mozjpeg's progressions
 * all cover 0…63), while scans edited to other bands do: their data, decoded into the wrong
 * coefficients, comes out as wrong colours without any other sign of damage.
 */
function checkProgressionComplete(progression: Progression) {
  if (progression.some((bits) => bits[0]! < 0)) throw corrupt("JPEG", "a colour component without any image data");
  if (progression.some((bits) => bits.includes(-1))) throw corrupt("JPEG", "progressive scans that leave part of the picture out");
}

/**
 * The orientation (1..8) in a TIFF block (the payload of an Exif APP1 segment or a PNG eXIf
 * chunk) spanning [t, end): IFD0 tag 0x0112. Anything malformed means 1.
 */
export function exifOrientation(b: Uint8Array, t: number, end: number): number {
  if (t + 8 > end) return 1;
  const order = ascii(b, t, 2);
  if (order !== "II" && order !== "MM") return 1;
  const le = order === "II";
  const r16 = (p: number) => (le ? u16le(b, p) : u16be(b, p));
  const r32 = (p: number) => (le ? u32le(b, p) : u32be(b, p));
  if (r16(t + 2) !== 42) return 1;
  const ifd = t + r32(t + 4);
  if (ifd + 2 > end || ifd < t + 8) return 1;
  const count = r16(ifd);
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + 12 * i;
    if (e + 12 > end) return 1;
    if (r16(e) !== 0x0112) continue;
    const type = r16(e + 2);
    const value = type === 3 ? r16(e + 8) : type === 4 ? r32(e + 8) : 0;
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

/**
 * The orientation in a PNG eXIf or WebP EXIF chunk's data [data, end): a TIFF block, which some
 * writers (libvips, so sharp, among them) wrongly start with JPEG's "Exif\0\0" prefix.
 */
function exifChunkOrientation(b: Uint8Array, data: number, end: number): number {
  return exifOrientation(b, ascii(b, data, 6) === "Exif\0\0" ? data + 6 : data, end);
}

// ---------------------------------------------------------------------------------------------
// PNG

/** CRC-32 (PNG, zip) of b[start, end): zlib's, native in workerd and node (nodejs_compat). */
export function crc32(b: Uint8Array, start = 0, end = b.length): number {
  return zlibCrc32(b.subarray(start, end)) >>> 0;
}

const PNG_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const PNG_KNOWN_CRITICAL = new Set(["IHDR", "PLTE", "IDAT", "IEND"]);

function parsePng(b: Uint8Array): ImageHeader {
  const len = b.length;
  let pos = 8;
  let ihdr: { width: number; height: number; depth: number; colorType: number; interlaced: boolean } | null = null;
  let orientation = 1;
  let hasPalette = false;
  let hasTrns = false;
  let idatState: "before" | "in" | "after" = "before";
  let sawEnd = false;

  while (pos < len) {
    if (pos + 12 > len) throw truncated("PNG");
    const size = u32be(b, pos);
    const type = ascii(b, pos + 4, 4);
    if (size > 0x7fffffff) throw corrupt("PNG", "a chunk with an impossible length");
    if (!/^[A-Za-z]{4}$/.test(type)) throw corrupt("PNG", "an invalid chunk");
    const data = pos + 8;
    const end = data + size;
    if (end + 4 > len) throw truncated("PNG");
    if (crc32(b, pos + 4, end) !== u32be(b, end)) throw corrupt("PNG", `a checksum error in its ${type} chunk`);

    if (!ihdr && type !== "IHDR") throw corrupt("PNG", "no header chunk");
    if (idatState === "in" && type !== "IDAT") idatState = "after";

    switch (type) {
      case "IHDR": {
        if (ihdr) throw corrupt("PNG", "two header chunks");
        if (size !== 13) throw corrupt("PNG", "a header chunk of the wrong length");
        const width = u32be(b, data);
        const height = u32be(b, data + 4);
        const depth = b[data + 8]!;
        const colorType = b[data + 9]!;
        if (!PNG_DEPTHS[colorType]?.includes(depth)) throw corrupt("PNG", `an invalid combination of colour type ${colorType} and bit depth ${depth}`);
        if (b[data + 10] !== 0 || b[data + 11] !== 0 || b[data + 12]! > 1) throw corrupt("PNG", "an unknown compression, filter or interlace method");
        if (width > 0x7fffffff || height > 0x7fffffff) throw corrupt("PNG", "impossible dimensions");
        ihdr = { width, height, depth, colorType, interlaced: b[data + 12] === 1 };
        if (ihdr.interlaced)
          checkWhole("png", width, height, len, depth === 16 ? DECODE_COST.png16 : DECODE_COST.standard, depth === 16 ? WHOLE_KINDS.png16Interlaced : WHOLE_KINDS.pngInterlaced);
        else checkWhole("png", width, height, len, DECODE_COST.standard, depth === 16 ? WHOLE_KINDS.png16 : WHOLE_KINDS.png, pngPixelLimit(colorType, depth), IMAGE_LIMITS.png);
        break;
      }
      case "PLTE":
        if (idatState !== "before") throw corrupt("PNG", "a palette after the image data");
        if (size === 0 || size % 3 !== 0 || size > 768) throw corrupt("PNG", "an invalid palette");
        hasPalette = true;
        break;
      case "tRNS":
        if (idatState !== "before") throw corrupt("PNG", "transparency data after the image data");
        hasTrns = true;
        break;
      case "eXIf":
        // Browsers honour the orientation only when the eXIf chunk precedes the image data.
        if (idatState === "before" && orientation === 1) orientation = exifChunkOrientation(b, data, end);
        break;
      case "IDAT":
        if (idatState === "after") throw corrupt("PNG", "image data split by other chunks");
        if (idatState === "before") {
          if (ihdr!.colorType === 3 && !hasPalette) throw corrupt("PNG", "no palette");
          if (size >= 2) {
            const cmf = b[data]!;
            const flg = b[data + 1]!;
            if ((cmf & 0x0f) !== 8 || (cmf << 8 | flg) % 31 !== 0) throw corrupt("PNG", "invalid compressed image data");
          }
        }
        idatState = "in";
        break;
      case "IEND":
        sawEnd = true;
        break;
      default:
        // Uppercase first letter = critical: the decoder must understand it (Apple's CgBI is one).
        if (type.charCodeAt(0) < 0x61 && !PNG_KNOWN_CRITICAL.has(type)) {
          throw unreadable(`This PNG uses a non-standard variant (chunk ${type}, e.g. an Apple-optimized PNG) that we cannot read. Open it in a photo editor, save it again as PNG or JPEG, and upload it again.`, {
            reason: "unsupported_variant",
          });
        }
    }
    pos = end + 4;
    if (sawEnd) break;
  }
  if (!ihdr) throw truncated("PNG");
  if (idatState === "before") throw sawEnd ? corrupt("PNG", "no image data") : truncated("PNG");
  if (!sawEnd) throw truncated("PNG");
  const hasAlpha = ihdr.colorType === 4 || ihdr.colorType === 6 || hasTrns;
  return finish("png", ihdr.width, ihdr.height, orientation, hasAlpha, ihdr.depth === 16 ? DECODE_COST.png16 : DECODE_COST.standard, ihdr.interlaced ? "photon" : "png");
}

const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * A non-interlaced PNG is inflated whole into the JS heap (then decoded row by row): its image
 * data may take at most PNG_RAW_LIMIT (4 MP of 8-bit RGBA), so 16-bit pictures get fewer pixels.
 */
export const PNG_RAW_LIMIT = 16 * 1024 * 1024;
function pngPixelLimit(colorType: number, depth: number): number {
  const bytesPerPixel = ((PNG_CHANNELS[colorType] ?? 4) * depth) / 8;
  return Math.min(IMAGE_LIMITS.png.maxPixels, Math.floor(PNG_RAW_LIMIT / bytesPerPixel / 1000) * 1000);
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
export function verifyPngImageData(b: Uint8Array): void {
  let pos = 8;
  const idats: Uint8Array[] = [];
  let w = 0, h = 0, depth = 8, colorType = 2, interlaced = false;
  while (pos + 12 <= b.length) {
    const size = u32be(b, pos);
    const type = ascii(b, pos + 4, 4);
    const data = b.subarray(pos + 8, pos + 8 + size);
    if (type === "IHDR") {
      w = u32be(data, 0);
      h = u32be(data, 4);
      depth = data[8]!;
      colorType = data[9]!;
      interlaced = data[12] === 1;
    } else if (type === "IDAT") idats.push(data);
    else if (type === "IEND") break;
    pos += 12 + size;
  }
  const bitsPerPixel = (PNG_CHANNELS[colorType] ?? 4) * depth;
  const passes: { rows: number; stride: number }[] = [];
  for (const [x0, y0, dx, dy] of interlaced ? ADAM7 : [[0, 0, 1, 1] as const]) {
    const cols = w > x0 ? Math.ceil((w - x0) / dx) : 0;
    const rows = h > y0 ? Math.ceil((h - y0) / dy) : 0;
    if (cols > 0 && rows > 0) passes.push({ rows, stride: 1 + Math.ceil((cols * bitsPerPixel) / 8) });
  }
  let pass = 0, row = 0, off = 0, badFilter = false;
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
// WebP

function parseWebp(b: Uint8Array): ImageHeader {
  const len = b.length;
  if (len < 20) throw truncated("WebP");
  const riffEnd = 8 + u32le(b, 4);
  if (riffEnd > len) throw truncated("WebP");
  if (riffEnd < 20) throw corrupt("WebP", "an impossible file size in its header");
  let pos = 12;
  let canvas: { width: number; height: number } | null = null;
  let image: { width: number; height: number; alpha: boolean } | null = null;
  let vp8x = false;
  let alphaFlag = false;
  let animated = false;
  let exifFlag = false;
  let orientation = 1;
  let first = true;

  while (pos + 8 <= riffEnd) {
    const fourcc = ascii(b, pos, 4);
    const size = u32le(b, pos + 4);
    const data = pos + 8;
    const end = data + size;
    if (end > riffEnd) throw truncated("WebP");
    switch (fourcc) {
      case "VP8X":
        if (!first) throw corrupt("WebP", "a misplaced extended header");
        if (size < 10) throw corrupt("WebP", "a short extended header");
        vp8x = true;
        alphaFlag = (b[data]! & 0x10) !== 0;
        animated = (b[data]! & 0x02) !== 0;
        exifFlag = (b[data]! & 0x08) !== 0;
        canvas = { width: u24le(b, data + 4) + 1, height: u24le(b, data + 7) + 1 };
        break;
      case "ANIM":
      case "ANMF":
        animated = true;
        break;
      case "ALPH":
        alphaFlag = true;
        break;
      case "EXIF":
        // Only an extended file (VP8X) may carry metadata, and its flag says whether the EXIF chunk
        // counts (libvips reads it only then). The chunk usually follows the image data.
        if (exifFlag && orientation === 1) orientation = exifChunkOrientation(b, data, end);
        break;
      case "VP8 ": {
        if (image) break;
        if (size < 10) throw truncated("WebP");
        const tag = b[data]! | (b[data + 1]! << 8) | (b[data + 2]! << 16);
        if (tag & 1) throw corrupt("WebP", "not a key frame");
        const firstPartition = tag >>> 5;
        if (b[data + 3] !== 0x9d || b[data + 4] !== 0x01 || b[data + 5] !== 0x2a) throw corrupt("WebP", "an invalid VP8 start code");
        if (10 + firstPartition > size) throw truncated("WebP");
        image = { width: u16le(b, data + 6) & 0x3fff, height: u16le(b, data + 8) & 0x3fff, alpha: false };
        break;
      }
      case "VP8L": {
        if (image) break;
        if (size < 5) throw truncated("WebP");
        if (b[data] !== 0x2f) throw corrupt("WebP", "an invalid lossless signature");
        const bits = u32le(b, data + 1);
        if (bits >>> 29 !== 0) throw corrupt("WebP", "an unknown lossless version");
        image = { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, alpha: ((bits >>> 28) & 1) === 1 };
        break;
      }
    }
    first = false;
    pos = end + (size & 1);
  }
  if (animated) {
    throw new ApiError(415, "unsupported_type", `This file is an animated WebP. Save a still frame as JPEG or PNG and upload it again.`, {
      detected_type: "webp_animated",
      accepted: ["image/jpeg", "image/png", "image/webp"],
    });
  }
  if (!image) throw vp8x || pos < riffEnd ? truncated("WebP") : corrupt("WebP", "no image data");
  if (canvas && (canvas.width !== image.width || canvas.height !== image.height)) throw corrupt("WebP", "inconsistent dimensions");
  checkWhole("webp", image.width, image.height, len, DECODE_COST.standard, WHOLE_KINDS.webp);
  return finish("webp", image.width, image.height, orientation, image.alpha || alphaFlag, DECODE_COST.standard);
}
