/**
 * The uploads' SQL, all of it: uploads, upload_files, upload_rows and upload_row_warnings. Rows
 * come back as stored; the services shape them. Functions named `…Statement(s)` return statements
 * (not writes) so callers commit them in one batch with what goes with them (audit, photo moves).
 */
import { MAPPING_WARNING_CODES, ARCHIVE_PROBLEM_CODES } from "../../shared/problem-codes";
import { nowIso } from "../common.schemas";
import type { UploadProblem, UploadStatus } from "./uploads.schemas";

export type UploadRow = {
  org: string;
  id: string;
  status: UploadStatus;
  created_by: string;
  created_at: string;
  submitted_at: string | null;
  completed_at: string | null;
  reverted_at: string | null;
  format: string | null;
  mapping_name: string | null;
  archive_status: "extracting" | "extracted" | "failed" | null;
  archive_message: string | null;
  frozen_counts: string | null;
  frozen_problems: string | null;
};

export type UploadFileRow = { name: string; bytes: number; type: string | null; problem_code: string | null; problem_message: string | null };
/** A received image's SHA-256 and displayed size (migration 0005; NULL for other files and files received before). */
export type UploadFileFacts = { sha256: string | null; width: number | null; height: number | null };

export type UploadRowRecord = {
  row: number;
  identifier: string;
  file: string;
  student_id: string | null;
  matched_file: string | null;
  status: "pending" | "processed" | "failed" | "skipped";
  code: string | null;
  message: string | null;
  previous_version: string | null;
  new_version: string | null;
  attempts: number;
};

type RowRef = { org: string; upload_id: string; row: number };

// ───────────────────────────── uploads ─────────────────────────────

export function insertUploadStatement(db: D1Database, org: string, id: string, actor: string, now: string) {
  return db.prepare("INSERT INTO uploads (org, id, status, created_by, created_at) VALUES (?1, ?2, 'draft', ?3, ?4)").bind(org, id, actor, now);
}

export async function selectUpload(db: D1Database, org: string, id: string) {
  return db.prepare("SELECT * FROM uploads WHERE org = ?1 AND id = ?2").bind(org, id).first<UploadRow>();
}

/** Newest first; `after` is the last page's (created_at, id). One row more than `limit` tells whether another page follows. */
export async function selectUploadsPage(db: D1Database, org: string, after: [string, string] | null, limit: number) {
  const { results } = await db
    .prepare(
      `SELECT * FROM uploads WHERE org = ?1 AND (?2 IS NULL OR (created_at, id) < (?2, ?3))
       ORDER BY created_at DESC, id DESC LIMIT ?4`,
    )
    .bind(org, after?.[0] ?? null, after?.[1] ?? null, limit + 1)
    .all<UploadRow>();
  return results;
}

export async function setMappingName(db: D1Database, org: string, id: string, name: string) {
  await db.prepare("UPDATE uploads SET mapping_name = ?3 WHERE org = ?1 AND id = ?2").bind(org, id, name).run();
}

export function startArchiveStatement(db: D1Database, org: string, id: string) {
  return db.prepare("UPDATE uploads SET archive_status = 'extracting', archive_message = NULL WHERE org = ?1 AND id = ?2").bind(org, id);
}

/** Ends an unpacking archive ('extracted' or 'failed'); an archive no longer extracting is left alone. */
export async function endArchive(db: D1Database, org: string, id: string, status: "extracted" | "failed", message: string) {
  await db
    .prepare("UPDATE uploads SET archive_status = ?4, archive_message = ?3 WHERE org = ?1 AND id = ?2 AND archive_status = 'extracting'")
    .bind(org, id, message, status)
    .run();
}

export function submitUploadStatement(db: D1Database, org: string, id: string, now: string, format: string, counts: unknown, problems: unknown) {
  return db
    .prepare(
      `UPDATE uploads SET status = 'processing', submitted_at = ?3, format = ?4, frozen_counts = ?5, frozen_problems = ?6
       WHERE org = ?1 AND id = ?2 AND status = 'draft'`,
    )
    .bind(org, id, now, format, JSON.stringify(counts), JSON.stringify(problems));
}

export function cancelUploadStatements(db: D1Database, org: string, id: string, now: string) {
  return [
    db.prepare("UPDATE uploads SET status = 'cancelled', completed_at = ?3 WHERE org = ?1 AND id = ?2 AND status = 'draft'").bind(org, id, now),
    db.prepare("DELETE FROM upload_files WHERE org = ?1 AND upload_id = ?2").bind(org, id),
  ];
}

