/**
 * The face-aligned fingerprint and signature, and the one rule for "the same picture" (pure).
 *
 * Scheme 2 (migration 0005) and scheme 3 share the face part and the card part; scheme 3 adds the
 * head's surroundings (context) and is looked up by face-key.ts's bands. A signature is hex:
 *   face part   FACE_BYTES    inner-face detail, head layout, skin and hair tone
 *   card part   CARD_SIGNATURE_BYTES  the whole card (card-hash.ts), for copies that kept the framing
 *   context     CONTEXT_BYTES  scheme 3 only: luma and tone around the head, in head widths
 * All measurements and limits: `npm run bench -- checks`, BENCHMARKS.md (photo checks).
 */
import { hexByteAt } from "../../shared/hex";
import type { Planes } from "../planes";
import { CARD_SIGNATURE_BYTES, hammingDistance, hashOf32, signatureDistance } from "./card-hash";
import { BOX, type Box, findHeadBox, gridMeans, gridMeansInside, gridSums } from "./head-box";

/** The inner face's detail: FACE_DETAIL×FACE_DETAIL luma cells (high-passed, normalised). */
const FACE_DETAIL = 32;
/** The head box's layout (hair and face outline): FACE_LAYOUT×FACE_LAYOUT luma cells, normalised. */
const FACE_LAYOUT = 16;
/** Skin and hair tone: FACE_CHROMA×FACE_CHROMA Cb and Cr cells of the head box. */
const FACE_CHROMA = 6;
/**
 * The inner face in head widths: ±half around the head's centre, from…to below its top (brows to
 * chin, cheek to cheek). Scheme 2 began at 0.55, which on the generated faces cuts through the eyes
 * and leaves brows and glasses out (two faint faces, one with glasses, measured as close as a copy);
 * its stored detail is still compared with the photo's own detail over SCHEME2_INNER.
 */
const INNER = { half: 0.3, from: 0.45, to: 1.15 };
const SCHEME2_INNER = { half: 0.3, from: 0.55, to: 1.15 };
/** The high-pass: each cell minus the mean of the (2·BLUR+1)² cells around it, so features (eyes, brows, nose, mouth) count, not the face's shading. */
const BLUR = 3;
/**
 * The head's surroundings in head widths: ±half around its centre, from `above` over its top to
 * `below` under it (hair, neck, collar, shoulders, the backdrop beside them); `luma`² luma cells
 * (every 2nd pixel: cells are ~12 pixels wide) and `tone`² Cb and Cr cells. A crop cuts some of it
 * away: those cells are unknown (OFF_CARD), and two signatures compare on the cells both have.
 */
export const CONTEXT = { half: 1.0, above: 0.3, below: 1.9, luma: 20, tone: 12 };
export const OFF_CARD = 255;

const LAYOUT_AT = FACE_DETAIL * FACE_DETAIL;
const TONE_AT = LAYOUT_AT + FACE_LAYOUT * FACE_LAYOUT;
export const FACE_BYTES = TONE_AT + 2 * FACE_CHROMA * FACE_CHROMA;
export const CONTEXT_BYTES = CONTEXT.luma * CONTEXT.luma + 2 * CONTEXT.tone * CONTEXT.tone;
/** Where the context part starts in a scheme-3 signature, in bytes. */
const CONTEXT_AT = FACE_BYTES + CARD_SIGNATURE_BYTES;

/**
 * Where the head box may really be, for a copy whose head was found a little off: [scale, down]
 * (down in card pixels). A crop rescales the card, and the box's width moves by 1–2 % and its top,
 * anchored where the head reaches half its width (a bun or a parting moves that), by up to ~5 pixels
 * (measured). The photo being checked tries each against a stored face (`alignedDetails`).
 */
const ALIGNMENTS: readonly (readonly [number, number])[] = [1, 0.97, 1.03].flatMap((scale) =>
  [0, -1.5, 1.5, -3, 3, -4.5, 4.5].map((down) => [scale, down] as const),
);

