/**
 * The photo checks' measurements (pure, no HTTP or D1): a perceptual fingerprint and the quality
 * facts, computed from planes the pipeline already holds (the thumb's Y plane and the full
 * rendition's size), so a photo is never decoded a second time for them.
 *
 * Fingerprint: a 64-bit DCT pHash. The 128×128 thumb's luma is averaged down to 32×32, a 2-D DCT
 * is taken, and each of the 8×8 lowest frequencies but the DC term becomes one bit (above or below
 * their median). The DC term (overall brightness) is left out so a brightened copy hashes the same;
 * low frequencies survive re-encoding, resizing and a slight crop. Hashes within HASH_MATCH_DISTANCE
 * bits of each other are the same picture (thresholds and their measurements: README, BENCHMARKS.md).
 *
 * Which warning a fact raises is decided here, from QUALITY_THRESHOLDS; the words are
 * src/shared/problem-codes.ts's.
 */
import type { Planes } from "./planes";

/** Card size: a photo smaller than this in either dimension would be enlarged on the card. */
const CARD = { width: 320, height: 400 };

/** Chosen from measurements on generated portraits (README, *Checks on every photo*). */
export const QUALITY_THRESHOLDS = {
  /** Mean luma (0–255) of the thumb below which a photo is too dark. */
  tooDarkMean: 55,
  /** Mean luma above which it is too bright (washed out). */
  tooBrightMean: 215,
  /** Standard deviation of luma below which the picture is almost one colour. */
  blankStdDev: 6,
};

/** Two fingerprints this many bits apart or fewer are candidates for the same picture (see BENCHMARKS.md). */
export const HASH_MATCH_DISTANCE = 4;
/** A candidate is the same picture when the signatures are this close (signatureDistance; BENCHMARKS.md). */
export const SIGNATURE_MATCH_DISTANCE = 5;

export type CheckCode = "low_resolution" | "too_dark" | "too_bright" | "blank_image" | "not_a_portrait";
export type QualityFinding = { code: CheckCode; facts: Record<string, number> };
/** A fingerprint, its verification signature and its four 16-bit bands (most significant first: the indexed lookup keys). */
export type Fingerprint = { fingerprint: string; signature: string; bands: [number, number, number, number] };
export type PhotoChecks = Fingerprint & {
  /**
   * The face-aligned fingerprint and signature (faceChecks, scheme 2) are the photo's own (stored in
   * photo_checks); `legacy` is the whole-card fingerprint and signature of scheme 1 (perceptualHash of
   * the thumb, `signature` of the card), computed only to compare with rows stored before the face
   * signature existed (migration 0005), and never stored.
   */
  legacy: Fingerprint;
  findings: QualityFinding[];
};

// The DCT-II basis for frequencies 0…15 over 32 samples, computed once.
const N = 32;
const K = 16;
const BASIS = (() => {
  const b = new Float64Array(K * N);
  for (let u = 0; u < K; u++) for (let x = 0; x < N; x++) b[u * N + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * N));
  return b;
})();

/** The 32×32 average of a square luma plane whose side is a multiple of 32 (the thumb's: 128). */
function shrink(y: Uint8Array, side: number): Float64Array {
  const f = side / N;
  const out = new Float64Array(N * N);
  for (let row = 0; row < side; row++) {
    const o = ((row / f) | 0) * N;
    const base = row * side;
    for (let col = 0; col < side; col++) out[o + ((col / f) | 0)]! += y[base + col]!;
  }
  return out;
}

/**
 * The 64-bit pHash of a square luma plane, as 16 hex digits. Portraits are nearly left-right
 * symmetric, so their odd horizontal frequencies are close to zero for every student and would
 * give the same bits to everyone (measured: dozens of distinct pairs at distance 0): the 64
 * coefficients are vertical frequencies 0…7 × even horizontal frequencies 0…14, DC excluded
 * (replaced by vertical 8, so that brightness never flips a bit).
 */
export function perceptualHash(y: Uint8Array, side: number): string {
  return hashOf32(shrink(y, side));
}

