/**
 * Where the head is on the card (pure): the box every face-aligned measure is taken from (face.ts),
 * and the grid means those measures are made of.
 */
import type { Planes } from "../planes";

/**
 * Where the head is on the card: the box the face-aligned fingerprint and signature are taken
 * from. A crop or a different framing moves and scales the head in the frame; aligned on the
 * head, a copy measures the same, and what differs between two students of a class (same
 * backdrop, shirt and framing) is inside the box: face shape, features, hair, skin.
 *
 * School portraits are taken against a plain backdrop, so the head is the foreground of the upper
 * card: each row's backdrop colour is read from its two edge strips, and a pixel whose colour is
 * HEAD.contrast away from it (luma plus twice the chroma difference, so a light face on a light
 * backdrop still stands out by its colour) is foreground. The head's top is the first row with
 * HEAD.minRun foreground pixels, its width the widest row in the next HEAD.widthRows of the card,
 * its centre the foreground's mean column there. When no head is found (a blank or busy picture)
 * the box is the middle of the card, where a portrait's head is: still the same for a re-encoded copy.
 */
const HEAD = { chromaWeight: 2, edge: 10, contrast: 45, minRun: 6, widthRows: 0.3, searchRows: 0.75, topWidth: 0.5, nearWidest: 0.9 };
/** The box around the head, in head widths: ±BOX.halfWidth around its centre, BOX.height down from its top. */
export const BOX = { halfWidth: 0.6, height: 1.3 };

export type Box = { left: number; top: number; width: number; height: number };

export function findHeadBox(card: Planes): Box {
  const { width: w, height: h, y, cb, cr } = card;
  const cw = (w + 1) >> 1;
  const rows = Math.floor(h * HEAD.searchRows);
  const e = HEAD.edge;
  const lefts = new Int32Array(rows).fill(-1);
  const rights = new Int32Array(rows).fill(-1);
  for (let row = 0; row < rows; row++) {
    const crow = (row >> 1) * cw;
    let by = 0;
    let bb = 0;
    let br = 0;
    for (let col = 0; col < e; col++) {
      by += y[row * w + col]! + y[row * w + w - 1 - col]!;
      bb += cb[crow + (col >> 1)]! + cb[crow + ((w - 1 - col) >> 1)]!;
      br += cr[crow + (col >> 1)]! + cr[crow + ((w - 1 - col) >> 1)]!;
    }
    by /= 2 * e;
    bb /= 2 * e;
    br /= 2 * e;
    // The row's outermost foreground runs of HEAD.minRun pixels (a lone noisy pixel is no edge),
    // looked for from each side inwards: only the head's edges are needed, not its inside.
    const base = row * w;
    const k = HEAD.chromaWeight;
    const t = HEAD.contrast;
    let run = 0;
    for (let col = e; col < w - e; col++) {
      const c = crow + (col >> 1);
      run = Math.abs(y[base + col]! - by) + k * (Math.abs(cb[c]! - bb) + Math.abs(cr[c]! - br)) > t ? run + 1 : 0;
      if (run === HEAD.minRun) {
        lefts[row] = col - HEAD.minRun + 1;
        break;
      }
    }
    if (lefts[row]! < 0) continue;
    run = 0;
    for (let col = w - e - 1; col >= lefts[row]!; col--) {
      const c = crow + (col >> 1);
      run = Math.abs(y[base + col]! - by) + k * (Math.abs(cb[c]! - bb) + Math.abs(cr[c]! - br)) > t ? run + 1 : 0;
      if (run === HEAD.minRun) {
        rights[row] = col + HEAD.minRun - 1;
        break;
      }
    }
  }
  let top = 0;
  while (top < rows && lefts[top]! < 0) top++;
  const end = Math.min(rows, top + Math.round(h * HEAD.widthRows));
  // The head's width: its widest row (hair or ears); its centre: that row's middle, averaged over the rows as wide.
  let widest = 0;
  for (let row = top; row < end; row++) if (lefts[row]! >= 0) widest = Math.max(widest, rights[row]! - lefts[row]! + 1);
  // Its width to a fraction of a pixel: the mean of the rows nearly as wide (each is a whole number of pixels).
  let n = 0;
  let sx = 0;
  let sw = 0;
  for (let row = top; row < end; row++) {
    if (lefts[row]! >= 0 && rights[row]! - lefts[row]! + 1 >= widest * HEAD.nearWidest) {
      n++;
      sx += (lefts[row]! + rights[row]!) / 2;
      sw += rights[row]! - lefts[row]! + 1;
    }
  }
  widest = n ? sw / n : 0;
  // No head: the middle of the card (a portrait's head is about half its width, in its upper half).
  if (top >= rows || widest < w * 0.15) return { left: w * 0.2, top: h * 0.1, width: w * 0.6, height: w * 0.6 * (BOX.height / (2 * BOX.halfWidth)) };
  const centre = sx / n;
  // The box's top: where the head's width first reaches HEAD.topWidth of its widest, to a fraction
  // of a pixel (interpolated between rows): steadier than the first foreground row, whose place
  // moves by a pixel with the resampling and the compression of a copy.
  const span = (row: number) => (lefts[row]! >= 0 ? rights[row]! - lefts[row]! + 1 : 0);
  const want = widest * HEAD.topWidth;
  let at = top;
  while (at < end && span(at) < want) at++;
  const below = at > top ? span(at - 1) : 0;
  const anchor = at - 1 + (want - below) / Math.max(1, span(at) - below);
  return { left: centre - widest * BOX.halfWidth, top: anchor, width: 2 * BOX.halfWidth * widest, height: BOX.height * widest };
}

