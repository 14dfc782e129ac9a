/**
 * The school's roster as matching sees it: indexed by email, school ID (with and without
 * leading zeros) and name, and the lookups that find the student a mapping row or a PSPA
 * line means, with the problem (unknown, ambiguous) or warning (leading zeros, grade not
 * checked) that goes with it.
 */
import type { MappingProblem } from "./errors";
import { normalizeGrade, normalizeHomeroom, normalizeName, type PspaRow } from "./pspa";
import { clean, cmp, push, q } from "./text";

/** A student of the school's roster, as far as matching needs it. */
export type RosterStudent = {
  id: string;
  email: string | null;
  sis_id: string | null;
  first_name: string | null;
  last_name: string | null;
  grade: string | null;
  homeroom: string | null;
  photo_opt_out: boolean;
};

export type RosterIndex = {
  byEmail: Map<string, RosterStudent[]>;
  bySis: Map<string, RosterStudent[]>;
  bySisNoZeros: Map<string, RosterStudent[]>;
  byName: Map<string, RosterStudent[]>;
};

function stripZeros(s: string): string {
  return s.replace(/^0+(?=.)/, "");
}

function nameKey(last: string | null | undefined, first: string | null | undefined): string | null {
  const l = normalizeName(last);
  const f = normalizeName(first);
  return l && f ? `${l}|${f}` : null;
}

export function indexRoster(roster: RosterStudent[]): RosterIndex {
  const idx: RosterIndex = { byEmail: new Map(), bySis: new Map(), bySisNoZeros: new Map(), byName: new Map() };
  for (const s of roster) {
    const email = clean(s.email).toLowerCase();
    if (email) push(idx.byEmail, email, s);
    const sis = clean(s.sis_id);
    if (sis) {
      push(idx.bySis, sis, s);
      push(idx.bySisNoZeros, stripZeros(sis), s);
    }
    const nk = nameKey(s.last_name, s.first_name);
    if (nk) push(idx.byName, nk, s);
  }
  return idx;
}

export function displayName(s: RosterStudent): string {
  const name = [clean(s.first_name), clean(s.last_name)].filter(Boolean).join(" ");
  return name || clean(s.email) || clean(s.sis_id) || s.id;
}

function describeStudents(list: RosterStudent[], max = 3): string {
  const sorted = [...list].sort((a, b) => cmp(a.id, b.id));
  const shown = sorted
    .slice(0, max)
    .map((s) => `${displayName(s)} (ID ${clean(s.sis_id) || s.id})`)
    .join(", ");
  return list.length > max ? `${shown} and ${list.length - max} more` : shown;
}

export type Lookup = { student: RosterStudent; warning: MappingProblem | null; problem?: undefined } | { student?: undefined; problem: MappingProblem };

