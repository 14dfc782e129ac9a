/**
 * OneRoster 1.1 / 1.2 CSV (users.csv, with orgs.csv and roles.csv from the zip when present) →
 * roster rows in our import shape. Pure: no HTTP, Worker or storage imports. Refusals are thrown
 * as OneRosterError; src/http/errors.ts (toApiError) is the one place that maps them to the API.
 *
 * What the specification says, and why it matters here:
 * - Header names are fixed and the header row is required, but the order is only fixed per
 *   version (1.1 has `orgSourcedIds` and `role` in users.csv; 1.2 moved both to roles.csv and
 *   added `primaryOrg`), so columns are picked by name.
 * - Files are UTF-8 and "importing processors must tolerate BOM".
 * - `status` is empty in bulk files; `active` or `tobedeleted` in delta files.
 * - List fields (`orgSourcedIds`, `grades`) are comma-separated inside one quoted cell.
 */
import Papa from "papaparse";
import { unzipSync } from "fflate";
import { baseName, isJunkEntry } from "../shared/delivery";
import { extraFieldsMessage, filledFieldCount } from "../shared/csv-rows";

export type OneRosterErrorKind = "not_oneroster" | "no_users_file" | "no_roles" | "school_required" | "unknown_school" | "too_large" | "unreadable";

/** A OneRoster file we cannot import as sent; `schools` lists the choices where that helps. */
export class OneRosterError extends Error {
  constructor(
    readonly kind: OneRosterErrorKind,
    message: string,
    readonly schools: Array<{ sourcedId: string; name: string | null }> = [],
  ) {
    super(message);
    this.name = "OneRosterError";
  }
}

/** A row for the roster import (StudentImportRow validates `values`). */
export type OneRosterStudentRow = { row: number; values: { id: string; email: string; sis_id: string; first_name: string; last_name: string; grade: string } };
export type OneRosterProblem = { row: number; code: string; message: string };

export type OneRosterResult = {
  /** Active students of the chosen school, as import rows. */
  rows: OneRosterStudentRow[];
  /** Rows left out on purpose (other roles, other schools, tobedeleted), grouped per reason. */
  problems: OneRosterProblem[];
  /** How many rows were left out on purpose. */
  skipped: number;
  /** Students marked `tobedeleted` (the caller reports those it holds: they are not deleted). */
  toBeDeleted: Array<{ row: number; id: string }>;
};

export type OneRosterFiles = { users: string; orgs?: string | null; roles?: string | null };

/** Each entry of a zip we read is at most this large once inflated (a users.csv of 100,000 people is ~20 MB). */
export const MAX_ONEROSTER_ENTRY_BYTES = 64 * 1024 * 1024;

type Table = { header: string[]; rows: Array<{ row: number; cells: string[]; filled: number }> };

const norm = (s: string) => s.trim().toLowerCase();

function readTable(text: string): Table {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { skipEmptyLines: false, delimiter: "," });
  const [header = [], ...lines] = parsed.data;
  const rows: Table["rows"] = [];
  // Spreadsheet row numbers: the header is row 1; blank lines keep their number.
  lines.forEach((cells, i) => {
    if (cells.every((c) => c.trim() === "")) return;
    rows.push({ row: i + 2, cells, filled: filledFieldCount(cells) });
  });
  return { header: header.map(norm), rows };
}

/** users.csv of OneRoster 1.1 or 1.2: its header names sourcedId, givenName and familyName. */
export function isOneRosterUsers(text: string): boolean {
  const firstLine = text.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
  const header = (Papa.parse<string[]>(firstLine, { delimiter: "," }).data[0] ?? []).map(norm);
  return ["sourcedid", "givenname", "familyname"].every((h) => header.includes(h));
}

const cell = (t: Table, r: { cells: string[] }, name: string) => {
  const i = t.header.indexOf(name);
  return i < 0 ? "" : (r.cells[i] ?? "").trim();
};
const list = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

/** "row 6" or "rows 2, 3, 4 and 9 more". */
function rowList(rows: number[], max = 5) {
  const shown = rows.slice(0, max).join(", ");
  return `${rows.length === 1 ? "row" : "rows"} ${rows.length > max ? `${shown} and ${rows.length - max} more` : shown}`;
}

