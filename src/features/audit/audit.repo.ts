/**
 * The audit log's SQL, all of it: the ONE INSERT into audit_events (auditStatement, which every
 * feature puts in the batch of the change it records) and the listing. No other file writes or
 * reads audit_events.
 */
import { nowIso } from "../common.schemas";

export type AuditEntry = {
  org: string;
  actor: string;
  action: string;
  student_id?: string | null;
  upload_id?: string | null;
  details?: Record<string, unknown> | null;
};

/**
 * A statement, not a write: callers put it in the same batch (one transaction) as the change it
 * records. With `onlyIfPhotoVersion` the event is recorded only if, when the batch runs, the
 * student's photo pointer names that version (a conditional pointer move may not have happened).
 */
export function auditStatement(db: D1Database, e: AuditEntry, at = nowIso(), onlyIfPhotoVersion?: string) {
  const values = [e.org, at, e.actor, e.action, e.student_id ?? null, e.upload_id ?? null, e.details ? JSON.stringify(e.details) : null];
  const sql = "INSERT INTO audit_events (org, at, actor, action, student_id, upload_id, details) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7";
  if (onlyIfPhotoVersion === undefined) return db.prepare(sql).bind(...values);
  return db.prepare(`${sql} WHERE EXISTS (SELECT 1 FROM students WHERE org = ?1 AND id = ?5 AND photo_version = ?8)`).bind(...values, onlyIfPhotoVersion);
}

export type AuditRow = { seq: number; at: string; actor: string; action: string; student_id: string | null; upload_id: string | null; details: string | null };

/** Newest first; `beforeSeq` continues a page. One row more than `limit` tells whether another page follows. */
export async function selectAuditRows(db: D1Database, org: string, beforeSeq: number | null, limit: number) {
  const { results } = await db
    .prepare(
      `SELECT seq, at, actor, action, student_id, upload_id, details FROM audit_events
       WHERE org = ?1 AND (?2 IS NULL OR seq < ?2) ORDER BY seq DESC LIMIT ?3`,
    )
    .bind(org, beforeSeq, limit + 1)
    .all<AuditRow>();
  return results;
}
