import { timeSortableId } from "../shared/ids";
import { PHOTO_SIZES, type PhotoSize, type ProcessedPhoto } from "./imaging";
import { auditStatement } from "./audit";
import { signPhotoUrl, urlExpiry } from "./signed-urls";
import { getStudentRecord, type StudentRecord } from "./students";
import { conflict, notFound } from "../lib/errors";
import { nowIso } from "../schemas/common";

export type PhotoVersionRow = {
  org: string;
  student_id: string;
  version: string;
  source: "api" | "upload";
  upload_id: string | null;
  width: number;
  height: number;
  bytes: number;
  created_at: string;
  retired_at: string | null;
};

const studentPrefix = (org: string, studentId: string) => `orgs/${org}/photos/${encodeURIComponent(studentId)}/`;
export const photoKey = (org: string, studentId: string, version: string, size: PhotoSize) =>
  `${studentPrefix(org, studentId)}${version}/${size}.jpg`;

/** Version ids sort by creation time; an upload's version is derived from the upload id so a redelivered message writes the same keys. */
export const newVersionId = (nowMs = Date.now()) => timeSortableId(5, nowMs);
export const uploadVersionId = (uploadId: string) => `u${uploadId}`;

export type SetPhotoOptions = {
  actor: string;
  source: "api" | "upload";
  version: string;
  uploadId?: string | null;
  /** Move the pointer only if the current version is still this one (bulk rows: never undo a newer change). */
  expectedCurrent?: string | null;
  /** Statements that must commit in the same transaction as the pointer move. */
  alsoInTransaction?: D1PreparedStatement[];
};

/**
 * Makes `processed` the student's photo. Order matters for crash safety: the version row is
 * written retired, then the bytes, then one transaction moves the pointer. A crash before the
 * pointer moves leaves the old photo served and an orphan the retention purge removes.
 * Returns whether the pointer moved (false: the expected current version had changed).
 */
export async function setStudentPhoto(env: Env, org: string, studentId: string, processed: ProcessedPhoto, opts: SetPhotoOptions) {
  const { DB: db, PHOTOS: bucket } = env;
  const now = nowIso();
  const bytes = PHOTO_SIZES.reduce((n, s) => n + processed.renditions[s].byteLength, 0);
  await db
    .prepare(
      `INSERT INTO photo_versions (org, student_id, version, source, upload_id, width, height, bytes, created_at, retired_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) ON CONFLICT DO NOTHING`,
    )
    .bind(org, studentId, opts.version, opts.source, opts.uploadId ?? null, processed.info.width, processed.info.height, bytes, now)
    .run();
  await Promise.all(
    PHOTO_SIZES.map((size) =>
      bucket.put(photoKey(org, studentId, opts.version, size), processed.renditions[size], {
        httpMetadata: { contentType: "image/jpeg" },
      }),
    ),
  );
  const conditional = opts.expectedCurrent !== undefined;
  // Recorded only if the pointer now names this version (a conditional move may not have happened).
  const audit = db
    .prepare(
      `INSERT INTO audit_events (org, at, actor, action, student_id, upload_id, details)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM students WHERE org = ?1 AND id = ?5 AND photo_version = ?8)`,
    )
    .bind(
      org,
      now,
      opts.actor,
      opts.source === "upload" ? "photo.set_by_upload" : "photo.set",
      studentId,
      opts.uploadId ?? null,
      JSON.stringify({ version: opts.version, width: processed.info.width, height: processed.info.height }),
      opts.version,
    );
  const [moved] = await db.batch([
    db
      .prepare(
        `UPDATE students SET restore_version = photo_version, photo_version = ?3, photo_updated_at = ?4, updated_at = ?4
         WHERE org = ?1 AND id = ?2 AND photo_version IS NOT ?3 ${conditional ? "AND photo_version IS ?5" : ""}`,
      )
      .bind(org, studentId, opts.version, now, ...(conditional ? [opts.expectedCurrent] : [])),
    ...pointerFollowers(db, org, studentId, opts.version, now),
    ...(opts.alsoInTransaction ?? []),
    audit,
  ]);
  return (moved?.meta.changes ?? 0) > 0;
}

