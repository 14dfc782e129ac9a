/** The school's integration state (orgs) and the counts behind it. */

export function setPhotosEnabledStatement(db: D1Database, org: string, enabled: boolean, now: string) {
  return db
    .prepare(
      `INSERT INTO orgs (org, photos_enabled, updated_at) VALUES (?1, ?2, ?3)
       ON CONFLICT (org) DO UPDATE SET photos_enabled = excluded.photos_enabled, updated_at = excluded.updated_at`,
    )
    .bind(org, enabled ? 1 : 0, now);
}

export type LastUpload = { id: string; status: string; created_at: string; submitted_at: string | null; completed_at: string | null };
type Counts = {
  student_count: number;
  photo_count: number;
  eligible_count: number | null;
  eligible_with_photo: number | null;
  warning_photo_count: number | null;
};

import { openWarningSql } from "../photos/photos.repo";
/** The setting, the counts and the latest upload, in one round trip. */
export async function selectIntegrationFacts(db: D1Database, org: string) {
  const [orgRow, counts, lastUpload] = await db.batch<Record<string, unknown>>([
    db.prepare("SELECT photos_enabled FROM orgs WHERE org = ?1").bind(org),
    db
      .prepare(
        `SELECT count(*) AS student_count,
                count(photo_version) AS photo_count,
                sum(CASE WHEN photo_opt_out = 0 THEN 1 ELSE 0 END) AS eligible_count,
                sum(CASE WHEN photo_opt_out = 0 AND photo_version IS NOT NULL THEN 1 ELSE 0 END) AS eligible_with_photo,
                sum(CASE WHEN photo_version IS NOT NULL AND EXISTS (
                      SELECT 1 FROM photo_checks c WHERE c.org = s.org AND c.student_id = s.id AND c.version = s.photo_version AND c.warnings <> '[]'
                        AND EXISTS (SELECT 1 FROM json_each(c.warnings) w WHERE ${openWarningSql("c", "w")})
                    ) THEN 1 ELSE 0 END) AS warning_photo_count
         FROM students s WHERE org = ?1`,
      )
      .bind(org),
    db
      .prepare(
        `SELECT id, status, created_at, submitted_at, completed_at FROM uploads
         WHERE org = ?1 AND status <> 'cancelled' ORDER BY created_at DESC, id DESC LIMIT 1`,
      )
      .bind(org),
  ]);
  return {
    enabled: (orgRow?.results[0] as { photos_enabled?: number } | undefined)?.photos_enabled === 1,
    counts: (counts?.results[0] ?? {}) as Counts,
    lastUpload: (lastUpload?.results[0] as LastUpload | undefined) ?? null,
  };
}

export async function countStudentsWithPhoto(db: D1Database, org: string) {
  const row = await db.prepare("SELECT count(*) AS n FROM students WHERE org = ?1 AND photo_version IS NOT NULL").bind(org).first<{ n: number }>();
  return row?.n ?? 0;
}
