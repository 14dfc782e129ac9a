/** Whether `version` is the student's current, servable photo (not opted out). Asked of the nearest read replica. */
export async function isServedVersion(db: D1DatabaseSession, org: string, studentId: string, version: string) {
  const row = await db
    .prepare("SELECT 1 AS ok FROM students WHERE org = ?1 AND id = ?2 AND photo_version = ?3 AND photo_opt_out = 0")
    .bind(org, studentId, version)
    .first<{ ok: number }>();
  return row !== null;
}
