import { decodeCursor, encodeCursor } from "../common.schemas";
import { selectAuditRows } from "./audit.repo";

export async function listAuditEvents(db: D1Database, org: string, limit: number, cursor?: string) {
  const before = decodeCursor(cursor, 1);
  const results = await selectAuditRows(db, org, before ? Number(before[0]) : null, limit);
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
