// The EXIF orientation the admin page applies itself when it resizes a picture (images.ts).
// Chromium's createImageBitmap(file, { imageOrientation: "from-image" }) turns JPEGs and PNGs but
// ignores a WebP's EXIF chunk, so a large WebP with orientation 6 would be sent sideways. For WebP
// the page reads the orientation with the server's own parser (src/imaging/webp/header.ts: pure,
// no copy), decodes with imageOrientation "none" and turns the picture while drawing.
// No DOM here: test/imaging.test.ts checks it against the server's geometry.
import { sniffImageType } from "../../imaging/sniff";
import { readWebpLayout } from "../../imaging/webp/header";

/** Bytes the page reads to tell a WebP (RIFF … WEBP) before reading the whole file. */
export const SNIFF_BYTES = 12;

/** Whether these bytes (at least SNIFF_BYTES of them) are a WebP: only then is the whole file read. */
export const isWebp = (head: Uint8Array) => sniffImageType(head).kind === "webp";

/**
 * The orientation (1..8) the page must apply itself to these bytes: a WebP's EXIF orientation;
 * 1 for other types (the browser applies theirs) and for a WebP the parser refuses (sent as it
 * is, so the server explains what is wrong with it).
 */
export function orientationToApply(bytes: Uint8Array): number {
  if (!isWebp(bytes)) return 1;
  try {
    return readWebpLayout(bytes).orientation;
  } catch {
    return 1;
  }
}

/** Display width and height of a picture stored w×h, shown in orientation o. */
export function orientedSize(o: number, w: number, h: number): [number, number] {
  return o >= 5 ? [h, w] : [w, h];
}

/**
 * The canvas transform [a, b, c, d, e, f] that draws a picture stored sw×sh (display size
 * width×height) in EXIF orientation o: a point (x, y) of the stored picture lands at
 * (a·x + c·y + e, b·x + d·y + f). 2 mirror, 3 rotate 180°, 4 flip, 5 transpose, 6 rotate 90°
 * clockwise, 7 transverse, 8 rotate 90° counter-clockwise.
 */
export function orientationTransform(o: number, width: number, height: number): [number, number, number, number, number, number] {
  switch (o) {
    case 2:
      return [-1, 0, 0, 1, width, 0];
    case 3:
      return [-1, 0, 0, -1, width, height];
    case 4:
      return [1, 0, 0, -1, 0, height];
    case 5:
      return [0, 1, 1, 0, 0, 0];
    case 6:
      return [0, 1, -1, 0, width, 0];
    case 7:
      return [0, -1, -1, 0, width, height];
    case 8:
      return [0, -1, 1, 0, 0, height];
    default:
      return [1, 0, 0, 1, 0, 0];
  }
}