/**
 * The users of a OneRoster file set, with the school (`?school=`) chosen. Throws OneRosterError
 * when the file is not OneRoster, names several schools and none was chosen, or the chosen one
 * is not in it.
 */
export function parseOneRoster(files: OneRosterFiles, school?: string | null): OneRosterResult {
  if (!isOneRosterUsers(files.users)) {
    throw new OneRosterError("not_oneroster", "This is not a OneRoster users.csv: its header must name sourcedId, givenName and familyName.");
  }
  const users = readTable(files.users);

  // Roles: in users.csv (1.1: role, orgSourcedIds) or in roles.csv (1.2: one row per user, role and org).
  const roleOf = new Map<string, { role: string; orgs: string[] }>();
  const inlineRoles = users.header.includes("role");
  if (!inlineRoles) {
    if (!files.roles) {
      throw new OneRosterError(
        "no_roles",
        "This users.csv is OneRoster 1.2, which keeps each user's role and school in roles.csv. Import the whole OneRoster zip (with roles.csv) so students can be told from staff.",
      );
    }
    const roles = readTable(files.roles);
    for (const r of roles.rows) {
      if (norm(cell(roles, r, "status")) === "tobedeleted") continue;
      const user = cell(roles, r, "usersourcedid");
      const entry = roleOf.get(user) ?? { role: "", orgs: [] };
      const role = norm(cell(roles, r, "role"));
      // A user's primary role decides; a student is never also staff in practice.
      if (!entry.role || norm(cell(roles, r, "roletype")) === "primary") entry.role = role;
      if (role === "student") entry.orgs.push(cell(roles, r, "orgsourcedid"));
      roleOf.set(user, entry);
    }
  }

  // Schools: orgs.csv names them and says which orgs are schools (districts are not).
  const orgNames = new Map<string, string>();
  const schoolIds = new Set<string>();
  if (files.orgs) {
    const orgs = readTable(files.orgs);
    for (const r of orgs.rows) {
      const id = cell(orgs, r, "sourcedid");
      orgNames.set(id, cell(orgs, r, "name") || id);
      if (norm(cell(orgs, r, "type")) === "school") schoolIds.add(id);
    }
  }
  const schoolsOf = (orgs: string[]) => (files.orgs ? orgs.filter((o) => schoolIds.has(o)) : orgs);

  type Candidate = { row: number; id: string; schools: string[]; values: OneRosterStudentRow["values"] };
  const students: Candidate[] = [];
  const problems: OneRosterProblem[] = [];
  const byRole = new Map<string, number[]>();
  const deletedRows: number[] = [];
  const toBeDeleted: OneRosterResult["toBeDeleted"] = [];
  let skipped = 0;

  for (const r of users.rows) {
    const extra = extraFieldsMessage(r.row, r.filled, users.header.length, ",");
    if (extra) {
      problems.push({ row: r.row, code: "bad_row", message: extra });
      continue;
    }
    const id = cell(users, r, "sourcedid");
    const facts = inlineRoles
      ? { role: norm(cell(users, r, "role")), orgs: list(cell(users, r, "orgsourcedids")) }
      : (roleOf.get(id) ?? { role: "", orgs: [] });
    const status = norm(cell(users, r, "status"));
    if (facts.role !== "student") {
      skipped++;
      const role = facts.role || "no role";
      byRole.set(role, [...(byRole.get(role) ?? []), r.row]);
      continue;
    }
    if (status === "tobedeleted") {
      skipped++;
      deletedRows.push(r.row);
      toBeDeleted.push({ row: r.row, id });
      continue;
    }
    if (status !== "" && status !== "active") {
      problems.push({
        row: r.row,
        code: "bad_row",
        message: `Row ${r.row} has status "${status}"; OneRoster allows active, tobedeleted or empty. This row was left out.`,
      });
      continue;
    }
    students.push({
      row: r.row,
      id,
      schools: schoolsOf(facts.orgs.length ? facts.orgs : list(cell(users, r, "primaryorg"))),
      values: {
        id,
        email: cell(users, r, "email"),
        sis_id: cell(users, r, "identifier"),
        first_name: cell(users, r, "givenname"),
        last_name: cell(users, r, "familyname"),
        // Multi-valued grades ("09,10"): the first is the student's grade.
        grade: list(cell(users, r, "grades"))[0] ?? "",
      },
    });
  }

  const named = (id: string) => ({ sourcedId: id, name: orgNames.get(id) ?? null });
  const describe = (ids: string[]) => ids.map((id) => (orgNames.has(id) ? `${orgNames.get(id)} (${id})` : id)).join(", ");
  const allSchools = [...new Set(students.flatMap((s) => s.schools))].sort();
  let kept = students;
  if (school) {
    const known = allSchools.includes(school) || schoolIds.has(school);
    if (!known) {
      throw new OneRosterError(
        "unknown_school",
        `No student in this file belongs to the school "${school}". Its schools are: ${describe(allSchools) || "none"}. Choose one of them with ?school=.`,
        allSchools.map(named),
      );
    }
    kept = students.filter((s) => s.schools.includes(school));
    const others = students.filter((s) => !s.schools.includes(school)).map((s) => s.row);
    if (others.length) {
      skipped += others.length;
      problems.push({
        row: others[0]!,
        code: "other_school",
        message: `${others.length} ${others.length === 1 ? "student belongs" : "students belong"} to other schools and ${others.length === 1 ? "was" : "were"} not imported (${rowList(others)}).`,
      });
    }
  } else if (allSchools.length > 1) {
    throw new OneRosterError(
      "school_required",
      `This file holds ${allSchools.length} schools: ${describe(allSchools)}. Import one school at a time: choose it with ?school=<sourcedId>.`,
      allSchools.map(named),
    );
  }

  for (const [role, rows] of [...byRole].sort(([a], [b]) => a.localeCompare(b))) {
    problems.push({
      row: rows[0]!,
      code: "not_a_student",
      message: `${rows.length} ${rows.length === 1 ? "row is" : "rows are"} ${role === "no role" ? "without a role" : `role "${role}"`}, not students, and ${rows.length === 1 ? "was" : "were"} not imported (${rowList(rows)}).`,
    });
  }
  if (deletedRows.length) {
    problems.push({
      row: deletedRows[0]!,
      code: "tobedeleted",
      message: `${deletedRows.length} ${deletedRows.length === 1 ? "student is" : "students are"} marked tobedeleted and ${deletedRows.length === 1 ? "was" : "were"} not imported (${rowList(deletedRows)}).`,
    });
  }
  return { rows: kept.map(({ row, values }) => ({ row, values })), problems, skipped, toBeDeleted };
}

