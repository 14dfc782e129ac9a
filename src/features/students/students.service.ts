import Papa from "papaparse";
import { badRequest, notFound, zodIssues } from "../../http/errors";
import { extraFieldsMessage, filledFieldCount } from "../../shared/csv-rows";
import { studentPhotosPrefix, studentRetiredPrefix } from "../../storage/keys";
import { auditStatement } from "../audit/audit.repo";
import { decodeCursor, encodeCursor, nowIso } from "../common.schemas";
import { retirePhotoObjects, syncPhotoObjects } from "../photos/photo-objects";
import { deletePhotoChecksOfStudentStatement, deletePhotoVersionsOfStudentStatement } from "../photos/photos.repo";
import { deleteR2Prefix } from "../../storage/bucket";
import {
  deleteStudentStatement,
  selectRoster,
  selectStudent,
  selectStudentsByIds,
  selectStudentsMissingPhotos,
  selectStudentsPage,
  studentUpsert,
  type StudentRecord,
} from "./students.repo";
import { parseOneRoster, type OneRosterFiles } from "../../mapping/oneroster";
import { STUDENT_CSV_COLUMNS, StudentImportRow, type Student } from "./students.schemas";

export type { StudentRecord } from "./students.repo";

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

export const fullName = (s: { first_name: string | null; last_name: string | null }) => [s.first_name, s.last_name].filter(Boolean).join(" ") || null;

export async function requireStudent(db: D1Database, org: string, studentId: string) {
  const student = await selectStudent(db, org, studentId);
  if (!student) throw notFound("That student");
  return student;
}

/** Every student of the school, for matching uploads (a school is at most tens of thousands of rows). */
export async function listRoster(db: D1Database, org: string) {
  return (await selectRoster(db, org)).map((r) => ({ ...r, photo_opt_out: r.photo_opt_out === 1 }));
}

/** `problem`: why the row cannot be read at all (a CSV row that does not fit its header). */
type RawRow = { row: number; values: Record<string, unknown>; problem?: string };
type Problem = { row: number; code: string; message: string };

/** CSV with a header naming any of the roster columns (order free, case and spaces ignored). */
export function parseRosterCsv(text: string): RawRow[] {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { skipEmptyLines: "greedy" });
  const [header, ...lines] = parsed.data;
  if (!header)
    throw badRequest("validation_failed", "The CSV is empty: it needs a header row and one row per student.", [{ path: "body", message: "Empty CSV" }]);
  const columns = header.map((h) =>
    h
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, "_"),
  );
  if (!columns.includes("id")) {
    throw badRequest(
      "validation_failed",
      `The CSV's header must name an id column; it names: ${columns.join(", ") || "nothing"}. Columns: ${STUDENT_CSV_COLUMNS.join(",")}.`,
      [{ path: "id", message: "Missing id column" }],
    );
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

export type ImportOptions = {
  /** Count what would change, write nothing. */
  dryRun?: boolean;
  /** Fields the source does not carry (OneRoster has no homeroom or opt-out): an existing student keeps its own. */
  keepExisting?: boolean;
};

/** Upserts by id; returns counts and one problem per refused row. Rows that change nothing are not written. */
export async function importStudents(env: Pick<Env, "DB" | "PHOTOS">, org: string, raw: RawRow[], opts: ImportOptions = {}) {
  const db = env.DB;
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
      const detail = zodIssues(parsed.error.issues)
        .map((i) => `${i.path || "row"}: ${i.message}`)
        .join("; ");
      problems.push({ row, code: "bad_row", message: `Row ${row} was not imported — ${detail}.` });
      continue;
    }
    const earlier = valid.get(parsed.data.id);
    if (earlier) {
      problems.push({
        row,
        code: "duplicate_student",
        message: `Row ${row} repeats student id ${parsed.data.id} from row ${earlier.row}; only row ${earlier.row} was imported.`,
      });
      continue;
    }
    valid.set(parsed.data.id, { row, data: parsed.data });
  }

  const ids = [...valid.keys()];
  const existing = new Map<string, StudentRecord>();
  if (ids.length) {
    for (const r of await selectStudentsByIds(db, org, ids)) existing.set(r.id, r);
  }

  const now = nowIso();
  const writes: D1PreparedStatement[] = [];
  let created = 0;
  let updated = 0;
  let unchanged = 0;
  const upsert = studentUpsert(db);
  const optOutChanged: string[] = [];
  for (const { data } of valid.values()) {
    const before = existing.get(data.id);
    const s = before && opts.keepExisting ? { ...data, homeroom: before.homeroom, photo_opt_out: before.photo_opt_out === 1 } : data;
    const optOut = s.photo_opt_out ? 1 : 0;
    if (before && before.photo_opt_out !== optOut) {
      optOutChanged.push(s.id);
      // An opt-out moves no pointer (the cron's re-sync could not find it after a crash), so its
      // photo leaves the served space before the commit; opting back in restores it after.
      if (optOut && before.photo_version && !opts.dryRun) await retirePhotoObjects(env.PHOTOS, org, s.id, [before.photo_version]);
    }
    if (before) {
      const same =
        before.email === s.email &&
        before.sis_id === s.sis_id &&
        before.first_name === s.first_name &&
        before.last_name === s.last_name &&
        before.grade === s.grade &&
        before.homeroom === s.homeroom &&
        before.photo_opt_out === optOut;
      if (same) {
        unchanged++;
        continue;
      }
      updated++;
    } else {
      created++;
    }
    writes.push(upsert(org, s, now));
  }
  // D1 caps how much one batch may do; 500 statements per batch keeps well inside it.
  if (!opts.dryRun) {
    for (let i = 0; i < writes.length; i += 500) await db.batch(writes.slice(i, i + 500));
    if (optOutChanged.length) await syncPhotoObjects(env, org, optOutChanged);
  }
  problems.sort((a, b) => a.row - b.row);
  return { created, updated, unchanged, problems };
}

