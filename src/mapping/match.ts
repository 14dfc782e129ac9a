/**
 * Matching: every row of a mapping (a table, a PSPA index, or the received files' own names)
 * against the school's roster and the received files, into the preview: rows with their
 * student, file, status and problems, and the counts.
 *
 * Decisions where the contract is silent (see also the JSDoc of each export):
 * - Row numbers are spreadsheet rows: record 1 is the first line of the file (header
 *   included); blank lines count, a quoted cell with line breaks stays one row.
 * - Counts: `rows = matched + unmatched + skipped`. `matched`: the row found exactly one
 *   student who gets a photo from it. `unmatched`: no student (bad row, unknown, ambiguous).
 *   `skipped`: deliberately not processed (opted out, repeated student, staff line).
 *   `ready` (extra): matched and its file is there and usable — what submit will process.
 * - A student named by several rows gets the photo of the first such row; later rows are
 *   `duplicate_student` and skipped.
 * - One received file referenced for two different students is `duplicate_file` on every
 *   such row and none of them is ready: a photo shows who a student is, and we cannot tell
 *   which row is the mistake, so we never put one face on two students.
 * - Without a mapping, every received photo becomes a row; its row number is its position
 *   (1-based) in the received file names sorted by code unit, so it does not depend on the
 *   order in which files arrived.
 * - Extension-less file references ("IMG_0001") match a uniquely named received image
 *   ("IMG_0001.JPG") with the warning `file_extension_assumed`.
 * - Text that is not valid UTF-8 is read as Windows-1252 (what Excel on Windows writes).
 */
import { MAPPING_WARNING_CODES } from "../shared/problem-codes";
import { classifyFileName, extOf } from "../shared/delivery";
import { badMapping, type MappingProblem } from "./errors";
import { indexFiles, lookupFile, normPath, stemOf, typeName, type FileIndex } from "./file-names";
import { isStaffRow, looksLikePspa, parsePspaIndex } from "./pspa";
import { displayName, indexRoster, lookupByIdentifier, lookupPspa, type Lookup, type RosterStudent } from "./roster";
import { parseMappingTable } from "./table";
import { clean, listNames, push, q, short } from "./text";

/**
 * What maps files to students: a CSV/TSV table, a PSPA index, or nothing (files are named
 * after students). `fileName` is the mapping file's name (or path inside a zip); a received
 * file with exactly that name is not counted as a photo.
 */
export type MappingSource = { kind: "table"; fileName: string; bytes: Uint8Array } | { kind: "pspa"; fileName: string; bytes: Uint8Array } | { kind: "none" };

/** `csv` comma, `semicolon`, `tsv` tab, `pspa` index, `file_names` no mapping. */
export type MappingFormat = "csv" | "semicolon" | "tsv" | "pspa" | "file_names";

/**
 * `ready`: has a student and a usable received file — will be processed.
 * `unmatched`: something blocks it (student or file not found, bad row, conflict).
 * `skipped`: deliberately not processed (opted out, repeated student, staff line).
 */
export type MappingRowStatus = "ready" | "unmatched" | "skipped";

export type MappingRow = {
  row: number;
  /** Column 1 as written (email or school ID); for PSPA "Last, First (grade G)"; without mapping the file's base name. */
  identifier: string;
  /** The file name as written in the mapping (for PSPA: Image Folder/Image File Name). */
  file: string;
  student_id: string | null;
  /** "First Last" of the matched student (or their email/ID when the roster has no name). */
  student_name: string | null;
  /** The received file name this row resolved to, or null. */
  matched_file: string | null;
  status: MappingRowStatus;
  problems: MappingProblem[];
};

export type MappingCounts = {
  /** Data rows (header and blank lines excluded). rows = matched + unmatched + skipped. */
  rows: number;
  matched: number;
  unmatched: number;
  /** Extra: rows deliberately not processed (opted_out, duplicate_student, not_a_student). */
  skipped: number;
  /** Extra: matched rows whose file is received and usable. */
  ready: number;
  /** Received photos (images and photo-like files such as HEIC; junk and documents excluded). */
  files_received: number;
  /** Rows (not skipped) whose file was not received. */
  missing_files: number;
  /** Received images no row refers to. */
  unreferenced_files: number;
};

export type MappingPreview = {
  format: MappingFormat;
  rows: MappingRow[];
  /** Every problem: file-level first, then the rows' in row order, then received files' by name. */
  problems: MappingProblem[];
  counts: MappingCounts;
};

/**
 * Builds the mapping source for an uploaded mapping file: a PSPA index when it looks like one
 * (see looksLikePspa), else a table.
 */