/** users.csv, orgs.csv and roles.csv of a OneRoster CSV zip (in any folder; the shallowest wins). */
export function readOneRosterZip(bytes: Uint8Array): OneRosterFiles {
  const wanted = new Set(["users.csv", "orgs.csv", "roles.csv"]);
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (f) => {
        if (isJunkEntry(f.name) || !wanted.has(baseName(f.name).toLowerCase())) return false;
        if (f.originalSize > MAX_ONEROSTER_ENTRY_BYTES) {
          throw new OneRosterError(
            "too_large",
            `${f.name} in the zip is ${Math.round(f.originalSize / 1048576)} MB unpacked; at most ${MAX_ONEROSTER_ENTRY_BYTES / 1048576} MB can be imported.`,
          );
        }
        return true;
      },
    });
  } catch (err) {
    if (err instanceof OneRosterError) throw err;
    throw new OneRosterError(
      "unreadable",
      `The zip file could not be read (${err instanceof Error ? err.message : String(err)}). Export it again from your SIS.`,
    );
  }
  const pick = (name: string) => {
    const path = Object.keys(entries)
      .filter((p) => baseName(p).toLowerCase() === name)
      .sort((a, b) => a.split("/").length - b.split("/").length || (a < b ? -1 : 1))[0];
    return path === undefined ? null : new TextDecoder().decode(entries[path]);
  };
  const users = pick("users.csv");
  if (users === null) {
    throw new OneRosterError(
      "no_users_file",
      `The zip holds no users.csv, so it is not a OneRoster CSV export. It needs users.csv (and orgs.csv to name the schools).`,
    );
  }
  return { users, orgs: pick("orgs.csv"), roles: pick("roles.csv") };
}