/** The pHash of a 32×32 grid of luma sums (any common scale: only the order of coefficients counts). */
function hashOf32(img: Float64Array): string {
  // Separable DCT: even horizontal frequencies of each row (32×8), then vertical 0…8 (9×8).
  const tmp = new Float64Array(N * 8);
  for (let r = 0; r < N; r++) {
    for (let v = 0; v < 8; v++) {
      let s = 0;
      const b = 2 * v * N;
      for (let x = 0; x < N; x++) s += img[r * N + x]! * BASIS[b + x]!;
      tmp[r * 8 + v] = s;
    }
  }
  const coeffs: number[] = [];
  for (let u = 0; u < 9; u++) {
    for (let v = 0; v < 8; v++) {
      if (u === 8 && v > 0) break;
      let s = 0;
      for (let r = 0; r < N; r++) s += tmp[r * 8 + v]! * BASIS[u * N + r]!;
      coeffs.push(s);
    }
  }
  coeffs[0] = coeffs.pop()!;
  const sorted = [...coeffs].sort((a, b) => a - b);
  const median = (sorted[31]! + sorted[32]!) / 2;
  let hex = "";
  for (let i = 0; i < 64; i += 4) {
    let nibble = 0;
    for (let j = 0; j < 4; j++) nibble = (nibble << 1) | (coeffs[i + j]! > median ? 1 : 0);
    hex += nibble.toString(16);
  }
  return hex;
}

/** The four 16-bit bands of a fingerprint (multi-index hashing: within distance 3, one band is equal). */
export function hashBands(fingerprint: string): [number, number, number, number] {
  return [0, 4, 8, 12].map((i) => parseInt(fingerprint.slice(i, i + 4), 16)) as [number, number, number, number];
}

/** Bits that differ between two fingerprints. */
export function hammingDistance(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < 16; i += 4) {
    let x = parseInt(a.slice(i, i + 4), 16) ^ parseInt(b.slice(i, i + 4), 16);
    while (x) {
      x &= x - 1;
      d++;
    }
  }
  return d;
}

/**
 * What the picture's size alone says (its displayed size, after EXIF orientation): known from the
 * header, so the upload preview gives these before anything is decoded (issue 13), and processing
 * gives the same from the same rule.
 */
export function sizeFindings(width: number, height: number): QualityFinding[] {
  const findings: QualityFinding[] = [];
  if (width < CARD.width || height < CARD.height)
    findings.push({ code: "low_resolution", facts: { width, height, min_width: CARD.width, min_height: CARD.height } });
  if (width > height) findings.push({ code: "not_a_portrait", facts: { width, height } });
  return findings;
}

/**
 * The checks of one processed photo: `original` is its displayed size (after EXIF orientation),
 * `thumb` and `card` the pixels the pipeline already holds.
 */
export function checkPhoto(thumb: Planes, card: Planes, original: { width: number; height: number }): PhotoChecks {
  const findings = sizeFindings(original.width, original.height);

  const y = thumb.y;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    sum += v;
    sq += v * v;
  }
  const mean = sum / y.length;
  const std = Math.sqrt(Math.max(0, sq / y.length - mean * mean));
  const t = QUALITY_THRESHOLDS;
  const round = (v: number) => Math.round(v * 10) / 10;
  // A blank picture is also dark or bright more often than not: saying "blank" alone is clearer.
  if (std < t.blankStdDev) findings.push({ code: "blank_image", facts: { luma_stddev: round(std), threshold: t.blankStdDev } });
  else if (mean < t.tooDarkMean) findings.push({ code: "too_dark", facts: { mean_luma: round(mean), threshold: t.tooDarkMean } });
  else if (mean > t.tooBrightMean) findings.push({ code: "too_bright", facts: { mean_luma: round(mean), threshold: t.tooBrightMean } });

  const legacy = perceptualHash(y, thumb.width);
  const cardSignature = signature(card);
  const face = faceChecks(card);
  return {
    fingerprint: face.fingerprint,
    // The card's own signature rides along: a copy that kept the framing (re-encoded, resized, PNG) is recognised by it even when the face's detail is faint.
    signature: face.signature + cardSignature,
    bands: hashBands(face.fingerprint),
    legacy: { fingerprint: legacy, signature: cardSignature, bands: hashBands(legacy) },
    findings,
  };
}

