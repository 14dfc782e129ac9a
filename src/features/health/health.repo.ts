/** Readiness: the database answers and has the schema (the orgs table exists). Throws when not. */
export async function probeDatabase(db: D1Database) {
  await db.prepare("SELECT 1 FROM orgs LIMIT 1").all();
}
