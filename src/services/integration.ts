import { auditStatement } from "./audit";
import { conflict } from "../http/errors";
import { nowIso } from "../schemas/common";

export function setPhotosEnabledStatement(db: D1Database, org: string, enabled: boolean, now = nowIso()) {
  return db
    .prepare(
      `INSERT INTO orgs (org, photos_enabled, updated_at) VALUES (?1, ?2, ?3)
       ON CONFLICT (org) DO UPDATE SET photos_enabled = excluded.photos_enabled, updated_at = excluded.updated_at`,
    )
    .bind(org, enabled ? 1 : 0, now);
}

type LastUpload = { id: string; status: string; created_at: string; submitted_at: string | null; completed_at: string | null };

export async function getIntegrationState(db: D1Database, org: string) {
  const [orgRow, counts, lastUpload] = await db.batch<Record<string, unknown>>([
    db.prepare("SELECT photos_enabled FROM orgs WHERE org = ?1").bind(org),
    db
      .prepare(
        `SELECT count(*) AS student_count,
                count(photo_version) AS photo_count,
                sum(CASE WHEN photo_opt_out = 0 THEN 1 ELSE 0 END) AS eligible_count,
                sum(CASE WHEN photo_opt_out = 0 AND photo_version IS NOT NULL THEN 1 ELSE 0 END) AS eligible_with_photo
         FROM students WHERE org = ?1`,
      )
      .bind(org),
    db
      .prepare(
        `SELECT id, status, created_at, submitted_at, completed_at FROM uploads
         WHERE org = ?1 AND status <> 'cancelled' ORDER BY created_at DESC, id DESC LIMIT 1`,
      )
      .bind(org),
  ]);
  const c = (counts?.results[0] ?? {}) as { student_count: number; photo_count: number; eligible_count: number | null; eligible_with_photo: number | null };
  const enabled = (orgRow?.results[0] as { photos_enabled?: number } | undefined)?.photos_enabled === 1;
  const eligible = c.eligible_count ?? 0;
  const eligibleWithPhoto = c.eligible_with_photo ?? 0;
  return {
    enabled,
    can_enable: !enabled && c.photo_count > 0,
    photo_count: c.photo_count,
    student_count: c.student_count,
    eligible_count: eligible,
    eligible_photo_count: eligibleWithPhoto,
    // Share of students who should have a photo (not opted out) and do, 0–1.
    coverage: eligible ? Math.round((eligibleWithPhoto / eligible) * 1000) / 1000 : 0,
    last_upload: (lastUpload?.results[0] as LastUpload | undefined) ?? null,
  };
}

export async function enablePhotos(db: D1Database, org: string, actor: string) {
  const row = await db.prepare("SELECT count(*) AS n FROM students WHERE org = ?1 AND photo_version IS NOT NULL").bind(org).first<{ n: number }>();
  if (!row?.n) {
    throw conflict("no_photos", "There are no processed photos yet. Upload photos first, then enable them for teachers.");
  }
  await db.batch([setPhotosEnabledStatement(db, org, true), auditStatement(db, { org, actor, action: "integration.enable" })]);
}

export async function disablePhotos(db: D1Database, org: string, actor: string) {
  await db.batch([setPhotosEnabledStatement(db, org, false), auditStatement(db, { org, actor, action: "integration.disable" })]);
}

export async function getPreferences(db: D1Database, org: string, userId: string) {
  const row = await db
    .prepare("SELECT hide_profile_pictures FROM user_preferences WHERE org = ?1 AND user_id = ?2")
    .bind(org, userId)
    .first<{ hide_profile_pictures: number }>();
  return { hide_profile_pictures: row?.hide_profile_pictures === 1 };
}

export async function setPreferences(db: D1Database, org: string, userId: string, prefs: { hide_profile_pictures: boolean }) {
  await db
    .prepare(
      `INSERT INTO user_preferences (org, user_id, hide_profile_pictures, updated_at) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (org, user_id) DO UPDATE SET hide_profile_pictures = excluded.hide_profile_pictures, updated_at = excluded.updated_at`,
    )
    .bind(org, userId, prefs.hide_profile_pictures ? 1 : 0, nowIso())
    .run();
  return prefs;
}