/** After a pointer move to `current`: every other version is retired, `current` is not (no-ops if the pointer did not move). */
function pointerFollowers(db: D1Database, org: string, studentId: string, current: string, now: string) {
  const pointerIs = "EXISTS (SELECT 1 FROM students WHERE org = ?1 AND id = ?2 AND photo_version = ?3)";
  return [
    db
      .prepare(`UPDATE photo_versions SET retired_at = ?4 WHERE org = ?1 AND student_id = ?2 AND version <> ?3 AND retired_at IS NULL AND ${pointerIs}`)
      .bind(org, studentId, current, now),
    db
      .prepare(`UPDATE photo_versions SET retired_at = NULL WHERE org = ?1 AND student_id = ?2 AND version = ?3 AND ${pointerIs}`)
      .bind(org, studentId, current),
  ];
}

function retireAllVersions(db: D1Database, org: string, studentId: string, now: string) {
  return db.prepare("UPDATE photo_versions SET retired_at = ?3 WHERE org = ?1 AND student_id = ?2 AND retired_at IS NULL").bind(org, studentId, now);
}

/** Stops serving the student's photo at once (image requests check the pointer); the bytes stay restorable for the retention window. */
export async function deleteStudentPhoto(db: D1Database, org: string, studentId: string, actor: string) {
  const student = await requireStudent(db, org, studentId);
  if (!student.photo_version) throw notFound("This student's photo");
  const now = nowIso();
  await db.batch([
    db
      .prepare(
        `UPDATE students SET restore_version = photo_version, photo_version = NULL, photo_updated_at = ?3, updated_at = ?3
         WHERE org = ?1 AND id = ?2`,
      )
      .bind(org, studentId, now),
    retireAllVersions(db, org, studentId, now),
    auditStatement(db, { org, actor, action: "photo.delete", student_id: studentId, details: { version: student.photo_version } }, now),
  ]);
}

/**
 * The version Restore would bring back: the one the current photo replaced (or the deleted one),
 * as long as its bytes are still kept (the retention purge removes them). The one rule behind
 * both POST …/photo/restore and the student's `can_restore`.
 */
export async function restorableVersion(db: D1Database, student: StudentRecord): Promise<string | null> {
  if (!student.restore_version) return null;
  const row = await db
    .prepare("SELECT version FROM photo_versions WHERE org = ?1 AND student_id = ?2 AND version = ?3")
    .bind(student.org, student.id, student.restore_version)
    .first<{ version: string }>();
  return row?.version ?? null;
}

/** Swaps in the version the current one replaced (or the deleted one); restoring twice undoes the restore. */
export async function restoreStudentPhoto(db: D1Database, org: string, studentId: string, actor: string) {
  const student = await requireStudent(db, org, studentId);
  const version = await restorableVersion(db, student);
  if (!version) {
    throw conflict("nothing_to_restore", "There is no earlier photo to restore for this student (none was replaced or deleted, or it is older than the retention window).");
  }
  const now = nowIso();
  await db.batch([
    db
      .prepare(
        `UPDATE students SET restore_version = photo_version, photo_version = ?3, photo_updated_at = ?4, updated_at = ?4
         WHERE org = ?1 AND id = ?2 AND restore_version = ?3`,
      )
      .bind(org, studentId, version, now),
    ...pointerFollowers(db, org, studentId, version, now),
    auditStatement(db, { org, actor, action: "photo.restore", student_id: studentId, details: { version, replaced: student.photo_version } }, now),
  ]);
}

export async function requireStudent(db: D1Database, org: string, studentId: string) {
  const student = await getStudentRecord(db, org, studentId);
  if (!student) throw notFound("That student");
  return student;
}

