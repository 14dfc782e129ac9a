/** The cron's SQL: what each housekeeping task finds to do, bounded per run. */

export type RowRef = { org: string; upload_id: string; row: number };
export type UploadRef = { org: string; id: string };

/** Rows still pending since `before` in uploads that are processing. */
export async function selectStalledRows(db: D1Database, before: string) {
  const { results } = await db
    .prepare(
      `SELECT r.org, r.upload_id, r.row FROM upload_rows r JOIN uploads u ON u.org = r.org AND u.id = r.upload_id
       WHERE r.status = 'pending' AND u.status = 'processing' AND r.updated_at < ?1 LIMIT 5000`,
    )
    .bind(before)
    .all<RowRef>();
  return results;
}

/** One prepared touch, bound once per row: `touch(row, now)`. */
export function rowTouch(db: D1Database) {
  const stmt = db.prepare("UPDATE upload_rows SET updated_at = ?4 WHERE org = ?1 AND upload_id = ?2 AND row = ?3");
  return (r: RowRef, now: string) => stmt.bind(r.org, r.upload_id, r.row, now);
}

/** Drafts created before `before` that received no file since then. */
export async function selectAbandonedDrafts(db: D1Database, before: string) {
  const { results } = await db
    .prepare(
      `SELECT u.org, u.id FROM uploads u WHERE u.status = 'draft' AND u.created_at < ?1
         AND NOT EXISTS (SELECT 1 FROM upload_files f WHERE f.org = u.org AND f.upload_id = u.id AND f.received_at >= ?1)
       LIMIT 200`,
    )
    .bind(before)
    .all<UploadRef>();
  return results;
}

/** Uploads finished before `before` that still have staged files. */
export async function selectFinishedUploadsWithFiles(db: D1Database, before: string) {
  const { results } = await db
    .prepare(
      `SELECT u.org, u.id FROM uploads u
       WHERE u.status IN ('completed', 'completed_with_errors', 'failed', 'reverted', 'cancelled') AND u.completed_at < ?1
         AND EXISTS (SELECT 1 FROM upload_files f WHERE f.org = u.org AND f.upload_id = u.id)
       LIMIT 100`,
    )
    .bind(before)
    .all<UploadRef>();
  return results;
}

export async function deleteUploadFiles(db: D1Database, org: string, uploadId: string) {
  await db.prepare("DELETE FROM upload_files WHERE org = ?1 AND upload_id = ?2").bind(org, uploadId).run();
}