export function mappingSourceFor(fileName: string, bytes: Uint8Array): MappingSource {
  return looksLikePspa(fileName, bytes) ? { kind: "pspa", fileName, bytes } : { kind: "table", fileName, bytes };
}

// ───────────────────────────── matching ─────────────────────────────

type Entry = {
  row: number;
  identifier: string;
  file: string;
  /** Resolves the student; absent when `blocked` is set. */
  lookup?: () => Lookup;
  /** A problem that makes the row unusable before any lookup (bad_row). */
  blocked?: MappingProblem;
  /** A problem that makes the row skipped before any lookup (not_a_student). */
  skip?: MappingProblem;
};

const FILE_PROBLEMS = new Set(["missing_file", "ambiguous_file", "unsupported_type"]);

/** What one pass over the entries shares: the received files, and which of them rows refer to. */
type MatchContext = { files: FileIndex; referenced: Set<string>; rowWord: "row" | "line" };

/** Step 1: the received file a row names, or why it has none (missing, ambiguous, not a photo). */
function resolveFile(ctx: MatchContext, e: Entry): { matchedFile: string | null; problems: MappingProblem[] } {
  const problems: MappingProblem[] = [];
  if (!e.file) return { matchedFile: null, problems };
  const f = lookupFile(ctx.files, e.file, e.row);
  if (f.file !== null) {
    ctx.referenced.add(f.file);
    if (f.warning) problems.push(f.warning);
    const kind = classifyFileName(f.file);
    if (kind === "unsupported_image" || kind === "other") {
      const ext = extOf(f.file);
      problems.push({
        row: e.row,
        file: e.file,
        code: "unsupported_type",
        message:
          kind === "unsupported_image"
            ? `The file ${q(f.file)} is a ${typeName(ext)} image, which is not supported. Convert it to JPEG or PNG and upload it again.`
            : `The file ${q(f.file)} is not a photo (${typeName(ext)}). Photos must be JPEG, PNG or WebP files; correct the file name in this ${ctx.rowWord}.`,
      });
    }
    return { matchedFile: f.file, problems };
  }
  if (f.ambiguous) {
    for (const a of f.ambiguous) ctx.referenced.add(a);
    const sample = f.ambiguous.find((a) => a.includes("/")) ?? f.ambiguous[0]!;
    problems.push({
      row: e.row,
      file: e.file,
      code: "ambiguous_file",
      message: `Several uploaded files match ${q(e.file)}: ${listNames(f.ambiguous)}. Write the file name with its folder (for example ${q(sample)}) so it is clear which one is meant.`,
    });
  } else {
    problems.push({
      row: e.row,
      file: e.file,
      code: "missing_file",
      message: `The file ${q(e.file)} was not uploaded. Add it to the upload, or correct the file name in this ${ctx.rowWord}.`,
    });
  }
  return { matchedFile: null, problems };
}

/** Step 2: one entry → its row, with the student it names (or why not) and its file's problems. */
function matchEntry(ctx: MatchContext, e: Entry): MappingRow {
  const file = resolveFile(ctx, e);
  const problems: MappingProblem[] = [];
  let student: RosterStudent | null = null;
  let status: MappingRowStatus = "unmatched";
  if (e.blocked) {
    problems.push(e.blocked);
  } else if (e.skip) {
    problems.push(e.skip);
    status = "skipped";
  } else if (e.lookup) {
    const l = e.lookup();
    if (l.student) {
      student = l.student;
      if (l.warning) problems.push(l.warning);
    } else {
      problems.push(l.problem);
    }
  }
  if (student?.photo_opt_out) {
    problems.push({
      row: e.row,
      file: e.file || null,
      code: "opted_out",
      message: `${displayName(student)} has opted out of photos, so this ${ctx.rowWord} is skipped and no photo is stored for this student.`,
    });
    status = "skipped";
  }
  // A skipped or unreadable row is not processed, so what is wrong with its file does not matter.
  if (status !== "skipped" && !e.blocked) problems.push(...file.problems);
  return {
    row: e.row,
    identifier: e.identifier,
    file: e.file,
    student_id: student?.id ?? null,
    student_name: student ? displayName(student) : null,
    matched_file: file.matchedFile,
    status,
    problems,
  };
}

