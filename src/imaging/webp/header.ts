/**
 * src/imaging/webp/: WebP only, the header (photon decodes the pixels: photon.ts). Pure TS: no
 * node, Worker or DOM imports, since the pages import it.
 *
 * The admin page imports readWebpLayout to learn a WebP's EXIF orientation, which Chromium's
 * createImageBitmap ignores (src/web/lib/orientation.ts).
 */
import { ascii, u16le, u24le, u32le } from "../bytes";
import { corrupt, ImagingError, truncated } from "../errors";
import { exifChunkOrientation } from "../exif";
import { headerOf, type ImageHeader } from "../image-info";
import { checkWhole, DECODE_COST, WHOLE_KINDS } from "../limits";
import { ACCEPTED_TYPES } from "../sniff";

/** What a WebP's chunks say, before any limit: the pages read it too (images.ts, the orientation). */
export type WebpLayout = { width: number; height: number; hasAlpha: boolean; orientation: number };

/**
 * Walks a WebP's RIFF chunks: the picture's size, alpha and EXIF orientation, and its structure.
 * Throws ImagingError (truncated, corrupt, animated). Pure.
 */
export function readWebpLayout(b: Uint8Array): WebpLayout {
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
    throw new ImagingError("unsupported_type", `This file is an animated WebP. Save a still frame as JPEG or PNG and upload it again.`, {
      detected_type: "webp_animated",
      accepted: ACCEPTED_TYPES,
    });
  }
  if (!image) throw vp8x || pos < riffEnd ? truncated("WebP") : corrupt("WebP", "no image data");
  if (canvas && (canvas.width !== image.width || canvas.height !== image.height)) throw corrupt("WebP", "inconsistent dimensions");
  return { width: image.width, height: image.height, hasAlpha: image.alpha || alphaFlag, orientation };
}

/** A WebP's header, checked against photon's limits (every WebP goes to photon). */
export function parseWebp(b: Uint8Array): ImageHeader {
  const { width, height, hasAlpha, orientation } = readWebpLayout(b);
  checkWhole("webp", width, height, b.length, DECODE_COST.standard, WHOLE_KINDS.webp);
  return headerOf("webp", width, height, orientation, hasAlpha, DECODE_COST.standard);
}