/**
 * The verification of a fingerprint match. The 64-bit hash keeps the layout of the picture, and
 * portraits of a class share their layout (same framing, backdrop, shirt): measured, distinct
 * generated students sharing backdrop and shirt colour often hash within a few bits of each other.
 * What tells them apart is the face's detail and colour, taken from the card rendition (320×400):
 * 32×40 luma block means, normalised for brightness and contrast (a brightened or recompressed copy
 * keeps them), and 8×10 Cb/Cr block means (skin and hair tone). 1,280 + 160 bytes, kept with the
 * fingerprint.
 */
const SIG_W = 32;
const SIG_H = 40;
const SIG_C = 80;
function signature(card: Planes): string {
  const { width: w, height: h, y } = card;
  const out = new Uint8Array(SIG_W * SIG_H + 2 * SIG_C);
  const sums = new Float64Array(SIG_W * SIG_H);
  const fx = w / SIG_W;
  const fy = h / SIG_H;
  let total = 0;
  let sq = 0;
  // Each column's block, worked out once (the same blocks as dividing per pixel, at a fraction of the cost).
  const block = new Int32Array(w);
  for (let col = 0; col < w; col++) block[col] = (col / fx) | 0;
  for (let row = 0; row < h; row++) {
    const o = ((row / fy) | 0) * SIG_W;
    const base = row * w;
    for (let col = 0; col < w; col++) {
      const v = y[base + col]!;
      sums[o + block[col]!]! += v;
      total += v;
      sq += v * v;
    }
  }
  const mean = total / (w * h);
  const std = Math.sqrt(Math.max(1, sq / (w * h) - mean * mean));
  const n = fx * fy;
  // ±4 standard deviations over 0…255.
  for (let i = 0; i < sums.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(128 + ((sums[i]! / n - mean) / std) * 32)));
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  const cblock = new Int32Array(cw);
  for (let col = 0; col < cw; col++) cblock[col] = Math.min(7, ((col * 8) / cw) | 0);
  [card.cb, card.cr].forEach((plane, p) => {
    const cs = new Float64Array(SIG_C);
    for (let row = 0; row < ch; row++) {
      const o = Math.min(9, ((row * 10) / ch) | 0) * 8;
      for (let col = 0; col < cw; col++) cs[o + cblock[col]!]! += plane[row * cw + col]!;
    }
    for (let i = 0; i < SIG_C; i++) out[SIG_W * SIG_H + p * SIG_C + i] = Math.round(cs[i]! / ((cw * ch) / SIG_C));
  });
  let hex = "";
  for (const b of out) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/** Mean absolute difference of the normalised luma (0–255 scale, 32 = one standard deviation) plus that of the chroma. */
export function signatureDistance(a: string, b: string): number {
  if (a.length !== b.length || !a.length) return Infinity;
  let dl = 0;
  let dc = 0;
  for (let i = 0; i < a.length; i += 2) {
    const d = Math.abs(parseInt(a.slice(i, i + 2), 16) - parseInt(b.slice(i, i + 2), 16));
    if (i < 2 * SIG_W * SIG_H) dl += d;
    else dc += d;
  }
  return Math.round((dl / (SIG_W * SIG_H) + dc / (2 * SIG_C)) * 10) / 10;
}

/** Scheme 1's rule (rows stored before migration 0005): card fingerprints within HASH_MATCH_DISTANCE bits and card signatures within SIGNATURE_MATCH_DISTANCE. */
export function isSameCardPicture(a: { fingerprint: string; signature: string }, b: { fingerprint: string; signature: string }): boolean {
  return hammingDistance(a.fingerprint, b.fingerprint) <= HASH_MATCH_DISTANCE && signatureDistance(a.signature, b.signature) <= SIGNATURE_MATCH_DISTANCE;
}

/**
 * The one rule for "the same picture" (scheme 2). The face fingerprints within FACE_MATCH.hash bits,
 * the head's layout and its colours within their limits, and then either the inner face's detail
 * within FACE_MATCH.detail (what finds a crop: the head moves in the frame, not in its own box) or
 * the whole card's signature within FACE_MATCH.card (what finds a copy that kept the framing even
 * when the face's detail is faint and drowned by compression noise), as long as the detail does not
 * say outright that the faces differ (FACE_MATCH.cardDetail: two classmates framed alike can have
 * nearly the same card).
 */