export type FaceMeasures = {
  /** The pHash of the head box's 32×32 luma: the same for a crop, a resize or a re-encode. */
  fingerprint: string;
  /** Face part, then context part (the card part sits between them in a stored signature). */
  face: Uint8Array;
  context: Uint8Array;
  /** The inner face's detail under each of ALIGNMENTS (centred bytes), worked out on first use only. */
  alignedDetails: () => Int16Array[];
  /** The inner face's detail over SCHEME2_INNER (centred bytes), for rows stored under scheme 2; on first use only. */
  scheme2Detail: () => Int16Array;
};

/**
 * The face-aligned measures of a card. The detail is what tells two students with the same colours,
 * hairstyle and clothes apart: where their features are. The inner face is laid on a 32×32 grid,
 * each cell minus the mean of its 7×7 neighbourhood (so only the features remain, not the lighting
 * or the face's shading), normalised to mean 0 and standard deviation 32 around 128 (a brightened
 * copy keeps it); then the head box's 16×16 luma (layout) and 6×6 Cb and Cr means (tone).
 */
export function faceMeasures(card: Planes): FaceMeasures {
  const box = findHeadBox(card);
  const { width: w, height: h } = card;
  const face = new Uint8Array(FACE_BYTES);
  face.set(detailBytes(card, box), 0);
  // The head box's 32×32 luma (the fingerprint: hashOf32 takes 32×32) and, pooled 2×2, its 16×16 layout: one pass.
  const fine = gridSums(card.y, w, h, box, 2 * FACE_LAYOUT, 2 * FACE_LAYOUT);
  const means32 = fine.sums.map((v, i) => v / (fine.counts[i] || 1));
  normalisedBytes(pooled(fine.sums, fine.counts, FACE_LAYOUT), face, LAYOUT_AT);
  const half = halved(box);
  [card.cb, card.cr].forEach((plane, p) => {
    const cs = gridMeans(plane, (w + 1) >> 1, (h + 1) >> 1, half, FACE_CHROMA, FACE_CHROMA);
    for (let i = 0; i < cs.length; i++) face[TONE_AT + p * cs.length + i] = Math.max(0, Math.min(255, Math.round(cs[i]!)));
  });
  let aligned: Int16Array[] | null = null;
  let scheme2: Int16Array | null = null;
  return {
    fingerprint: hashOf32(means32),
    face,
    context: contextBytes(card, box),
    alignedDetails: () =>
      (aligned ??= ALIGNMENTS.map(([scale, down]) => {
        // Scaled about the box's vertical centre line, from its top.
        const moved = { left: box.left + (box.width * (1 - scale)) / 2, top: box.top + down, width: box.width * scale, height: box.height * scale };
        return Int16Array.from(detailBytes(card, moved), (b) => b - 128);
      })),
    scheme2Detail: () => (scheme2 ??= Int16Array.from(detailBytes(card, box, SCHEME2_INNER), (b) => b - 128)),
  };
}

/** Means of a (2·side)² grid's sums pooled 2×2 into side² cells. */
function pooled(sums: Float64Array, counts: Float64Array, side: number): Float64Array {
  const fine = 2 * side;
  const out = new Float64Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const at = 2 * y * fine + 2 * x;
      const sum = sums[at]! + sums[at + 1]! + sums[at + fine]! + sums[at + fine + 1]!;
      const count = counts[at]! + counts[at + 1]! + counts[at + fine]! + counts[at + fine + 1]!;
      out[y * side + x] = sum / (count || 1);
    }
  }
  return out;
}

const halved = (b: Box): Box => ({ left: b.left / 2, top: b.top / 2, width: b.width / 2, height: b.height / 2 });

