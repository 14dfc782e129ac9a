import { decodeCursor, encodeCursor, nowIso } from "../schemas/common";

export type AuditEntry = {
  org: string;
  actor: string;
  action: string;
  student_id?: string | null;
  upload_id?: string | null;
  details?: Record<string, unknown> | null;
};

/** A statement, not a write: callers put it in the same batch (one transaction) as the change it records. */
export function auditStatement(db: D1Database, e: AuditEntry, at = nowIso()) {
  return db
    .prepare("INSERT INTO audit_events (org, at, actor, action, student_id, upload_id, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
    .bind(e.org, at, e.actor, e.action, e.student_id ?? null, e.upload_id ?? null, e.details ? JSON.stringify(e.details) : null);
}

type AuditRow = { seq: number; at: string; actor: string; action: string; student_id: string | null; upload_id: string | null; details: string | null };

export async function listAuditEvents(db: D1Database, org: string, limit: number, cursor?: string) {
  const before = decodeCursor(cursor, 1);
  const { results } = await db
    .prepare(
      `SELECT seq, at, actor, action, student_id, upload_id, details FROM audit_events
       WHERE org = ?1 AND (?2 IS NULL OR seq < ?2) ORDER BY seq DESC LIMIT ?3`,
    )
    .bind(org, before ? Number(before[0]) : null, limit + 1)
    .all<AuditRow>();
  const page = results.slice(0, limit);
  return {
    events: page.map((r) => ({
      at: r.at,
      actor: r.actor,
      action: r.action,
      student_id: r.student_id,
      upload_id: r.upload_id,
      details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
    })),
    next_cursor: results.length > limit && page.length ? encodeCursor([page.at(-1)!.seq]) : null,
  };
}
