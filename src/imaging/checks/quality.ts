/**
 * The quality findings of a photo (pure): what its displayed size and its thumb's luma say.
 * Which warning a fact raises is decided here, from QUALITY_THRESHOLDS; the words are
 * src/shared/problem-codes.ts's.
 */
import type { Planes } from "../planes";

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

export type CheckCode = "low_resolution" | "too_dark" | "too_bright" | "blank_image" | "not_a_portrait";
export type QualityFinding = { code: CheckCode; facts: Record<string, number> };

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

/** What the thumb's luma says: blank, too dark or too bright (at most one of them). */
export function lumaFindings(thumb: Planes): QualityFinding[] {
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
  if (std < t.blankStdDev) return [{ code: "blank_image", facts: { luma_stddev: round(std), threshold: t.blankStdDev } }];
  if (mean < t.tooDarkMean) return [{ code: "too_dark", facts: { mean_luma: round(mean), threshold: t.tooDarkMean } }];
  if (mean > t.tooBrightMean) return [{ code: "too_bright", facts: { mean_luma: round(mean), threshold: t.tooBrightMean } }];
  return [];
}