export function isSamePicture(a: { fingerprint: string; signature: string }, b: { fingerprint: string; signature: string }): boolean {
  if (hammingDistance(a.fingerprint, b.fingerprint) > FACE_MATCH.hash) return false;
  const d = faceDistance(a.signature, b.signature);
  if (d.layout > FACE_MATCH.layout || d.chroma > FACE_MATCH.chroma) return false;
  return d.detail <= FACE_MATCH.detail || (d.card <= FACE_MATCH.card && d.detail <= FACE_MATCH.cardDetail);
}

// ---------------------------------------------------------------------------------------------
// The face-aligned fingerprint and signature (scheme 2, migration 0005)

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
const BOX = { halfWidth: 0.6, height: 1.3 };

type Box = { left: number; top: number; width: number; height: number };

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
function gridMeans(plane: Uint8Array, pw: number, ph: number, box: Box, cols: number, rows: number): Float64Array {
  const out = new Float64Array(cols * rows);
  const count = new Float64Array(cols * rows);
  const x0 = Math.floor(box.left);
  const y0 = Math.floor(box.top);
  const x1 = Math.ceil(box.left + box.width);
  const y1 = Math.ceil(box.top + box.height);
  const fx = cols / box.width;
  const fy = rows / box.height;
  // Each column's cell and source pixel, worked out once rather than per row.
  const gxs = new Int32Array(x1 - x0);
  const src = new Int32Array(x1 - x0);
  for (let xx = x0; xx < x1; xx++) {
    gxs[xx - x0] = Math.min(cols - 1, Math.max(0, ((xx + 0.5 - box.left) * fx) | 0));
    src[xx - x0] = Math.min(pw - 1, Math.max(0, xx));
  }
  for (let yy = y0; yy < y1; yy++) {
    const o = Math.min(rows - 1, Math.max(0, ((yy + 0.5 - box.top) * fy) | 0)) * cols;
    const row = Math.min(ph - 1, Math.max(0, yy)) * pw;
    for (let k = 0; k < gxs.length; k++) {
      out[o + gxs[k]!]! += plane[row + src[k]!]!;
      count[o + gxs[k]!]!++;
    }
  }
  for (let i = 0; i < out.length; i++) out[i]! /= count[i]! || 1;
  return out;
}

/** The face signature's grids: FACE_DETAIL×FACE_DETAIL luma cells of the inner face (high-passed, normalised), FACE_CHROMA×FACE_CHROMA Cb and Cr cells of the head. */
const FACE_DETAIL = 32;
/** The head box's layout (hair and face outline): FACE_LAYOUT×FACE_LAYOUT luma cells, normalised. */
const FACE_LAYOUT = 16;
const FACE_CHROMA = 6;
/** The inner face in head widths: ±half around the head's centre, from…to below its top (brows to chin, cheek to cheek). */
const INNER = { half: 0.3, from: 0.55, to: 1.15 };
/** The high-pass: each cell minus the mean of the (2·BLUR+1)² cells around it, so features (eyes, brows, nose, mouth) count, not the face's shading. */
const BLUR = 3;

/**
 * The face-aligned fingerprint and signature of a card (scheme 2). The fingerprint is the pHash of
 * the head box's 32×32 luma (hashOf32): the lookup's band key, the same for a crop, a resize or a
 * re-encode. The signature is what tells two students with the same colours, hairstyle and clothes
 * apart: where their features are. The inner face is laid on a 32×32 grid, each cell minus the mean
 * of its 5×5 neighbourhood (so only the features remain, not the lighting or the face's shading),
 * normalised to mean 0 and standard deviation 32 around 128 (a brightened copy keeps it); then the
 * head box's 6×6 Cb and Cr means (skin and hair tone). 1,096 bytes, as hex.
 */