export function lookupByIdentifier(idx: RosterIndex, identifier: string, row: number, file: string | null, noMapping: boolean): Lookup {
  const p = (code: string, message: string): MappingProblem => ({ row, file, code, message });
  const ambiguous = (list: RosterStudent[], how: string): Lookup => ({
    problem: p(
      "ambiguous_student",
      `${how} ${q(identifier)} matches ${list.length} students in your roster: ${describeStudents(list)}. Correct the roster or use a value that belongs to one student only${noMapping ? " (rename the file)" : ""}.`,
    ),
  });
  if (identifier.includes("@")) {
    const list = idx.byEmail.get(identifier.toLowerCase()) ?? [];
    if (list.length === 1) return { student: list[0]!, warning: null };
    if (list.length > 1) return ambiguous(list, "The email");
  }
  const exact = idx.bySis.get(identifier) ?? [];
  if (exact.length === 1) return { student: exact[0]!, warning: null };
  if (exact.length > 1) return ambiguous(exact, "The school ID");
  if (!identifier.includes("@")) {
    const loose = idx.bySisNoZeros.get(stripZeros(identifier)) ?? [];
    if (loose.length === 1) {
      const s = loose[0]!;
      return {
        student: s,
        warning: p(
          "leading_zeros_ignored",
          `The school ID ${q(identifier)} is not in your roster, but ${q(clean(s.sis_id))} (${displayName(s)}) is the same number with different leading zeros, so this ${noMapping ? "file" : "row"} was matched to that student. If that is wrong, correct the ID. (Spreadsheet programs drop leading zeros unless the column is formatted as Text.)`,
        ),
      };
    }
    if (loose.length > 1) return ambiguous(loose, "Ignoring leading zeros, the school ID");
  }
  if (noMapping) {
    // Without a mapping, a photo named after nobody is a file nothing refers to, as when no
    // mapping row names it: the same code, counted in unreferenced_files.
    return {
      problem: p(
        "unreferenced_file",
        `The file ${q(file ?? identifier)} is not named after the email or school ID of any student in your roster, so it will not be used. Rename it to the student's email or school ID (for example 001234.jpg), or upload a mapping file.`,
      ),
    };
  }
  const hint = /^\d(\.\d+)?e\+\d+$/i.test(identifier)
    ? " Excel turned this ID into scientific notation: format the column as Text, type the IDs again and save the CSV."
    : "";
  return {
    problem: p(
      "unknown_student",
      identifier.includes("@")
        ? `No student with the email ${q(identifier)} is in your roster. Check the spelling, or import the student first, then upload the mapping file again.`
        : `No student with the school ID or email ${q(identifier)} is in your roster. Check the value, or import the student first, then upload the mapping file again.${hint}`,
    ),
  };
}

export function lookupPspa(idx: RosterIndex, r: PspaRow): Lookup {
  const file = r.file || null;
  const p = (code: string, message: string): MappingProblem => ({ row: r.row, file, code, message });
  const who = `${r.first_name} ${r.last_name}`.trim();
  const gradeText = r.grade ? ` in grade ${r.grade}` : "";
  const key = nameKey(r.last_name, r.first_name);
  const candidates = key ? (idx.byName.get(key) ?? []) : [];
  if (candidates.length === 0) {
    return {
      problem: p(
        "unknown_student",
        `No student named ${q(who)} is in your roster. Check the spelling of the name in the roster, or add this student's photo by hand on their page.`,
      ),
    };
  }
  const g = normalizeGrade(r.grade);
  let pool = candidates;
  if (g) {
    pool = candidates.filter((s) => {
      const sg = normalizeGrade(s.grade);
      return sg === "" || sg === g;
    });
    if (pool.length === 0) {
      const grades = [...new Set(candidates.map((s) => clean(s.grade)))].sort(cmp).join(", ");
      return {
        problem: p(
          "unknown_student",
          `${q(who)} is in your roster, but in grade ${grades}, not grade ${r.grade}, so the line was not matched. Correct the grade in the roster or in the index, or add the photo by hand.`,
        ),
      };
    }
  }
  if (pool.length > 1) {
    const h = normalizeHomeroom(r.homeroom);
    const byRoom = h ? pool.filter((s) => normalizeHomeroom(s.homeroom) === h) : [];
    if (byRoom.length === 1) pool = byRoom;
  }
  if (pool.length > 1) {
    return {
      problem: p(
        "ambiguous_student",
        `${pool.length} students named ${q(who)}${gradeText} are in your roster (${describeStudents(pool)}) and the homeroom does not tell them apart, so no photo was assigned. Add this photo by hand on the right student's page.`,
      ),
    };
  }
  const s = pool[0]!;
  const unchecked = !g || normalizeGrade(s.grade) === "";
  return {
    student: s,
    warning: unchecked
      ? p(
          "grade_not_checked",
          g
            ? `${displayName(s)} was matched by name only, because your roster has no grade for this student. Check that the photo is the right person.`
            : `${displayName(s)} was matched by name only, because this line of the index has no grade. Check that the photo is the right person.`,
        )
      : null,
  };
}