export function markRevertedStatement(db: D1Database, org: string, id: string, now: string) {
  return db.prepare("UPDATE uploads SET status = 'reverted', reverted_at = ?3 WHERE org = ?1 AND id = ?2").bind(org, id, now);
}

/**
 * Moves a processing upload to its final status once no row is pending. One conditional UPDATE,
 * so concurrent consumers finishing the last rows cannot both (or neither) finalise it; callers
 * put it in the transaction that settles a row.
 */
export function finalizeStatement(db: D1Database, org: string, uploadId: string) {
  return db
    .prepare(
      `UPDATE uploads SET completed_at = ?3,
         status = CASE
           WHEN (SELECT count(*) FROM upload_rows WHERE org = ?1 AND upload_id = ?2 AND status = 'processed') = 0 THEN 'failed'
           WHEN EXISTS (SELECT 1 FROM upload_rows WHERE org = ?1 AND upload_id = ?2 AND (status = 'failed' OR (status = 'skipped' AND code IS NOT NULL AND code NOT IN (SELECT value FROM json_each(?4)))))
             -- photos a zip did not deliver (frozen with the preview at submit) are never a clean result
             OR EXISTS (SELECT 1 FROM uploads u, json_each(u.frozen_problems) p WHERE u.org = ?1 AND u.id = ?2 AND p.value ->> 'code' IN (SELECT value FROM json_each(?5)))
             THEN 'completed_with_errors'
           ELSE 'completed' END
       WHERE org = ?1 AND id = ?2 AND status = 'processing'
         AND NOT EXISTS (SELECT 1 FROM upload_rows WHERE org = ?1 AND upload_id = ?2 AND status = 'pending')`,
    )
    .bind(org, uploadId, nowIso(), JSON.stringify([...MAPPING_WARNING_CODES]), JSON.stringify([...ARCHIVE_PROBLEM_CODES]));
}

// ───────────────────────────── upload_files ─────────────────────────────

export async function countUploadFiles(db: D1Database, org: string, uploadId: string) {
  const row = await db.prepare("SELECT count(*) AS n FROM upload_files WHERE org = ?1 AND upload_id = ?2").bind(org, uploadId).first<{ n: number }>();
  return row?.n ?? 0;
}

/** Re-receiving a name replaces the earlier file. */
export async function upsertUploadFile(
  db: D1Database,
  org: string,
  uploadId: string,
  file: { name: string; bytes: number; type: string | null; problem: { code: string; message: string } | null } & Partial<UploadFileFacts>,
) {
  await db
    .prepare(
      `INSERT INTO upload_files (org, upload_id, name, bytes, type, problem_code, problem_message, received_at, sha256, width, height)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
       ON CONFLICT (org, upload_id, name) DO UPDATE SET bytes = excluded.bytes, type = excluded.type,
         problem_code = excluded.problem_code, problem_message = excluded.problem_message, received_at = excluded.received_at,
         sha256 = excluded.sha256, width = excluded.width, height = excluded.height`,
    )
    .bind(
      org,
      uploadId,
      file.name,
      file.bytes,
      file.type,
      file.problem?.code ?? null,
      file.problem?.message ?? null,
      nowIso(),
      file.sha256 ?? null,
      file.width ?? null,
      file.height ?? null,
    )
    .run();
}

export async function selectUploadFiles(db: D1Database, org: string, uploadId: string) {
  const { results } = await db
    .prepare("SELECT name, bytes, type, problem_code, problem_message, sha256, width, height FROM upload_files WHERE org = ?1 AND upload_id = ?2")
    .bind(org, uploadId)
    .all<UploadFileRow & UploadFileFacts>();
  return results;
}

/** In name order after `afterName`; one row more than `limit` tells whether another page follows. */
export async function selectUploadFilesPage(db: D1Database, org: string, uploadId: string, afterName: string | null, limit: number) {
  const { results } = await db
    .prepare(
      `SELECT name, bytes, type, problem_code, problem_message FROM upload_files
       WHERE org = ?1 AND upload_id = ?2 AND (?3 IS NULL OR name > ?3) ORDER BY name LIMIT ?4`,
    )
    .bind(org, uploadId, afterName, limit + 1)
    .all<UploadFileRow>();
  return results;
}

// ───────────────────────────── upload_rows ─────────────────────────────

export async function countRowsByStatus(db: D1Database, org: string, uploadId: string) {
  const { results } = await db
    .prepare("SELECT status, count(*) AS n FROM upload_rows WHERE org = ?1 AND upload_id = ?2 GROUP BY status")
    .bind(org, uploadId)
    .all<{ status: string; n: number }>();
  return results;
}

