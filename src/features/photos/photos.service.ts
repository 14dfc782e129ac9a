import { timeSortableId } from "../../shared/ids";
import { conflict, notFound } from "../../http/errors";
import { PHOTO_SIZES, type ProcessedPhoto } from "../../imaging/pipeline";
import { homeIdOf } from "../../storage/homes";
import { photoKey, retiredPhotoKey } from "../../storage/keys";
import { auditStatement } from "../audit/audit.repo";
import { nowIso } from "../common.schemas";
import { requireStudent, type StudentRecord } from "../students/students.service";
import {
  clearPointerStatement,
  forgetVersionStatements,
  insertRetiredVersion,
  movePointerStatement,
  pointerFollowers,
  restorePointerStatement,
  retireAllVersionsStatement,
  selectPurgeableVersions,
  selectVersionWithWarnings,
  versionKept,
  type PhotoWarning,
} from "./photos.repo";
import { syncPhotoObjects } from "./photo-objects";
import { runPhotoChecks, type ChecksOutcome } from "./checks.service";
import { signPhotoUrl, urlExpiry } from "./signed-urls";

export type { PhotoVersionRow } from "./photos.repo";

/** Version ids sort by creation time; an upload's version is derived from the upload id so a redelivered message writes the same keys. */
export const newVersionId = (nowMs = Date.now()) => timeSortableId(5, nowMs);
export const uploadVersionId = (uploadId: string) => `u${uploadId}`;

export type SetPhotoOptions = {
  actor: string;
  source: "api" | "upload";
  version: string;
  uploadId?: string | null;
  /** The bulk-upload row setting it (the duplicate check reports a pair within an upload on the later row). */
  uploadRow?: number | null;
  /** Move the pointer only if the current version is still this one (bulk rows: never undo a newer change). */
  expectedCurrent?: string | null;
  /** Statements that must commit in the same transaction as the pointer move. */
  alsoInTransaction?: D1PreparedStatement[];
  /** More of them, from the checks' outcome (a bulk row records its warnings, and those of later rows, with its outcome). */
  afterChecks?: (outcome: ChecksOutcome) => D1PreparedStatement[];
};

/**
 * Makes `processed` the student's photo. Order matters for crash safety: the version row is
 * written retired, then the bytes (into the served space: no URL names them until the pointer
 * moves), then one transaction moves the pointer, then the replaced version's bytes move to the
 * retired space (syncPhotoObjects; see photo-objects.ts for why in this order). A crash before
 * the pointer moves leaves the old photo served and an orphan the retention purge removes.
 * The photo checks run between the version row and the bytes (checks.service.ts); their
 * warnings commit with the pointer move.
 * Returns whether the pointer moved (false: the expected current version had changed) and the
 * photo's warnings.
 */
export async function setStudentPhoto(env: Env, org: string, studentId: string, processed: ProcessedPhoto, opts: SetPhotoOptions) {
  const { DB: db, PHOTOS: bucket } = env;
  const now = nowIso();
  const bytes = PHOTO_SIZES.reduce((n, s) => n + processed.renditions[s].byteLength, 0);
  await insertRetiredVersion(db, {
    org,
    student_id: studentId,
    version: opts.version,
    source: opts.source,
    upload_id: opts.uploadId ?? null,
    width: processed.info.width,
    height: processed.info.height,
    bytes,
    created_at: now,
  });
  const checks = await runPhotoChecks(
    db,
    { org, studentId, version: opts.version, uploadId: opts.uploadId ?? null, uploadRow: opts.uploadRow ?? null },
    processed.checks,
  );
  await Promise.all(
    PHOTO_SIZES.map((size) =>
      bucket.put(photoKey(org, studentId, opts.version, size), processed.renditions[size], {
        httpMetadata: { contentType: "image/jpeg" },
      }),
    ),
  );
  // Recorded only if the pointer now names this version (a conditional move may not have happened).
  const audit = auditStatement(
    db,
    {
      org,
      actor: opts.actor,
      action: opts.source === "upload" ? "photo.set_by_upload" : "photo.set",
      student_id: studentId,
      upload_id: opts.uploadId ?? null,
      details: { version: opts.version, width: processed.info.width, height: processed.info.height },
    },
    now,
    opts.version,
  );
  const [moved] = await db.batch([
    movePointerStatement(db, org, studentId, opts.version, now, opts.expectedCurrent),
    ...pointerFollowers(db, org, studentId, opts.version, now),
    ...checks.statements,
    ...(opts.alsoInTransaction ?? []),
    ...(opts.afterChecks?.(checks) ?? []),
    audit,
  ]);
  // Also when the pointer did not move: the new bytes then leave the served space again.
  await syncPhotoObjects(env, org, [studentId]);
  return { moved: (moved?.meta.changes ?? 0) > 0, warnings: checks.warnings };
}

