/** Does the school hold anything in its home that a move of the directory row would strand there? */
export async function schoolHoldsData(db: D1Database, org: string) {
  const row = await db
    .prepare(
      `SELECT EXISTS (SELECT 1 FROM students WHERE org = ?1)
           OR EXISTS (SELECT 1 FROM photo_versions WHERE org = ?1)
           OR EXISTS (SELECT 1 FROM uploads WHERE org = ?1) AS held`,
    )
    .bind(org)
    .first<{ held: number }>();
  return row?.held === 1;
}
