/** Geometry: the renditions' sizes and crops, and the EXIF orientation as a write layout. */
import { chromaSize, newPlanes, type Planes } from "./planes";
import { CHROMA, type Kernel, type Layout, PlaneResampler, type Window } from "./resample";

/** Where a portrait crop starts: this fraction of the vertical excess is cut above (headroom). */
const TOP_CROP_FRACTION = 0.15;

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
export function cropAndResize(src: Planes, tw: number, th: number, kernel: Kernel): Planes {
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
    case 2:
      return { base: sw - 1, col: -1, row: sw };
    case 3:
      return { base: (sh - 1) * sw + sw - 1, col: -1, row: -sw };
    case 4:
      return { base: (sh - 1) * sw, col: 1, row: -sw };
    case 5:
      return { base: 0, col: sh, row: 1 };
    case 6:
      return { base: sh - 1, col: sh, row: -1 };
    case 7:
      return { base: (sw - 1) * sh + sh - 1, col: -sh, row: -1 };
    case 8:
      return { base: (sw - 1) * sh, col: -sh, row: 1 };
    default:
      return { base: 0, col: 1, row: sw };
  }
}
