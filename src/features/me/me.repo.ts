/** The caller's own preferences (user_preferences); the pass view's lookup reads the same row in its batch (photos.repo.ts). */
export async function selectHidePictures(db: D1Database, org: string, userId: string) {
  const row = await db
    .prepare("SELECT hide_profile_pictures FROM user_preferences WHERE org = ?1 AND user_id = ?2")
    .bind(org, userId)
    .first<{ hide_profile_pictures: number }>();
  return row?.hide_profile_pictures === 1;
}

export async function upsertHidePictures(db: D1Database, org: string, userId: string, hide: boolean, now: string) {
  await db
    .prepare(
      `INSERT INTO user_preferences (org, user_id, hide_profile_pictures, updated_at) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (org, user_id) DO UPDATE SET hide_profile_pictures = excluded.hide_profile_pictures, updated_at = excluded.updated_at`,
    )
    .bind(org, userId, hide ? 1 : 0, now)
    .run();
}