/** Step 3: a student named by several rows — the first row sets the photo, later rows are skipped. */
function skipRepeatedStudents(rows: MappingRow[], rowWord: string): void {
  const firstRowOf = new Map<string, MappingRow>();
  for (const r of rows) {
    if (r.status === "skipped" || r.student_id === null) continue;
    const first = firstRowOf.get(r.student_id);
    if (!first) {
      firstRowOf.set(r.student_id, r);
      continue;
    }
    r.problems = r.problems.filter((p) => !FILE_PROBLEMS.has(p.code));
    const firstBlocked = first.problems.some((p) => FILE_PROBLEMS.has(p.code));
    r.problems.push({
      row: r.row,
      file: r.file || null,
      code: "duplicate_student",
      message:
        `${r.student_name} already gets a photo from ${rowWord} ${first.row} (${q(first.file)}), so this ${rowWord} is skipped and the photo is set only once.` +
        (firstBlocked
          ? ` The file of ${rowWord} ${first.row} is not usable yet: fix it, or remove ${rowWord} ${first.row} so that this ${rowWord} is used.`
          : ` Remove one of the two ${rowWord}s if the other photo is the right one.`),
    });
    r.status = "skipped";
  }
}

/** Step 4: one file for two different students — flag every such row, process none of them. */
function flagSharedFiles(rows: MappingRow[], rowWord: string): void {
  const rowsByFile = new Map<string, MappingRow[]>();
  for (const r of rows) {
    if (r.status !== "skipped" && r.student_id !== null && r.matched_file !== null) push(rowsByFile, r.matched_file, r);
  }
  for (const [file, list] of rowsByFile) {
    if (list.length < 2) continue;
    const rowsText = list.map((r) => r.row).join(", ");
    const names = list.map((r) => r.student_name ?? "").join(", ");
    for (const r of list) {
      r.problems.push({
        row: r.row,
        file: r.file || null,
        code: "duplicate_file",
        message: `The file ${q(file)} is used for ${list.length} different students (${rowWord}s ${rowsText}: ${names}). A photo can belong to one student only, so none of these ${rowWord}s will be processed. Correct the file name in the wrong ${rowWord}.`,
      });
    }
  }
}

/** Step 5: a row not skipped is ready when it has a student and a file and nothing blocks it. */
function settleStatuses(rows: MappingRow[]): void {
  for (const r of rows) {
    if (r.status === "skipped") continue;
    const blocking = r.problems.some((p) => !MAPPING_WARNING_CODES.has(p.code));
    r.status = r.student_id !== null && r.matched_file !== null && !blocking ? "ready" : "unmatched";
  }
}

/** Step 6: received photos no row refers to (unsupported ones are named as such). */
function unreferencedFiles(ctx: MatchContext, candidates: Set<string>, format: MappingFormat, report: boolean): { problems: MappingProblem[]; count: number } {
  const problems: MappingProblem[] = [];
  let count = 0;
  for (const f of ctx.files.all) {
    if (!candidates.has(f) || ctx.referenced.has(f)) continue;
    if (classifyFileName(f) === "unsupported_image") {
      problems.push({
        row: null,
        file: f,
        code: "unsupported_type",
        message: `The file ${q(f)} is a ${typeName(extOf(f))} image, which is not supported. Convert it to JPEG or PNG and upload it again.`,
      });
      continue;
    }
    count++;
    if (report) {
      problems.push({
        row: null,
        file: f,
        code: "unreferenced_file",
        message:
          format === "pspa"
            ? `The file ${q(f)} was uploaded but no line of the index refers to it, so it will not be used.`
            : `The file ${q(f)} was uploaded but no row of the mapping file refers to it, so it will not be used. Add a row for it if it belongs to a student.`,
      });
    }
  }
  return { problems, count };
}

/** Step 7: the counts the preview shows (see MappingCounts). */
function countRows(rows: MappingRow[], filesReceived: number, unreferenced: number): MappingCounts {
  const matched = rows.filter((r) => r.status !== "skipped" && r.student_id !== null).length;
  const skipped = rows.filter((r) => r.status === "skipped").length;
  return {
    rows: rows.length,
    matched,
    unmatched: rows.length - matched - skipped,
    skipped,
    ready: rows.filter((r) => r.status === "ready").length,
    files_received: filesReceived,
    missing_files: rows.filter((r) => r.status !== "skipped" && r.problems.some((p) => p.code === "missing_file")).length,
    unreferenced_files: unreferenced + rows.filter((r) => r.problems.some((p) => p.code === "unreferenced_file")).length,
  };
}

function matchEntries(
  format: MappingFormat,
  entries: Entry[],
  files: FileIndex,
  candidates: Set<string>,
  sourceProblems: MappingProblem[],
  opts: { reportUnreferenced: boolean },
): MappingPreview {
  const ctx: MatchContext = { files, referenced: new Set(), rowWord: format === "pspa" ? "line" : "row" };
  const rows = entries.map((e) => matchEntry(ctx, e));
  skipRepeatedStudents(rows, ctx.rowWord);
  flagSharedFiles(rows, ctx.rowWord);
  settleStatuses(rows);
  const unreferenced = unreferencedFiles(ctx, candidates, format, opts.reportUnreferenced);
  return {
    format,
    rows,
    problems: [...sourceProblems, ...rows.flatMap((r) => r.problems), ...unreferenced.problems],
    counts: countRows(rows, candidates.size, unreferenced.count),
  };
}

