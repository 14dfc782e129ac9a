/**
 * The photo checks' measurements (pure, no HTTP or D1), computed from planes the pipeline already
 * holds (the thumb's and the card's), so a photo is never decoded a second time for them:
 *   checks/quality.ts    low_resolution, not_a_portrait (from the size), blank, dark, bright (luma)
 *   checks/card-hash.ts  the whole card's pHash and signature (scheme 1, and the card part of all)
 *   checks/head-box.ts   where the head is on the card
 *   checks/face.ts       the face-aligned signature and the one rule for "the same picture"
 *   checks/face-key.ts   the duplicate lookup's keys (scheme 3)
 * src/features/photos/checks.service.ts decides what becomes a warning; thresholds and their
 * measurements: README (*Checks on every photo*), BENCHMARKS.md (photo checks).
 */
import type { Planes } from "./planes";
import { toHex } from "../shared/hex";
import { cardSignature, hashBands, perceptualHash } from "./checks/card-hash";
import { faceMeasures, headBytes } from "./checks/face";
import { faceKey } from "./checks/face-key";
import { lumaFindings, type QualityFinding, sizeFindings } from "./checks/quality";

export { hammingDistance, isSameCardPicture } from "./checks/card-hash";
export { FACE_MATCH, faceDistance, faceHead, isNearFace, isSamePicture } from "./checks/face";
export { type CheckCode, type QualityFinding, QUALITY_THRESHOLDS, sizeFindings } from "./checks/quality";

/** The scheme a new photo's checks are stored under (photo_checks.scheme; schema.sql lists them). */
export const CHECKS_SCHEME = 3;

/** A fingerprint, its verification signature and its four indexed bands (the lookup's keys). */
export type Fingerprint = { fingerprint: string; signature: string; bands: number[] };
export type PhotoChecks = Fingerprint & {
  /** Per band, the keys the lookup asks for (face-key.ts). */
  probes: number[][];
  /** The inner face's detail under small moves of the head box, for isSamePicture (worked out on first use). */
  alignedDetails: () => Int16Array[];
  /** The inner face's detail over scheme 2's region, to compare with a scheme-2 row (worked out on first use). */
  scheme2Detail: () => Int16Array;
  /**
   * Scheme 2's bands (the 64-bit face hash's four 16-bit quarters), to find rows stored under scheme
   * 2, whose signature this photo's compares with directly; `legacy` is scheme 1's whole-card
   * fingerprint and signature, for rows stored before migration 0005. Neither is stored.
   */
  scheme2Bands: number[];
  legacy: Fingerprint;
  findings: QualityFinding[];
};

/**
 * The checks of one processed photo: `original` is its displayed size (after EXIF orientation),
 * `thumb` and `card` the pixels the pipeline already holds.
 */
export function checkPhoto(thumb: Planes, card: Planes, original: { width: number; height: number }): PhotoChecks {
  const findings = [...sizeFindings(original.width, original.height), ...lumaFindings(thumb)];
  const legacy = perceptualHash(thumb.y, thumb.width);
  const cardPart = cardSignature(card);
  const face = faceMeasures(card);
  const key = faceKey(headBytes(face.face), face.context);
  return {
    fingerprint: face.fingerprint,
    // Face part, card part, context: the card rides along for copies that kept the framing (face.ts).
    signature: toHex(face.face) + cardPart + toHex(face.context),
    bands: key.bands,
    probes: key.probes,
    alignedDetails: face.alignedDetails,
    scheme2Detail: face.scheme2Detail,
    scheme2Bands: hashBands(face.fingerprint),
    legacy: { fingerprint: legacy, signature: cardPart, bands: hashBands(legacy) },
    findings,
  };
}
