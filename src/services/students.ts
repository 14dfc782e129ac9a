import Papa from "papaparse";
import { decodeCursor, encodeCursor, nowIso } from "../schemas/common";
import { STUDENT_CSV_COLUMNS, StudentImportRow, type Student } from "../schemas/student";
import { badRequest } from "../http/errors";
import { zodIssues } from "../http/errors";
import { extraFieldsMessage, filledFieldCount } from "../shared/csv-rows";

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

export const MAX_IMPORT_ROWS = 20_000;

export function toStudent(r: StudentRecord): Student {
  return {
    id: r.id,
    email: r.email,
    sis_id: r.sis_id,
    first_name: r.first_name,
    last_name: r.last_name,
    grade: r.grade,
    homeroom: r.homeroom,
    photo_opt_out: r.photo_opt_out === 1,
    has_photo: r.photo_version !== null,
    photo_updated_at: r.photo_version !== null ? r.photo_updated_at : null,
  };
}

export const fullName = (s: { first_name: string | null; last_name: string | null }) =>
  [s.first_name, s.last_name].filter(Boolean).join(" ") || null;

export async function getStudentRecord(db: D1Database, org: string, id: string) {
  return db.prepare("SELECT * FROM students WHERE org = ?1 AND id = ?2").bind(org, id).first<StudentRecord>();
}

/** Every student of the school, for matching uploads (a school is at most tens of thousands of rows). */
export async function listRoster(db: D1Database, org: string) {
  const { results } = await db
    .prepare("SELECT id, email, sis_id, first_name, last_name, grade, homeroom, photo_opt_out FROM students WHERE org = ?1")
    .bind(org)
    .all<Omit<StudentRecord, "org" | "photo_version" | "restore_version" | "photo_updated_at">>();
  return results.map((r) => ({ ...r, photo_opt_out: r.photo_opt_out === 1 }));
}

/** `problem`: why the row cannot be read at all (a CSV row that does not fit its header). */
type RawRow = { row: number; values: Record<string, unknown>; problem?: string };
type Problem = { row: number; code: string; message: string };

/** CSV with a header naming any of the roster columns (order free, case and spaces ignored). */
export function parseRosterCsv(text: string): RawRow[] {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { skipEmptyLines: "greedy" });
  const [header, ...lines] = parsed.data;
  if (!header) throw badRequest("validation_failed", "The CSV is empty: it needs a header row and one row per student.", [{ path: "body", message: "Empty CSV" }]);
  const columns = header.map((h) => h.trim().toLowerCase().replace(/[\s-]+/g, "_"));
  if (!columns.includes("id")) {
    throw badRequest("validation_failed", `The CSV's header must name an id column; it names: ${columns.join(", ") || "nothing"}. Columns: ${STUDENT_CSV_COLUMNS.join(",")}.`, [
      { path: "id", message: "Missing id column" },
    ]);
  }
  // Spreadsheet row numbers: the header is row 1. Greedy empty-line skipping would shift them, so
  // papaparse's own line count is not used; blank lines are rare in rosters and only shift later numbers.
  return lines.map((cells, i) => {
    const values: Record<string, unknown> = {};
    columns.forEach((col, j) => {
      if ((STUDENT_CSV_COLUMNS as readonly string[]).includes(col)) values[col] = cells[j] ?? "";
    });
    const problem = extraFieldsMessage(i + 2, filledFieldCount(cells), header.length, parsed.meta.delimiter);
    return problem ? { row: i + 2, values, problem } : { row: i + 2, values };
  });
}

