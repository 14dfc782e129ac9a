/**
 * src/imaging/: the image codec, pure of HTTP: it imports nothing from src/http, src/lib or hono,
 * and throws only ImagingError (errors.ts: a code and facts), which src/http/errors.ts maps to the
 * contract's errors. One job per module: sniff (what the bytes are), header (+ jpeg/, png/,
 * webp/ headers; exif, limits), the decoders (jpeg/decoder, png/decoder, photon: the only module
 * touching photon), ycbcr, resample, geometry, colour + icc (LittleCMS), encode (JPEG).
 * sniff, exif, limits, errors and webp/header are pure TS with no node imports: the pages use them.
 *
 *   inspectImage(bytes)     (header.ts) sniff + header + EXIF orientation + structure + limits,
 *                           no decoding
 *   processPortrait(bytes)  (this file, the pipeline: the one entry) the same checks, then decode
 *                           once and produce the three renditions as JPEG, with no metadata at all.
 *
 * Memory is the constraint that shapes the codec (a Worker isolate has 128 MB for everything).
 *
 *  - Standard (baseline) JPEGs, which is what phones and cameras write, never reach photon: the
 *    streaming decoder in jpeg/decoder.ts decodes them at reduced scale in the DCT domain (a 12 MP
 *    photo at 1/4: 750×1000), one MCU row at a time, straight into the resampler (resample.ts).
 *    Neither the full-resolution picture nor even the reduced one exists in memory: only the output planes
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
 *    are cropped and resampled from the full rendition; encode.ts writes all three.
 *
 * Speed (bench/imaging.mjs, against sharp on one core): the DCT-domain scale leaves the resampler
 * a reduction by less than 2 (often none), larger reductions average boxes first, the resampler's
 * inner loops are unrolled for the usual tap counts, and nothing is done per pixel that can be done
 * per row or per picture.
 */
import { checkPhoto, type PhotoChecks } from "./checks";
import { cmykToPlanes, colourManage } from "./colour";
import { encodeJpeg420 } from "./encode";
import { cropAndResize, fitInside, orientation } from "./geometry";
import { readImageHeader } from "./header";
import { readEmbeddedProfile } from "./icc";
import type { ImageHeader, ImageInfo } from "./image-info";
import { decodeBaselineJpeg, planeSize, readBaselineJpeg } from "./jpeg/decoder";
import { IMAGE_LIMITS } from "./limits";
import { decodeWithPhoton } from "./photon";
import { chromaSize, newPlanes, type Planes } from "./planes";
import { decodePng, verifyPngImageData } from "./png/decoder";
import { CHROMA, CUBIC, LANCZOS3, PlaneResampler } from "./resample";
import { unreadable } from "./errors";

export type PhotoSize = "thumb" | "card" | "full";
export const PHOTO_SIZES: readonly PhotoSize[] = ["thumb", "card", "full"];

/** Target boxes: thumb and card are exact (cropped), full is fitted inside and never upscaled. */
export const RENDITIONS: Readonly<Record<PhotoSize, { width: number; height: number }>> = {
  thumb: { width: 128, height: 128 },
  card: { width: 320, height: 400 },
  full: { width: 800, height: 1000 },
};

export const JPEG_QUALITY = 84;

/** `checks`: the fingerprint and quality findings (checks.ts), measured on planes already in hand. */
export type ProcessedPhoto = { info: ImageInfo; renditions: Record<PhotoSize, Uint8Array>; checks: PhotoChecks };

/**
 * Validates, decodes once, and renders thumb/card/full as JPEG. Throws the ImagingErrors of
 * readImageHeader, image_unreadable when a decoder fails on a file that looked sound, and
 * image_service_busy (photon.ts).
 */
export function processPortrait(bytes: Uint8Array): ProcessedPhoto {
  const steps = portraitSteps(bytes);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * processPortrait as a sequence of steps, each a few milliseconds of CPU (decode, resize, checks,
 * small encodes, full encode): a caller that shares its isolate's one thread with people waiting
 * (the queue consumer, next to pass views) pauses between them, so a decode never holds a
 * request up for the whole photo. Same work and result as processPortrait.
 */
export function* portraitSteps(bytes: Uint8Array): Generator<void, ProcessedPhoto, void> {
  const header = readImageHeader(bytes);
  if (header.decoder === "photon" && header.type === "png") verifyPngImageData(header);
  const info: ImageInfo = { type: header.type, width: header.width, height: header.height, orientation: header.orientation };

  const size = fitInside(header.width, header.height, RENDITIONS.full.width, RENDITIONS.full.height);
  const full = newPlanes(size.width, size.height);
  let profileApplied = false;
  if (header.decoder === "baseline-jpeg") decodeBaseline(bytes, header, full);
  else if (header.decoder === "png") decodePng(header, full);
  else if (decodeProfiledCmyk(bytes, header, full)) profileApplied = true;
  else decodeWithPhoton(bytes, header, full);
  yield;
  if (!profileApplied) colourManage(bytes, header, full);

  const card = cropAndResize(full, RENDITIONS.card.width, RENDITIONS.card.height, LANCZOS3);
  const thumb = cropAndResize(full, RENDITIONS.thumb.width, RENDITIONS.thumb.height, LANCZOS3);
  yield;
  const checks = checkPhoto(thumb, card, info);
  const small = { thumb: encodeJpeg420(thumb, JPEG_QUALITY), card: encodeJpeg420(card, JPEG_QUALITY) };
  yield;
  return { info, checks, renditions: { ...small, full: encodeJpeg420(full, JPEG_QUALITY) } };
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
  if (jpeg.width !== header.storedWidth || jpeg.height !== header.storedHeight)
    throw unreadable("This JPEG file is damaged (inconsistent headers). Save it again as JPEG and upload it again.");
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
  const embedded = readEmbeddedProfile(bytes, header);
  if (!embedded || !("bytes" in embedded)) return false;
  const jpeg = readBaselineJpeg(bytes, IMAGE_LIMITS.maxSide, { cmyk: true });
  if ("unsupported" in jpeg || jpeg.components.length !== 4) return false;
  if (jpeg.width !== header.storedWidth || jpeg.height !== header.storedHeight)
    throw unreadable("This JPEG file is damaged (inconsistent headers). Save it again as JPEG and upload it again.");
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
    sinks.push(
      new PlaneResampler(
        plane.width,
        plane.height,
        { x: 0, y: 0, width: (spanX * n) / 8, height: (spanY * n) / 8 },
        sw,
        sh,
        planes[c]!,
        orientation(o, sw, sh),
      ),
    );
  });
  decodeBaselineJpeg(bytes, jpeg, scales, (c, row, offset) => sinks[c]!.push(row, offset));
  cmykToPlanes(planes, jpeg.adobeTransform, embedded.bytes, full);
  return true;
}