export function faceChecks(card: Planes): { fingerprint: string; signature: string } {
  const box = findHeadBox(card);
  const { width: w, height: h } = card;
  const fingerprint = hashOf32(gridMeans(card.y, w, h, box, N, N));
  const head = box.width / (2 * BOX.halfWidth);
  const centre = box.left + box.width / 2;
  const inner = { left: centre - INNER.half * head, top: box.top + INNER.from * head, width: 2 * INNER.half * head, height: (INNER.to - INNER.from) * head };
  const g = FACE_DETAIL;
  const grid = gridMeans(card.y, w, h, inner, g, g);
  const detail = new Float64Array(g * g);
  for (let y = 0; y < g; y++) {
    for (let x = 0; x < g; x++) {
      let sum = 0;
      let n = 0;
      for (let yy = Math.max(0, y - BLUR); yy <= Math.min(g - 1, y + BLUR); yy++)
        for (let xx = Math.max(0, x - BLUR); xx <= Math.min(g - 1, x + BLUR); xx++) {
          sum += grid[yy * g + xx]!;
          n++;
        }
      detail[y * g + x] = grid[y * g + x]! - sum / n;
    }
  }
  const cells = g * g;
  const out = new Uint8Array(cells + FACE_LAYOUT * FACE_LAYOUT + 2 * FACE_CHROMA * FACE_CHROMA);
  normalisedBytes(detail, out, 0);
  normalisedBytes(gridMeans(card.y, w, h, box, FACE_LAYOUT, FACE_LAYOUT), out, cells);
  const chromaAt = cells + FACE_LAYOUT * FACE_LAYOUT;
  const cbox = { left: box.left / 2, top: box.top / 2, width: box.width / 2, height: box.height / 2 };
  [card.cb, card.cr].forEach((plane, p) => {
    const cs = gridMeans(plane, (w + 1) >> 1, (h + 1) >> 1, cbox, FACE_CHROMA, FACE_CHROMA);
    for (let i = 0; i < cs.length; i++) out[chromaAt + p * cs.length + i] = Math.max(0, Math.min(255, Math.round(cs[i]!)));
  });
  let hex = "";
  for (const b of out) hex += b.toString(16).padStart(2, "0");
  return { fingerprint, signature: hex };
}

/** Values normalised to mean 0 and standard deviation 32 around 128, clamped to a byte (±4 standard deviations), written at `at`. */
function normalisedBytes(values: Float64Array, out: Uint8Array, at: number) {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  const std = Math.sqrt(sq / values.length) || 1;
  for (let i = 0; i < values.length; i++) out[at + i] = Math.max(0, Math.min(255, Math.round(128 + ((values[i]! - mean) / std) * 32)));
}

/** The bytes of a hex string from byte `at` to `end`, less 128 (normalised values around 0). */
function centred(hex: string, at: number, end: number): Int16Array {
  const out = new Int16Array(end - at);
  for (let i = at; i < end; i++) out[i - at] = parseInt(hex.slice(2 * i, 2 * i + 2), 16) - 128;
  return out;
}

/**
 * 1 − the best correlation of two g×g grids when one is moved by up to SHIFT cells either way (on
 * the overlap): the head box is found to a pixel or so, and a feature a few pixels wide must not
 * count as moved when it is the box that moved.
 */
const SHIFT = 1;
function shiftedCorrelationDistance(a: Int16Array, b: Int16Array, g: number): number {
  let best = -1;
  for (let dy = -SHIFT; dy <= SHIFT; dy++) {
    for (let dx = -SHIFT; dx <= SHIFT; dx++) {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let y = Math.max(0, -dy); y < Math.min(g, g - dy); y++) {
        for (let x = Math.max(0, -dx); x < Math.min(g, g - dx); x++) {
          const u = a[y * g + x]!;
          const v = b[(y + dy) * g + x + dx]!;
          dot += u * v;
          na += u * u;
          nb += v * v;
        }
      }
      if (na && nb) best = Math.max(best, dot / Math.sqrt(na * nb));
    }
  }
  return Math.round((1 - best) * 10000) / 10000;
}

/** 1 − the correlation of two signatures' normalised bytes from `at` to `end` (hex strings). */
function correlationDistance(a: string, b: string, at: number, end: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = at; i < end; i++) {
    const x = parseInt(a.slice(2 * i, 2 * i + 2), 16) - 128;
    const z = parseInt(b.slice(2 * i, 2 * i + 2), 16) - 128;
    dot += x * z;
    na += x * x;
    nb += z * z;
  }
  const corr = na && nb ? dot / Math.sqrt(na * nb) : 0;
  return Math.round((1 - corr) * 10000) / 10000;
}

