/** The roster's SQL (students), all of it. Rows come back as stored; the service shapes them for the API. */
import type { RosterStudent } from "../../mapping";

export type StudentRecord = {
  org: string;
  id: string;
  email: string | null;
  sis_id: string | null;
  first_name: string | null;
  last_name: string | null;
  grade: string | null;
  homeroom: string | null;
  photo_opt_out: number;
  photo_version: string | null;
  restore_version: string | null;
  photo_updated_at: string | null;
};

export type RosterRow = Omit<StudentRecord, "org" | "photo_version" | "restore_version" | "photo_updated_at">;

/** The fields an import writes (validated by StudentImportRow): the roster student matching knows. */
export type StudentFields = RosterStudent;

export async function selectStudent(db: D1Database, org: string, id: string) {
  return db.prepare("SELECT * FROM students WHERE org = ?1 AND id = ?2").bind(org, id).first<StudentRecord>();
}

export async function selectRoster(db: D1Database, org: string) {
  const { results } = await db
    .prepare("SELECT id, email, sis_id, first_name, last_name, grade, homeroom, photo_opt_out FROM students WHERE org = ?1")
    .bind(org)
    .all<RosterRow>();
  return results;
}

/** The ids travel as one JSON array: D1 binds at most 100 parameters. */
export async function selectStudentsByIds(db: D1Database, org: string, ids: string[]) {
  const { results } = await db
    .prepare("SELECT * FROM students WHERE org = ?1 AND id IN (SELECT value FROM json_each(?2))")
    .bind(org, JSON.stringify(ids))
    .all<StudentRecord>();
  return results;
}

/** One prepared upsert, bound once per row: `upsert(org, fields, now)`. */
export function studentUpsert(db: D1Database) {
  const stmt = db.prepare(
    `INSERT INTO students (org, id, email, email_lower, sis_id, first_name, last_name, grade, homeroom, photo_opt_out, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)
     ON CONFLICT (org, id) DO UPDATE SET email = excluded.email, email_lower = excluded.email_lower, sis_id = excluded.sis_id,
       first_name = excluded.first_name, last_name = excluded.last_name, grade = excluded.grade, homeroom = excluded.homeroom,
       photo_opt_out = excluded.photo_opt_out, updated_at = excluded.updated_at`,
  );
  return (org: string, s: StudentFields, now: string) =>
    stmt.bind(org, s.id, s.email, s.email?.toLowerCase() ?? null, s.sis_id, s.first_name, s.last_name, s.grade, s.homeroom, s.photo_opt_out ? 1 : 0, now);
}

export type StudentPageQuery = { q?: string; hasPhoto?: boolean; limit: number; after: unknown[] | null };

/**
 * Alphabetical by last name, first name, id; keyset pagination so pages stay stable under inserts.
 * Each row carries SQLite's own lower() of the names for the cursor: JS lower-casing differs
 * outside ASCII. Returns up to `limit + 1` rows (the extra one says another page follows).
 */
export async function selectStudentsPage(db: D1Database, org: string, query: StudentPageQuery) {
  const where = ["org = ?1"];
  const params: unknown[] = [org];
  const bind = (v: unknown) => {
    params.push(v);
    return `?${params.length}`;
  };
  if (query.q?.trim()) {
    const like = bind(
      `%${query.q
        .trim()
        .toLowerCase()
        .replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`,
    );
    where.push(
      `(lower(coalesce(first_name,'') || ' ' || coalesce(last_name,'')) LIKE ${like} ESCAPE '\\' OR lower(coalesce(last_name,'') || ', ' || coalesce(first_name,'')) LIKE ${like} ESCAPE '\\' OR email_lower LIKE ${like} ESCAPE '\\' OR lower(sis_id) LIKE ${like} ESCAPE '\\' OR lower(id) LIKE ${like} ESCAPE '\\')`,
    );
  }
  if (query.hasPhoto !== undefined) where.push(query.hasPhoto ? "photo_version IS NOT NULL" : "photo_version IS NULL");
  const after = query.after;
  if (after) where.push(`(lower(coalesce(last_name,'')), lower(coalesce(first_name,'')), id) > (${bind(after[0])}, ${bind(after[1])}, ${bind(after[2])})`);
  const limit = bind(query.limit + 1);
  const { results } = await db
    .prepare(
      `SELECT *, lower(coalesce(last_name,'')) AS sort_last, lower(coalesce(first_name,'')) AS sort_first FROM students WHERE ${where.join(" AND ")}
       ORDER BY lower(coalesce(last_name,'')), lower(coalesce(first_name,'')), id LIMIT ${limit}`,
    )
    .bind(...params)
    .all<StudentRecord & { sort_last: string; sort_first: string }>();
  return results;
}

/** Students without a photo who have not opted out, by grade, homeroom and name: the retake-day list. */
export async function selectStudentsMissingPhotos(db: D1Database, org: string) {
  const { results } = await db
    .prepare(
      `SELECT * FROM students WHERE org = ?1 AND photo_version IS NULL AND photo_opt_out = 0
       ORDER BY CASE WHEN grade GLOB '[0-9]*' THEN CAST(grade AS INTEGER) ELSE -1 END, lower(coalesce(grade,'')),
                lower(coalesce(homeroom,'')), lower(coalesce(last_name,'')), lower(coalesce(first_name,'')), id`,
    )
    .bind(org)
    .all<StudentRecord>();
  return results;
}

export function deleteStudentStatement(db: D1Database, org: string, studentId: string) {
  return db.prepare("DELETE FROM students WHERE org = ?1 AND id = ?2").bind(org, studentId);
}