/** Stops lookups handing out the photo at once, its URLs once its bytes move to the retired space; they stay restorable for the retention window. */
export async function deleteStudentPhoto(env: Pick<Env, "DB" | "PHOTOS">, org: string, studentId: string, actor: string) {
  const db = env.DB;
  const student = await requireStudent(db, org, studentId);
  if (!student.photo_version) throw notFound("This student's photo");
  const now = nowIso();
  await db.batch([
    clearPointerStatement(db, org, studentId, now),
    retireAllVersionsStatement(db, org, studentId, now),
    auditStatement(db, { org, actor, action: "photo.delete", student_id: studentId, details: { version: student.photo_version } }, now),
  ]);
  await syncPhotoObjects(env, org, [studentId]);
}

/**
 * The version Restore would bring back: the one the current photo replaced (or the deleted one),
 * as long as its bytes are still kept (the retention purge removes them). The one rule behind
 * both POST …/photo/restore and the student's `can_restore`.
 */
export async function restorableVersion(db: D1Database, student: StudentRecord): Promise<string | null> {
  if (!student.restore_version) return null;
  return versionKept(db, student.org, student.id, student.restore_version);
}

/** Swaps in the version the current one replaced (or the deleted one); restoring twice undoes the restore. */
export async function restoreStudentPhoto(env: Pick<Env, "DB" | "PHOTOS">, org: string, studentId: string, actor: string) {
  const db = env.DB;
  const student = await requireStudent(db, org, studentId);
  const version = await restorableVersion(db, student);
  if (!version) {
    throw conflict(
      "nothing_to_restore",
      "There is no earlier photo to restore for this student (none was replaced or deleted, or it is older than the retention window).",
    );
  }
  const now = nowIso();
  await db.batch([
    restorePointerStatement(db, org, studentId, version, now),
    ...pointerFollowers(db, org, studentId, version, now),
    auditStatement(db, { org, actor, action: "photo.restore", student_id: studentId, details: { version, replaced: student.photo_version } }, now),
  ]);
  await syncPhotoObjects(env, org, [studentId]);
}

/** The `photo` object of the API for a student's current version, with signed URLs (admin routes only: review URLs). */
export async function describePhoto(env: Env, origin: string, student: StudentRecord) {
  if (!student.photo_version) return null;
  const v = await selectVersionWithWarnings(env.DB, student.org, student.id, student.photo_version);
  if (!v) return null;
  const exp = urlExpiry(Date.now(), Number(env.URL_TTL_SECONDS));
  const [thumb, card, full] = await Promise.all(
    PHOTO_SIZES.map((size) =>
      signPhotoUrl(
        env.URL_SIGNING_SECRET,
        origin,
        { home: homeIdOf(env), org: student.org, studentId: student.id, version: v.version, size, review: true },
        exp,
      ),
    ),
  );
  return {
    version: v.version,
    updated_at: student.photo_updated_at ?? v.created_at,
    source: v.source,
    upload_id: v.upload_id,
    width: v.width,
    height: v.height,
    urls: { thumb: thumb!, card: card!, full: full! },
    warnings: JSON.parse(v.warnings ?? "[]") as PhotoWarning[],
  };
}

/**
 * Cron: deletes versions retired longer than the retention window (bytes first, then rows), and
 * clears restore pointers that named them. Bounded per run; the next run continues.
 */
export async function purgeRetiredVersions(env: Env, nowMs = Date.now(), maxVersions = 2000) {
  const cutoff = new Date(nowMs - Number(env.PHOTO_RETENTION_DAYS) * 86_400_000).toISOString();
  const results = await selectPurgeableVersions(env.DB, cutoff, maxVersions);
  for (let i = 0; i < results.length; i += 300) {
    const chunk = results.slice(i, i + 300);
    // Both spaces: a retired version is in retired/, the orphan of a set that crashed before its
    // pointer moved is still in photos/. R2 deletes at most 1000 keys per call.
    const keys = chunk.flatMap((v) =>
      PHOTO_SIZES.flatMap((size) => [retiredPhotoKey(v.org, v.student_id, v.version, size), photoKey(v.org, v.student_id, v.version, size)]),
    );
    for (let k = 0; k < keys.length; k += 1000) await env.PHOTOS.delete(keys.slice(k, k + 1000));
    await env.DB.batch(chunk.flatMap((v) => forgetVersionStatements(env.DB, v)));
  }
  return results.length;
}