/**
 * How far two scheme-2 signatures are, part by part: `detail`, 1 − the best correlation of their
 * inner faces' detail (0 = the features in the same places); `layout`, 1 − the correlation of their
 * head boxes' luma; `chroma`, the mean absolute difference of their Cb/Cr cells (0–255 scale);
 * `card`, the whole card's signatureDistance. Infinity for a malformed signature.
 */
export function faceDistance(a: string, b: string): { detail: number; layout: number; chroma: number; card: number } {
  const cells = FACE_DETAIL * FACE_DETAIL;
  const chromaAt = cells + FACE_LAYOUT * FACE_LAYOUT;
  const len = chromaAt + 2 * FACE_CHROMA * FACE_CHROMA;
  if (a.length <= 2 * len || a.length !== b.length) return { detail: Infinity, layout: Infinity, chroma: Infinity, card: Infinity };
  let dc = 0;
  for (let i = chromaAt; i < len; i++) dc += Math.abs(parseInt(a.slice(2 * i, 2 * i + 2), 16) - parseInt(b.slice(2 * i, 2 * i + 2), 16));
  return {
    detail: shiftedCorrelationDistance(centred(a, 0, cells), centred(b, 0, cells), FACE_DETAIL),
    layout: correlationDistance(a, b, cells, chromaAt),
    chroma: Math.round((dc / (len - chromaAt)) * 10) / 10,
    card: signatureDistance(a.slice(2 * len), b.slice(2 * len)),
  };
}

/** Where a scheme-2 signature's head part (layout, then skin and hair tone) sits, in hex characters. */
const HEAD_PART = { from: 2 * FACE_DETAIL * FACE_DETAIL, length: 2 * (FACE_LAYOUT * FACE_LAYOUT + 2 * FACE_CHROMA * FACE_CHROMA) };
/** The head part of a scheme-2 signature (what `isNearFace` compares). */
export const faceHead = (signature: string) => signature.slice(HEAD_PART.from, HEAD_PART.from + HEAD_PART.length);

/**
 * The cheap half of `isSamePicture`: the fingerprints and the head part only (328 of 2,792 bytes).
 * The duplicate lookup reads just this part for every candidate and the whole signature only for
 * those that pass: most classmates sharing a band fail here (layout 0.083 apart at the median,
 * against 0.015), and a school's candidates then cost a few hundred bytes each instead of 5.6 KB.
 * Never false where isSamePicture is true.
 */
export function isNearFace(a: { fingerprint: string; signature: string }, b: { fingerprint: string; head: string }): boolean {
  if (hammingDistance(a.fingerprint, b.fingerprint) > FACE_MATCH.hash) return false;
  const mine = faceHead(a.signature);
  if (mine.length !== HEAD_PART.length || b.head.length !== HEAD_PART.length) return true; // malformed: let the full rule decide
  const layoutBytes = FACE_LAYOUT * FACE_LAYOUT;
  const chromaBytes = 2 * FACE_CHROMA * FACE_CHROMA;
  let dc = 0;
  for (let i = layoutBytes; i < layoutBytes + chromaBytes; i++)
    dc += Math.abs(parseInt(mine.slice(2 * i, 2 * i + 2), 16) - parseInt(b.head.slice(2 * i, 2 * i + 2), 16));
  return correlationDistance(mine, b.head, 0, layoutBytes) <= FACE_MATCH.layout && Math.round((dc / chromaBytes) * 10) / 10 <= FACE_MATCH.chroma;
}

/**
 * The face rule's limits, chosen from the measured gap between copies and distinct students
 * (`npm run bench -- checks`, 300 students, 1,000 copies; BENCHMARKS.md): copies reach hash 6 bits,
 * layout 0.0093, tone 4.8 (brightened 15 %), and copies that kept their framing a card distance of
 * 0.8 (1.8 darkened) and a detail of at most 0.252, while the closest distinct candidates within
 * hash, layout and tone limits are at detail 0.068 (0.06 leaves that margin; 0.08 flags pairs) and,
 * among 600 students, one pair framed alike at card 1.4 whose faces are 0.385 apart in detail.
 */
export const FACE_MATCH = { hash: 10, layout: 0.015, chroma: 6, detail: 0.06, card: 1.5, cardDetail: 0.32 };