/**
 * The preview of a bulk upload: every mapping row with the student and the received file it
 * resolved to, its status and problems, plus file-level problems and counts.
 *
 * - `table`: a CSV/TSV mapping (see parseMappingTable); identifiers with "@" are emails
 *   (case-insensitive), others school IDs (exact, then ignoring leading zeros when unique).
 * - `pspa`: a PSPA index; students matched by last + first name (accents and punctuation
 *   ignored) and grade, homeroom breaking ties; staff lines are `not_a_student`.
 * - `none`: every received photo is a row, matched by its base name to a student's school ID
 *   or email (`001234.jpg`, `jane.doe@school.org.jpg`).
 *
 * `receivedFiles` are names as uploaded (folders allowed, `/` or `\`); junk entries are ignored.
 * Linear in rows + students + files. Never throws.
 */
export function matchMappingRows(source: MappingSource, roster: RosterStudent[], receivedFiles: string[]): MappingPreview {
  try {
    return matchUnsafe(source, roster, receivedFiles);
  } catch (err) {
    // Defensive: a bug must not turn a bad upload into a 500.
    const files = indexFiles(receivedFiles);
    const candidates = files.all.filter((f) => classifyFileName(f) !== "other");
    return {
      format: source.kind === "none" ? "file_names" : source.kind === "pspa" ? "pspa" : "csv",
      rows: [],
      problems: [badMapping(`The mapping could not be read (${short(String(err), 120)}). Check the file, or contact support with this message.`)],
      counts: { rows: 0, matched: 0, unmatched: 0, skipped: 0, ready: 0, files_received: candidates.length, missing_files: 0, unreferenced_files: 0 },
    };
  }
}

function matchUnsafe(source: MappingSource, roster: RosterStudent[], receivedFiles: string[]): MappingPreview {
  const sourceName = source.kind === "none" ? null : source.fileName;
  const files = indexFiles(receivedFiles.filter((f) => f !== sourceName));
  const candidates = new Set(files.all.filter((f) => classifyFileName(f) !== "other"));
  const roster_ = indexRoster(roster);

  if (source.kind === "none") {
    const entries: Entry[] = [];
    let n = 0;
    for (const f of files.all) {
      if (!candidates.has(f)) continue;
      n++;
      const identifier = clean(stemOf(normPath(f)));
      const row = n;
      entries.push({
        row,
        identifier,
        file: f,
        lookup: () => lookupByIdentifier(roster_, identifier, row, f, true),
      });
    }
    return matchEntries("file_names", entries, files, candidates, [], { reportUnreferenced: true });
  }

  if (source.kind === "pspa") {
    const parsed = parsePspaIndex(source.bytes);
    const entries: Entry[] = parsed.rows.map((r) => {
      const name = [r.last_name, r.first_name].filter(Boolean).join(", ") || "(no name)";
      const identifier = `${name}${r.grade ? ` (grade ${r.grade})` : ""}`;
      const base = { row: r.row, identifier, file: r.file };
      if (r.problem) return { ...base, blocked: r.problem };
      if (isStaffRow(r)) {
        const role = r.title || r.department || r.grade;
        return {
          ...base,
          skip: {
            row: r.row,
            file: r.file || null,
            code: "not_a_student",
            message: `This line is for a staff member${role ? ` (${short(role, 40)})` : ""}, not a student, so it is skipped.`,
          },
        };
      }
      return { ...base, lookup: () => lookupPspa(roster_, r) };
    });
    const unreadable = parsed.problems.some((p) => p.code === "bad_mapping");
    return matchEntries("pspa", entries, files, candidates, parsed.problems, { reportUnreferenced: !unreadable });
  }

  const parsed = parseMappingTable(source.bytes);
  const entries: Entry[] = parsed.rows.map((r) => {
    const base = { row: r.row, identifier: r.identifier, file: r.file };
    if (r.problem) return { ...base, blocked: r.problem };
    return { ...base, lookup: () => lookupByIdentifier(roster_, r.identifier, r.row, r.file, false) };
  });
  if (parsed.rows.length === 0 && parsed.problems.length === 0) {
    parsed.problems.push(
      badMapping(
        `The mapping file has ${parsed.header ? "a header but no rows" : "no rows"}. Add one row per student (email or school ID, then the photo's file name) and upload it again.`,
      ),
    );
  }
  const unreadable = parsed.problems.some((p) => p.code === "bad_mapping");
  return matchEntries(parsed.format, entries, files, candidates, parsed.problems, { reportUnreferenced: !unreadable });
}