/** Means of a plane over a cols×rows grid laid on `box` (in the plane's own pixels); pixels outside the plane count as its nearest edge. */
export function gridMeans(plane: Uint8Array, pw: number, ph: number, box: Box, cols: number, rows: number): Float64Array {
  const { sums, counts } = gridSums(plane, pw, ph, box, cols, rows);
  for (let i = 0; i < sums.length; i++) sums[i]! /= counts[i]! || 1;
  return sums;
}

/**
 * gridMeans' sums and pixel counts per cell (cells of a grid twice as fine pool exactly into the
 * coarser one's), over every `step`-th pixel and row. Pixels outside the plane count as its nearest
 * edge, or with `onPlaneOnly` are left out (gridMeansInside).
 */
export function gridSums(plane: Uint8Array, pw: number, ph: number, box: Box, cols: number, rows: number, { step = 1, onPlaneOnly = false } = {}) {
  const out = new Float64Array(cols * rows);
  const count = new Float64Array(cols * rows);
  let x0 = Math.floor(box.left);
  let y0 = Math.floor(box.top);
  let x1 = Math.ceil(box.left + box.width);
  let y1 = Math.ceil(box.top + box.height);
  if (onPlaneOnly) {
    x0 = Math.max(0, x0);
    y0 = Math.max(0, y0);
    x1 = Math.min(pw, x1);
    y1 = Math.min(ph, y1);
  }
  const fx = cols / box.width;
  const fy = rows / box.height;
  // Each column's cell and source pixel, worked out once rather than per row.
  const n = Math.max(0, Math.ceil((x1 - x0) / step));
  const gxs = new Int32Array(n);
  const src = new Int32Array(n);
  for (let k = 0, xx = x0; k < n; k++, xx += step) {
    gxs[k] = Math.min(cols - 1, Math.max(0, ((xx + 0.5 - box.left) * fx) | 0));
    src[k] = Math.min(pw - 1, Math.max(0, xx));
  }
  // A row's pixels of one cell are summed in a local first (cells are runs of columns): one write
  // per cell and row instead of two per pixel; the sums are whole numbers, so the result is the same.
  for (let yy = y0; yy < y1; yy += step) {
    const o = Math.min(rows - 1, Math.max(0, ((yy + 0.5 - box.top) * fy) | 0)) * cols;
    const row = Math.min(ph - 1, Math.max(0, yy)) * pw;
    let k = 0;
    while (k < n) {
      const cell = gxs[k]!;
      const start = k;
      let sum = 0;
      while (k < n && gxs[k] === cell) sum += plane[row + src[k++]!]!;
      out[o + cell]! += sum;
      count[o + cell]! += k - start;
    }
  }
  return { sums: out, counts: count };
}

/** A cell of gridMeansInside that is mostly off the plane (a crop cut it away): compared as unknown. */
export const OFF_PLANE = Number.NaN;

/**
 * Means of a plane over a cols×rows grid laid on `box`, counting only pixels on the plane, every
 * `step`-th pixel and row; a cell with under 3/4 of its area on the plane is OFF_PLANE. Unlike
 * gridMeans, which repeats the edge, this is for a box reaching past the card (the surroundings of
 * the head), where a cropped copy simply has less: it must read as unknown, not as different.
 */
export function gridMeansInside(plane: Uint8Array, pw: number, ph: number, box: Box, cols: number, rows: number, step: number): Float64Array {
  const { sums, counts } = gridSums(plane, pw, ph, box, cols, rows, { step, onPlaneOnly: true });
  const full = (box.width / cols / step) * (box.height / rows / step);
  for (let i = 0; i < sums.length; i++) sums[i] = counts[i]! >= 0.75 * full ? sums[i]! / counts[i]! : OFF_PLANE;
  return sums;
}