/** The inner face's high-passed, normalised 32×32 detail under a head box. */
function detailBytes(card: Planes, box: Box, region = INNER): Uint8Array {
  const head = box.width / (2 * BOX.halfWidth);
  const centre = box.left + box.width / 2;
  const inner = {
    left: centre - region.half * head,
    top: box.top + region.from * head,
    width: 2 * region.half * head,
    height: (region.to - region.from) * head,
  };
  const g = FACE_DETAIL;
  const grid = gridMeans(card.y, card.width, card.height, inner, g, g);
  // The neighbourhood means from a summed-area table: four reads per cell instead of 49.
  const side = g + 1;
  const area = new Float64Array(side * side);
  for (let y = 0; y < g; y++)
    for (let x = 0; x < g; x++) area[(y + 1) * side + x + 1] = grid[y * g + x]! + area[y * side + x + 1]! + area[(y + 1) * side + x]! - area[y * side + x]!;
  const detail = new Float64Array(g * g);
  for (let y = 0; y < g; y++) {
    const top = Math.max(0, y - BLUR);
    const bottom = Math.min(g - 1, y + BLUR) + 1;
    for (let x = 0; x < g; x++) {
      const left = Math.max(0, x - BLUR);
      const right = Math.min(g - 1, x + BLUR) + 1;
      const sum = area[bottom * side + right]! - area[top * side + right]! - area[bottom * side + left]! + area[top * side + left]!;
      detail[y * g + x] = grid[y * g + x]! - sum / ((bottom - top) * (right - left));
    }
  }
  const out = new Uint8Array(g * g);
  normalisedBytes(detail, out, 0);
  return out;
}