export async function selectFailedRows(db: D1Database, org: string, uploadId: string, limit: number) {
  const { results } = await db
    .prepare(
      `SELECT row, matched_file AS file, code, message FROM upload_rows
       WHERE org = ?1 AND upload_id = ?2 AND status = 'failed' ORDER BY row LIMIT ?3`,
    )
    .bind(org, uploadId, limit)
    .all<UploadProblem>();
  return results;
}

/**
 * The photo checks' warnings on processed rows (seq 1000 and up: the preview's own warnings,
 * details or not, are already among the frozen problems), in row order, with the row's student so
 * a page can show both students of a duplicate.
 */
export async function selectCheckWarnings(db: D1Database, org: string, uploadId: string, limit: number) {
  const { results } = await db
    .prepare(
      `SELECT w.row, r.matched_file AS file, w.code, w.message, r.student_id, w.details FROM upload_row_warnings w
       JOIN upload_rows r ON r.org = w.org AND r.upload_id = w.upload_id AND r.row = w.row
       WHERE w.org = ?1 AND w.upload_id = ?2 AND w.seq >= 1000 AND w.details IS NOT NULL ORDER BY w.row, w.seq LIMIT ?3`,
    )
    .bind(org, uploadId, limit)
    .all<{ row: number; file: string | null; code: string; message: string; student_id: string | null; details: string }>();
  return results.map(({ details, ...p }) => ({ ...p, details: JSON.parse(details) as Record<string, unknown> }));
}

/**
 * The frozen rows and their warnings, written at submit. Rows travel as one JSON parameter per
 * statement (D1 binds at most 100 parameters); a row already there is kept.
 */
export function insertRowsStatements<R extends { row: number; warnings: unknown[] }>(db: D1Database, org: string, uploadId: string, now: string, rows: R[]) {
  return [
    db
      .prepare(
        `INSERT INTO upload_rows (org, upload_id, row, identifier, file, student_id, matched_file, status, code, message, new_version, updated_at)
         SELECT ?1, ?2, r.value ->> 'row', r.value ->> 'identifier', r.value ->> 'file', r.value ->> 'student_id', r.value ->> 'matched_file',
                r.value ->> 'status', r.value ->> 'code', r.value ->> 'message', r.value ->> 'new_version', ?3
         FROM json_each(?4) r WHERE true
         ON CONFLICT (org, upload_id, row) DO NOTHING`,
      )
      .bind(org, uploadId, now, JSON.stringify(rows)),
    db
      .prepare(
        `INSERT INTO upload_row_warnings (org, upload_id, row, seq, code, message, details)
         SELECT ?1, ?2, r.value ->> 'row', w.key, w.value ->> 'code', w.value ->> 'message', w.value -> 'details'
         FROM json_each(?3) r, json_each(r.value -> 'warnings') w WHERE true
         ON CONFLICT (org, upload_id, row, code) DO NOTHING`,
      )
      .bind(org, uploadId, JSON.stringify(rows.filter((r) => r.warnings.length).map((r) => ({ row: r.row, warnings: r.warnings })))),
  ];
}

/**
 * A photo check's warning on a frozen row, beside the preview's (seq after theirs). The key is one
 * per code and row, so a redelivered message, or both rows of a duplicate pair finding it, write it once.
 */
export function insertRowWarningStatement(
  db: D1Database,
  org: string,
  uploadId: string,
  row: number,
  warning: { code: string; message: string; details: unknown },
) {
  return db
    .prepare(
      `INSERT INTO upload_row_warnings (org, upload_id, row, seq, code, message, details)
       VALUES (?1, ?2, ?3, 1000 + (SELECT count(*) FROM upload_row_warnings WHERE org = ?1 AND upload_id = ?2 AND row = ?3), ?4, ?5, ?6)
       ON CONFLICT DO NOTHING`,
    )
    .bind(org, uploadId, row, warning.code, warning.message, JSON.stringify(warning.details));
}

export type ReportRowRecord = {
  row: number;
  identifier: string;
  file: string;
  student_id: string | null;
  status: string;
  code: string | null;
  message: string | null;
  warnings: string;
};