export type StudentListQuery = { q?: string; hasPhoto?: boolean; limit: number; cursor?: string };

/** A page of the roster (order and cursor: selectStudentsPage). */
export async function listStudents(db: D1Database, org: string, query: StudentListQuery) {
  const after = decodeCursor(query.cursor, 3);
  const results = await selectStudentsPage(db, org, { q: query.q, hasPhoto: query.hasPhoto, limit: query.limit, after });
  const page = results.slice(0, query.limit);
  const last = page.at(-1);
  const next_cursor = results.length > query.limit && last ? encodeCursor([last.sort_last, last.sort_first, last.id]) : null;
  return { students: page.map(toStudent), next_cursor };
}

/** Students without a photo who have not opted out: the retake-day list. */
export async function listStudentsMissingPhotos(db: D1Database, org: string) {
  return selectStudentsMissingPhotos(db, org);
}

/** Roster import from the rows of a CSV or JSON body; recorded in the audit log when it changed anything. */
export async function importRoster(env: Pick<Env, "DB" | "PHOTOS">, org: string, actor: string, raw: RawRow[], opts: ImportOptions = {}) {
  const db = env.DB;
  const result = await importStudents(env, org, raw, opts);
  const { created, updated, unchanged } = result;
  if ((created || updated) && !opts.dryRun) {
    await auditStatement(db, { org, actor, action: "roster.import", details: { created, updated, unchanged, problems: result.problems.length } }).run();
  }
  return { ...result, ...(opts.dryRun ? { dry_run: true } : {}) };
}

/**
 * A OneRoster import: its active students upserted like any roster row (homeroom and opt-out,
 * which OneRoster does not carry, are kept), the rows left out reported, and a `tobedeleted`
 * student we hold reported by name: deleting is the school's decision, never a side effect.
 */
export async function importOneRoster(
  env: Pick<Env, "DB" | "PHOTOS">,
  org: string,
  actor: string,
  files: OneRosterFiles,
  opts: ImportOptions & { school?: string | null },
) {
  const db = env.DB;
  const parsed = parseOneRoster(files, opts.school);
  const result = await importRoster(env, org, actor, parsed.rows, { ...opts, keepExisting: true });
  const held = parsed.toBeDeleted.length
    ? await selectStudentsByIds(
        db,
        org,
        parsed.toBeDeleted.map((d) => d.id),
      )
    : [];
  const heldById = new Map(held.map((s) => [s.id, s]));
  const stillHere = parsed.toBeDeleted.flatMap(({ row, id }) => {
    const s = heldById.get(id);
    if (!s) return [];
    const name = fullName(s);
    return [
      {
        row,
        code: "tobedeleted_student",
        message: `Row ${row}: ${name ? `${name} (${id})` : id} is marked tobedeleted in the OneRoster file but is still in your roster; it was not deleted. Delete the student yourself if they have left.`,
      },
    ];
  });
  const problems = [...result.problems, ...parsed.problems, ...stillHere].sort((a, b) => a.row - b.row);
  return { ...result, skipped: parsed.skipped, problems };
}

/** Removes the student, every photo version's bytes and rows, at once. */
export async function deleteStudent(env: Env, org: string, studentId: string, actor: string) {
  const student = await requireStudent(env.DB, org, studentId);
  await env.DB.batch([
    deleteStudentStatement(env.DB, org, studentId),
    deletePhotoVersionsOfStudentStatement(env.DB, org, studentId),
    deletePhotoChecksOfStudentStatement(env.DB, org, studentId),
    auditStatement(env.DB, { org, actor, action: "student.delete", student_id: studentId, details: { had_photo: student.photo_version !== null } }),
  ]);
  await deleteR2Prefix(env.PHOTOS, studentPhotosPrefix(org, studentId));
  await deleteR2Prefix(env.PHOTOS, studentRetiredPrefix(org, studentId));
}
