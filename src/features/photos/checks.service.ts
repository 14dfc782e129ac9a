/**
 * The photo checks' rules (issue 13): the quality findings of src/imaging/checks.ts become
 * warnings in the words of src/shared/problem-codes.ts, and a near-identical fingerprint on
 * another student's photo becomes `possible_duplicate`. A warning never blocks the photo.
 *
 * Duplicates are found through photo_checks' band indexes (photos.repo.ts selectHashCandidates),
 * never by comparing images. Within one bulk upload, rows are processed concurrently: each writes
 * its fingerprint before looking, so of two rows with the same picture at least one sees the other,
 * and the pair is always reported on the LATER row (whichever of the two happens to find it), with
 * statements that change nothing when repeated: the same outcome whatever the order.
 */
import { hammingDistance, isNearFace, isSameCardPicture, isSamePicture, type PhotoChecks } from "../../imaging/checks";
import { problemWording } from "../../shared/problem-codes";
import { addVersionWarningStatement, checkKey, insertChecks, selectCheckSignatures, selectHashCandidates, type PhotoWarning } from "./photos.repo";

export type { PhotoWarning } from "./photos.repo";

/** Near candidates whose whole signature is read and compared, closest first. */
const MAX_VERIFIED = 20;

export type ChecksContext = { org: string; studentId: string; version: string; uploadId: string | null; uploadRow: number | null };

export type ChecksOutcome = {
  /** This photo's warnings. */
  warnings: PhotoWarning[];
  /** Statements to commit with the pointer move (duplicate warnings on versions). */
  statements: D1PreparedStatement[];
  /** Later rows of the same upload that hold the same picture as this one: the warning is theirs. */
  laterRows: { row: number; warning: PhotoWarning }[];
};

/**
 * `details.version` is the other student's photo that matched: the warning stays open only while
 * that is still their photo (photos.repo.ts openWarningSql), so replacing or deleting either
 * picture of the pair closes it.
 */
function duplicateWarning(other: { studentId: string; version: string }, distance: number, sameUpload: boolean): PhotoWarning {
  const where = sameUpload ? "in this upload" : "on file";
  return {
    code: "possible_duplicate",
    message: `The same or a nearly identical picture is the photo of student ${other.studentId} (${where}). Check that each student has their own picture.`,
    details: { student_id: other.studentId, version: other.version, distance, where: sameUpload ? "upload" : "on_file" },
  };
}

/** Records the fingerprint and quality warnings, then looks for the same picture on other students. */
export async function runPhotoChecks(db: D1Database, ctx: ChecksContext, checks: PhotoChecks): Promise<ChecksOutcome> {
  const quality: PhotoWarning[] = checks.findings.map((f) => ({ code: f.code, message: problemWording(f.code).explain, details: f.facts }));
  await insertChecks(db, {
    org: ctx.org,
    student_id: ctx.studentId,
    version: ctx.version,
    fingerprint: checks.fingerprint,
    signature: checks.signature,
    bands: checks.bands,
    upload_id: ctx.uploadId,
    upload_row: ctx.uploadRow,
    warnings: quality,
  });
  const candidates = await selectHashCandidates(
    db,
    ctx.org,
    ctx.studentId,
    { probes: checks.probes, scheme2: checks.scheme2Bands, scheme1: checks.legacy.bands },
    ctx.uploadId,
  );
  // Scheme-2 and -3 candidates came with their signature's head part only: the few that pass the
  // cheap half of the rule are read whole (one more query, usually none).
  // A row stored before the face signature (scheme 1) is compared by its own whole-card rule.
  const mineFor = (c: { scheme: number }) => (c.scheme === 1 ? checks.legacy : checks);
  // Closest first, then by student id: the one named is the same on every run.
  const allNear = candidates
    .filter((c) => c.scheme === 1 || isNearFace(checks, { fingerprint: c.fingerprint, head: c.signature }))
    .map((c) => ({ ...c, distance: hammingDistance(mineFor(c).fingerprint, c.fingerprint) }))
    .sort((a, b) => a.distance - b.distance || a.student_id.localeCompare(b.student_id));
  // The closest MAX_VERIFIED only: one match names the other student, and a school where the same
  // picture is on hundreds of students (a placeholder image) must not read hundreds of whole
  // signatures per photo (the 1,000-row queue test did: 5.6 MB per row). Logged when it happens.
  const near = allNear.slice(0, MAX_VERIFIED);
  if (allNear.length > MAX_VERIFIED)
    console.warn(JSON.stringify({ at: "checks.verified_capped", org: ctx.org, student_id: ctx.studentId, near: allNear.length, cap: MAX_VERIFIED }));
  const whole = await selectCheckSignatures(
    db,
    ctx.org,
    near.filter((c) => c.scheme !== 1),
  );
  // Still closest first (near is sorted).
  const matches = near
    .map((c) => ({ ...c, signature: c.scheme === 1 ? c.signature : (whole.get(checkKey(c)) ?? "") }))
    // The hash finds the candidates; the signature tells a copy from a classmate with the same framing.
    .filter((c) => (c.scheme === 1 ? isSameCardPicture(checks.legacy, c) : isSamePicture(checks, c)));

  const outcome: ChecksOutcome = { warnings: [...quality], statements: [], laterRows: [] };
  let mine: PhotoWarning | null = null;
  for (const m of matches) {
    const sameUpload = ctx.uploadId !== null && m.upload_id === ctx.uploadId;
    if (sameUpload && m.upload_row !== null && ctx.uploadRow !== null && m.upload_row > ctx.uploadRow) {
      const theirs = duplicateWarning({ studentId: ctx.studentId, version: ctx.version }, m.distance, true);
      outcome.statements.push(addVersionWarningStatement(db, ctx.org, m.student_id, m.version, theirs));
      outcome.laterRows.push({ row: m.upload_row, warning: theirs });
    } else if (!mine) {
      mine = duplicateWarning({ studentId: m.student_id, version: m.version }, m.distance, sameUpload);
    }
  }
  if (mine) {
    outcome.warnings.push(mine);
    outcome.statements.push(addVersionWarningStatement(db, ctx.org, ctx.studentId, ctx.version, mine));
  }
  return outcome;
}