/** The head's surroundings: luma then Cb and Cr cell means, each 0–254, OFF_CARD where a crop cut the cell away. */
function contextBytes(card: Planes, box: Box): Uint8Array {
  const head = box.width / (2 * BOX.halfWidth);
  const centre = box.left + box.width / 2;
  const around = {
    left: centre - CONTEXT.half * head,
    top: box.top - CONTEXT.above * head,
    width: 2 * CONTEXT.half * head,
    height: (CONTEXT.above + CONTEXT.below) * head,
  };
  const { width: w, height: h } = card;
  const parts = [
    gridMeansInside(card.y, w, h, around, CONTEXT.luma, CONTEXT.luma, 2),
    gridMeansInside(card.cb, (w + 1) >> 1, (h + 1) >> 1, halved(around), CONTEXT.tone, CONTEXT.tone, 1),
    gridMeansInside(card.cr, (w + 1) >> 1, (h + 1) >> 1, halved(around), CONTEXT.tone, CONTEXT.tone, 1),
  ];
  const out = new Uint8Array(CONTEXT_BYTES);
  let at = 0;
  for (const part of parts) for (const v of part) out[at++] = Number.isNaN(v) ? OFF_CARD : Math.min(254, Math.round(v));
  return out;
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
  for (let i = at; i < end; i++) out[i - at] = hexByteAt(hex, i) - 128;
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

/** 1 − the correlation of two equally long lists of numbers. */
function correlationDistance(u: ArrayLike<number>, v: ArrayLike<number>): number {
  const n = u.length;
  let mu = 0;
  let mv = 0;
  for (let i = 0; i < n; i++) {
    mu += u[i]!;
    mv += v[i]!;
  }
  mu /= n || 1;
  mv /= n || 1;
  let dot = 0;
  let nu = 0;
  let nv = 0;
  for (let i = 0; i < n; i++) {
    dot += (u[i]! - mu) * (v[i]! - mv);
    nu += (u[i]! - mu) ** 2;
    nv += (v[i]! - mv) ** 2;
  }
  const corr = nu && nv ? dot / Math.sqrt(nu * nv) : 0;
  return Math.round((1 - corr) * 10000) / 10000;
}

/** The head part's layout and tone distances (hex strings starting at the layout). */
function headDistance(a: string, b: string, at: number, bAt: number) {
  const la: number[] = [];
  const lb: number[] = [];
  for (let i = 0; i < FACE_LAYOUT * FACE_LAYOUT; i++) {
    la.push(hexByteAt(a, at + i));
    lb.push(hexByteAt(b, bAt + i));
  }
  let dc = 0;
  const tones = 2 * FACE_CHROMA * FACE_CHROMA;
  for (let i = FACE_LAYOUT * FACE_LAYOUT; i < FACE_LAYOUT * FACE_LAYOUT + tones; i++) dc += Math.abs(hexByteAt(a, at + i) - hexByteAt(b, bAt + i));
  return { layout: correlationDistance(la, lb), chroma: Math.round((dc / tones) * 10) / 10 };
}

/**
 * How alike two heads' surroundings are, on the cells both signatures have: `luma`, 1 − the
 * correlation of their luma cells; `tone`, the mean absolute difference of their Cb/Cr cells.
 * Null when either has no context (scheme 2) or they share under half their cells.
 */
function contextDistance(a: string, b: string): { luma: number; tone: number } | null {
  const end = CONTEXT_AT + CONTEXT_BYTES;
  if (a.length !== 2 * end || b.length !== 2 * end) return null;
  const u: number[] = [];
  const v: number[] = [];
  const lumaCells = CONTEXT.luma * CONTEXT.luma;
  for (let i = CONTEXT_AT; i < CONTEXT_AT + lumaCells; i++) {
    const x = hexByteAt(a, i);
    const y = hexByteAt(b, i);
    if (x !== OFF_CARD && y !== OFF_CARD) {
      u.push(x);
      v.push(y);
    }
  }
  if (u.length < lumaCells / 2) return null;
  let dc = 0;
  let n = 0;
  for (let i = CONTEXT_AT + lumaCells; i < end; i++) {
    const x = hexByteAt(a, i);
    const y = hexByteAt(b, i);
    if (x !== OFF_CARD && y !== OFF_CARD) {
      dc += Math.abs(x - y);
      n++;
    }
  }
  return { luma: correlationDistance(u, v), tone: Math.round((dc / (n || 1)) * 10) / 10 };
}

export type FaceDistance = { detail: number; layout: number; chroma: number; card: number; context: { luma: number; tone: number } | null };

/**
 * How far two signatures (scheme 2 or 3) are, part by part: `detail`, 1 − the best correlation of
 * their inner faces' detail (0 = the features in the same places); `layout`, 1 − the correlation
 * of their head boxes' luma; `chroma`, the mean absolute difference of their tone cells (0–255);
 * `card`, the whole card's signatureDistance; `context` (both scheme 3). Infinity for a malformed signature.
 */
export function faceDistance(a: string, b: string): FaceDistance {
  const cardEnd = FACE_BYTES + CARD_SIGNATURE_BYTES;
  if (a.length < 2 * cardEnd || b.length < 2 * cardEnd) return { detail: Infinity, layout: Infinity, chroma: Infinity, card: Infinity, context: null };
  return {
    detail: shiftedCorrelationDistance(centred(a, 0, LAYOUT_AT), centred(b, 0, LAYOUT_AT), FACE_DETAIL),
    ...headDistance(a, b, LAYOUT_AT, LAYOUT_AT),
    card: signatureDistance(a.slice(2 * FACE_BYTES, 2 * cardEnd), b.slice(2 * FACE_BYTES, 2 * cardEnd)),
    context: contextDistance(a, b),
  };
}

/** Where a signature's head part (layout, then skin and hair tone) sits, in hex characters. */
const HEAD_PART = { from: 2 * LAYOUT_AT, length: 2 * (FACE_BYTES - LAYOUT_AT) };
/** The head part of a scheme-2 or -3 signature (what `isNearFace` compares). */
export const faceHead = (signature: string) => signature.slice(HEAD_PART.from, HEAD_PART.from + HEAD_PART.length);
/** The head part's layout bytes (then its tone bytes). */
export const HEAD_LAYOUT_BYTES = FACE_LAYOUT * FACE_LAYOUT;
export const HEAD_TONE_BYTES = 2 * FACE_CHROMA * FACE_CHROMA;
/** The head part as raw bytes (face-key.ts's input). */
export const headBytes = (face: Uint8Array) => face.subarray(LAYOUT_AT, FACE_BYTES);

/**
 * The cheap half of `isSamePicture`: the fingerprints and the head part only (328 of 3,480 bytes).
 * The duplicate lookup reads just this part for every candidate and the whole signature only for
 * those that pass. Never false where isSamePicture is true.
 */
export function isNearFace(a: { fingerprint: string; signature: string }, b: { fingerprint: string; head: string }): boolean {
  if (hammingDistance(a.fingerprint, b.fingerprint) > FACE_MATCH.hash) return false;
  const mine = faceHead(a.signature);
  if (mine.length !== HEAD_PART.length || b.head.length !== HEAD_PART.length) return true; // malformed: let the full rule decide
  const d = headDistance(mine, b.head, 0, 0);
  return d.layout <= FACE_MATCH.layout && d.chroma <= FACE_MATCH.chroma;
}

/**
 * The rule's limits, chosen from the measured gap between copies and distinct students
 * (`npm run bench -- checks`; BENCHMARKS.md, photo checks). Every copy is within `hash`, `layout`
 * and `chroma`; then one of two ways:
 * - the framing was kept (re-encoded, resized, PNG, darkened): the whole card within `card`, with
 *   a detail that does not say outright the faces differ (`cardDetail`: two classmates framed
 *   alike can have nearly the same card);
 * - the head moved in the frame (a crop): the head's layout within `faceLayout`, its surroundings
 *   (collar, shoulders, backdrop beside it) within `contextLuma` and `contextTone`, and the inner
 *   face's detail within `detail` at the best of ALIGNMENTS (tried below `alignFrom`). The surroundings are what tell apart
 *   two different students whose faces' detail is faint (dark skin on a card, low contrast).
 * Scheme-2 rows (no context, detail over SCHEME2_INNER) keep their own crop rule: `detail` ≤
 * `scheme2Detail`, unaligned, against the photo's detail over the same region.
 */
export const FACE_MATCH = {
  hash: 10,
  layout: 0.015,
  chroma: 6,
  card: 1.5,
  cardDetail: 0.32,
  faceLayout: 0.008,
  contextLuma: 0.01,
  contextTone: 4,
  detail: 0.055,
  /** Beyond this unaligned detail, no alignment is tried: crops measured at most 0.33; ALIGNMENTS cost ~2.6 ms per photo that tries them. */
  alignFrom: 0.4,
  scheme2Detail: 0.06,
};

type Checked = { fingerprint: string; signature: string; alignedDetails?: () => Int16Array[]; scheme2Detail?: () => Int16Array };

/** A scheme-2 signature: face and card parts only (no surroundings), its detail over SCHEME2_INNER. */
const isScheme2 = (signature: string) => signature.length === 2 * (FACE_BYTES + CARD_SIGNATURE_BYTES);

/**
 * The one rule for "the same picture" between two scheme-2/3 signatures. `a` is the photo being
 * checked: it brings the details it can still work out from its pixels (`alignedDetails` for the
 * crop way, `scheme2Detail` for a scheme-2 `b`).
 */
export function isSamePicture(a: Checked, b: Checked): boolean {
  if (hammingDistance(a.fingerprint, b.fingerprint) > FACE_MATCH.hash) return false;
  const d = faceDistance(a.signature, b.signature);
  const m = FACE_MATCH;
  if (d.layout > m.layout || d.chroma > m.chroma) return false;
  if (isScheme2(b.signature) && !isScheme2(a.signature) && a.scheme2Detail)
    d.detail = shiftedCorrelationDistance(a.scheme2Detail(), centred(b.signature, 0, LAYOUT_AT), FACE_DETAIL);
  if (d.card <= m.card && d.detail <= m.cardDetail) return true;
  if (!d.context) return isScheme2(b.signature) && d.detail <= m.scheme2Detail;
  if (d.layout > m.faceLayout || d.context.luma > m.contextLuma || d.context.tone > m.contextTone) return false;
  if (d.detail <= m.detail) return true;
  if (!a.alignedDetails || d.detail > m.alignFrom) return false;
  const theirs = centred(b.signature, 0, LAYOUT_AT);
  return a.alignedDetails().some((mine) => shiftedCorrelationDistance(mine, theirs, FACE_DETAIL) <= m.detail);
}