/** Upserts by id; returns counts and one problem per refused row. Rows that change nothing are not written. */
export async function importStudents(db: D1Database, org: string, raw: RawRow[]) {
  const problems: Problem[] = [];
  if (raw.length > MAX_IMPORT_ROWS) {
    throw badRequest("validation_failed", `The roster has ${raw.length} rows; import at most ${MAX_IMPORT_ROWS} at a time.`, [
      { path: "students", message: `Too many rows (max ${MAX_IMPORT_ROWS})` },
    ]);
  }
  const valid = new Map<string, { row: number; data: StudentImportRow }>();
  for (const { row, values, problem } of raw) {
    if (problem) {
      problems.push({ row, code: "bad_row", message: problem });
      continue;
    }
    const parsed = StudentImportRow.safeParse(values);
    if (!parsed.success) {
      const detail = zodIssues(parsed.error.issues).map((i) => `${i.path || "row"}: ${i.message}`).join("; ");
      problems.push({ row, code: "bad_row", message: `Row ${row} was not imported — ${detail}.` });
      continue;
    }
    const earlier = valid.get(parsed.data.id);
    if (earlier) {
      problems.push({ row, code: "duplicate_student", message: `Row ${row} repeats student id ${parsed.data.id} from row ${earlier.row}; only row ${earlier.row} was imported.` });
      continue;
    }
    valid.set(parsed.data.id, { row, data: parsed.data });
  }

  const ids = [...valid.keys()];
  const existing = new Map<string, StudentRecord>();
  if (ids.length) {
    const { results } = await db
      .prepare("SELECT * FROM students WHERE org = ?1 AND id IN (SELECT value FROM json_each(?2))")
      .bind(org, JSON.stringify(ids))
      .all<StudentRecord>();
    for (const r of results) existing.set(r.id, r);
  }

  const now = nowIso();
  const writes: D1PreparedStatement[] = [];
  let created = 0;
  let updated = 0;
  let unchanged = 0;
  const upsert = db.prepare(
    `INSERT INTO students (org, id, email, email_lower, sis_id, first_name, last_name, grade, homeroom, photo_opt_out, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)
     ON CONFLICT (org, id) DO UPDATE SET email = excluded.email, email_lower = excluded.email_lower, sis_id = excluded.sis_id,
       first_name = excluded.first_name, last_name = excluded.last_name, grade = excluded.grade, homeroom = excluded.homeroom,
       photo_opt_out = excluded.photo_opt_out, updated_at = excluded.updated_at`,
  );
  for (const { data: s } of valid.values()) {
    const before = existing.get(s.id);
    const optOut = s.photo_opt_out ? 1 : 0;
    if (before) {
      const same =
        before.email === s.email && before.sis_id === s.sis_id && before.first_name === s.first_name && before.last_name === s.last_name &&
        before.grade === s.grade && before.homeroom === s.homeroom && before.photo_opt_out === optOut;
      if (same) {
        unchanged++;
        continue;
      }
      updated++;
    } else {
      created++;
    }
    writes.push(upsert.bind(org, s.id, s.email, s.email?.toLowerCase() ?? null, s.sis_id, s.first_name, s.last_name, s.grade, s.homeroom, optOut, now));
  }
  // D1 caps how much one batch may do; 500 statements per batch keeps well inside it.
  for (let i = 0; i < writes.length; i += 500) await db.batch(writes.slice(i, i + 500));
  problems.sort((a, b) => a.row - b.row);
  return { created, updated, unchanged, problems };
}

export type StudentListQuery = { q?: string; hasPhoto?: boolean; limit: number; cursor?: string };

/**
 * Alphabetical by last name, first name, id; keyset pagination so pages stay stable under inserts.
 * The cursor carries SQLite's own lower() of the names: JS lower-casing differs outside ASCII.
 */
export async function listStudents(db: D1Database, org: string, query: StudentListQuery) {
  const where = ["org = ?1"];
  const params: unknown[] = [org];
  const bind = (v: unknown) => {
    params.push(v);
    return `?${params.length}`;
  };
  if (query.q?.trim()) {
    const like = bind(`%${query.q.trim().toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
    where.push(
      `(lower(coalesce(first_name,'') || ' ' || coalesce(last_name,'')) LIKE ${like} ESCAPE '\\' OR lower(coalesce(last_name,'') || ', ' || coalesce(first_name,'')) LIKE ${like} ESCAPE '\\' OR email_lower LIKE ${like} ESCAPE '\\' OR lower(sis_id) LIKE ${like} ESCAPE '\\' OR lower(id) LIKE ${like} ESCAPE '\\')`,
    );
  }
  if (query.hasPhoto !== undefined) where.push(query.hasPhoto ? "photo_version IS NOT NULL" : "photo_version IS NULL");
  const after = decodeCursor(query.cursor, 3);
  if (after) where.push(`(lower(coalesce(last_name,'')), lower(coalesce(first_name,'')), id) > (${bind(after[0])}, ${bind(after[1])}, ${bind(after[2])})`);
  const limit = bind(query.limit + 1);
  const { results } = await db
    .prepare(
      `SELECT *, lower(coalesce(last_name,'')) AS sort_last, lower(coalesce(first_name,'')) AS sort_first FROM students WHERE ${where.join(" AND ")}
       ORDER BY lower(coalesce(last_name,'')), lower(coalesce(first_name,'')), id LIMIT ${limit}`,
    )
    .bind(...params)
    .all<StudentRecord & { sort_last: string; sort_first: string }>();
  const page = results.slice(0, query.limit);
  const last = page.at(-1);
  const next_cursor =
    results.length > query.limit && last ? encodeCursor([last.sort_last, last.sort_first, last.id]) : null;
  return { students: page.map(toStudent), next_cursor };
}

/** Students without a photo who have not opted out: the retake-day list. */
export async function listStudentsMissingPhotos(db: D1Database, org: string) {
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