export async function deleteR2Prefix(bucket: R2Bucket, prefix: string) {
  let cursor: string | undefined;
  let deleted = 0;
  do {
    const page = await bucket.list({ prefix, cursor, limit: 1000 });
    const keys = page.objects.map((o) => o.key);
    // R2 deletes up to 1000 keys per call.
    if (keys.length) await bucket.delete(keys);
    deleted += keys.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}

/** Removes the student, every photo version's bytes and rows, at once. */
export async function deleteStudent(env: Env, org: string, studentId: string, actor: string) {
  const student = await requireStudent(env.DB, org, studentId);
  await env.DB.batch([
    env.DB.prepare("DELETE FROM students WHERE org = ?1 AND id = ?2").bind(org, studentId),
    env.DB.prepare("DELETE FROM photo_versions WHERE org = ?1 AND student_id = ?2").bind(org, studentId),
    auditStatement(env.DB, { org, actor, action: "student.delete", student_id: studentId, details: { had_photo: student.photo_version !== null } }),
  ]);
  await deleteR2Prefix(env.PHOTOS, studentPrefix(org, studentId));
}

async function getPhotoVersion(db: D1Database, org: string, studentId: string, version: string) {
  return db
    .prepare("SELECT * FROM photo_versions WHERE org = ?1 AND student_id = ?2 AND version = ?3")
    .bind(org, studentId, version)
    .first<PhotoVersionRow>();
}

/** The `photo` object of the API for a student's current version, with signed URLs. */
export async function describePhoto(env: Env, origin: string, student: StudentRecord) {
  if (!student.photo_version) return null;
  const v = await getPhotoVersion(env.DB, student.org, student.id, student.photo_version);
  if (!v) return null;
  const exp = urlExpiry(Date.now(), Number(env.URL_TTL_SECONDS));
  const [thumb, card, full] = await Promise.all(
    PHOTO_SIZES.map((size) => signPhotoUrl(env.URL_SIGNING_SECRET, origin, { org: student.org, studentId: student.id, version: v.version, size }, exp)),
  );
  return {
    version: v.version,
    updated_at: student.photo_updated_at ?? v.created_at,
    source: v.source,
    upload_id: v.upload_id,
    width: v.width,
    height: v.height,
    urls: { thumb: thumb!, card: card!, full: full! },
  };
}

/**
 * Cron: deletes versions retired longer than the retention window (bytes first, then rows), and
 * clears restore pointers that named them. Bounded per run; the next run continues.
 */
export async function purgeRetiredVersions(env: Env, nowMs = Date.now(), maxVersions = 2000) {
  const cutoff = new Date(nowMs - Number(env.PHOTO_RETENTION_DAYS) * 86_400_000).toISOString();
  const { results } = await env.DB.prepare(
    `SELECT v.org, v.student_id, v.version FROM photo_versions v
     WHERE v.retired_at IS NOT NULL AND v.retired_at < ?1
       AND NOT EXISTS (SELECT 1 FROM students s WHERE s.org = v.org AND s.id = v.student_id AND s.photo_version = v.version)
     LIMIT ?2`,
  )
    .bind(cutoff, maxVersions)
    .all<{ org: string; student_id: string; version: string }>();
  for (let i = 0; i < results.length; i += 300) {
    const chunk = results.slice(i, i + 300);
    await env.PHOTOS.delete(chunk.flatMap((v) => PHOTO_SIZES.map((size) => photoKey(v.org, v.student_id, v.version, size))));
    await env.DB.batch(
      chunk.flatMap((v) => [
        env.DB.prepare("DELETE FROM photo_versions WHERE org = ?1 AND student_id = ?2 AND version = ?3").bind(v.org, v.student_id, v.version),
        env.DB.prepare("UPDATE students SET restore_version = NULL WHERE org = ?1 AND id = ?2 AND restore_version = ?3").bind(v.org, v.student_id, v.version),
      ]),
    );
  }
  return results.length;
}