/** Every frozen row in row order, its warnings as a JSON array of `{code, message}`. */
export async function selectReportRows(db: D1Database, org: string, uploadId: string) {
  const { results } = await db
    .prepare(
      `SELECT r.row, r.identifier, r.file, r.student_id, r.status, r.code, r.message,
              (SELECT json_group_array(json_object('code', w.code, 'message', w.message)) FROM
                 (SELECT code, message FROM upload_row_warnings w WHERE w.org = r.org AND w.upload_id = r.upload_id AND w.row = r.row ORDER BY seq, code) w
              ) AS warnings
       FROM upload_rows r WHERE r.org = ?1 AND r.upload_id = ?2 ORDER BY r.row`,
    )
    .bind(org, uploadId)
    .all<ReportRowRecord>();
  return results;
}

/** What a processed row changed that nobody changed since: the students whose pointer still names this upload's version. */
export async function selectRevertibleRows(db: D1Database, org: string, uploadId: string) {
  const { results } = await db
    .prepare(
      `SELECT r.student_id, r.previous_version, r.new_version,
              EXISTS (SELECT 1 FROM photo_versions v WHERE v.org = r.org AND v.student_id = r.student_id AND v.version = r.previous_version) AS previous_exists
       FROM upload_rows r JOIN students s ON s.org = r.org AND s.id = r.student_id AND s.photo_version = r.new_version
       WHERE r.org = ?1 AND r.upload_id = ?2 AND r.status = 'processed'`,
    )
    .bind(org, uploadId)
    .all<{ student_id: string; previous_version: string | null; new_version: string; previous_exists: number }>();
  return results;
}

/** Puts a student's photo back to `back` (or none) if it still is `current`; the versions' retirement follows. */
export function revertStudentStatements(db: D1Database, org: string, studentId: string, current: string, back: string | null, now: string) {
  return [
    db
      .prepare(
        `UPDATE students SET photo_version = ?4, restore_version = ?3, photo_updated_at = ?5, updated_at = ?5
         WHERE org = ?1 AND id = ?2 AND photo_version = ?3`,
      )
      .bind(org, studentId, current, back, now),
    db.prepare("UPDATE photo_versions SET retired_at = ?4 WHERE org = ?1 AND student_id = ?2 AND version = ?3").bind(org, studentId, current, now),
    db.prepare("UPDATE photo_versions SET retired_at = NULL WHERE org = ?1 AND student_id = ?2 AND version = ?3").bind(org, studentId, back),
  ];
}

// ───────────────────────────── a row's queue step ─────────────────────────────

/** One round trip: the row, its upload, its student, and the attempt counted. */
export async function readRowForProcessing(db: D1Database, ref: RowRef) {
  const [rowRes, uploadRes, studentRes] = await db.batch([
    db.prepare("SELECT * FROM upload_rows WHERE org = ?1 AND upload_id = ?2 AND row = ?3").bind(ref.org, ref.upload_id, ref.row),
    db.prepare("SELECT status, created_by FROM uploads WHERE org = ?1 AND id = ?2").bind(ref.org, ref.upload_id),
    db
      .prepare(
        `SELECT s.* FROM upload_rows r JOIN students s ON s.org = r.org AND s.id = r.student_id
         WHERE r.org = ?1 AND r.upload_id = ?2 AND r.row = ?3`,
      )
      .bind(ref.org, ref.upload_id, ref.row),
    db
      .prepare("UPDATE upload_rows SET attempts = attempts + 1 WHERE org = ?1 AND upload_id = ?2 AND row = ?3 AND status = 'pending'")
      .bind(ref.org, ref.upload_id, ref.row),
  ]);
  return { rowRes, uploadRes, studentRes };
}

/** Ends a pending row (failed or skipped) with its code and message; a settled row is left alone. */
export function settleRowStatement(db: D1Database, ref: RowRef, status: "failed" | "skipped", code: string, message: string) {
  return db
    .prepare(
      `UPDATE upload_rows SET status = ?4, code = ?5, message = ?6, updated_at = ?7
       WHERE org = ?1 AND upload_id = ?2 AND row = ?3 AND status = 'pending'`,
    )
    .bind(ref.org, ref.upload_id, ref.row, status, code, message, nowIso());
}

/** The row is processed only if the student's pointer moved to its version in the same transaction. */
export function rowProcessedStatement(db: D1Database, ref: RowRef, previous: string | null, studentId: string, newVersion: string | null) {
  return db
    .prepare(
      `UPDATE upload_rows SET status = 'processed', previous_version = ?4, code = NULL, message = NULL, updated_at = ?5
       WHERE org = ?1 AND upload_id = ?2 AND row = ?3 AND status = 'pending'
         AND EXISTS (SELECT 1 FROM students WHERE org = ?1 AND id = ?6 AND photo_version = ?7)`,
    )
    .bind(ref.org, ref.upload_id, ref.row, previous, nowIso(), studentId, newVersion);
}
