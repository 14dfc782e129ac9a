/**
 * PSPA index files (`INDEX.TXT` / `MASTER.TXT`) as delivered by school photographers
 * (Lifetouch, Jostens, …): tab-delimited lines with the columns
 *
 *   Volume, Image Folder, Image File Name, Grade, Last Name, First Name, Homeroom,
 *   Period, Teacher, Track, Department, Title, Image Size
 *
 * This module knows the PSPA layout, when a "table" upload is really an index, and the
 * name/grade normalisation used to find a student by name. Matching rows against the roster
 * and the received files lives in match.ts and roster.ts.
 */
import { baseName, extOf, IMAGE_EXT, PHOTO_LIKE_EXT } from "../shared/delivery";
import type { MappingProblem } from "./errors";
import { eachRecord } from "./table";
import { clean, decodeMappingText, MAX_MAPPING_ROWS, short } from "./text";

/** One line of a PSPA index, as read (cells trimmed). */
export type PspaRow = {
  /** Line number as an editor or spreadsheet shows it (1 = first line, header included). */
  row: number;
  volume: string;
  /** Image Folder with `\` turned into `/`, no leading/trailing slash; may be "". */
  folder: string;
  image_file_name: string;
  /** The image's path: folder + "/" + file name (just the file name when the folder is empty). */
  file: string;
  grade: string;
  last_name: string;
  first_name: string;
  homeroom: string;
  period: string;
  teacher: string;
  track: string;
  department: string;
  title: string;
  image_size: string;
  /** A `bad_row` when the line cannot be used (too few columns, no file name, no name). */
  problem: MappingProblem | null;
};

export type PspaParseResult = {
  rows: PspaRow[];
  /** True when the first non-blank line was a header (and was skipped). */
  header: boolean;
  /** File-level problems (`bad_mapping`, `too_many_rows`). */
  problems: MappingProblem[];
};

const COLS = [
  "volume",
  "folder",
  "image_file_name",
  "grade",
  "last_name",
  "first_name",
  "homeroom",
  "period",
  "teacher",
  "track",
  "department",
  "title",
  "image_size",
] as const;

/** Longest cell we keep; longer cells make the line a `bad_row` (protects messages and memory). */
const MAX_CELL = 512;

/**
 * Parses the decoded text of a PSPA index. Never throws. `maxRows` caps the number of
 * non-blank data lines read (a `too_many_rows` problem says so).
 */
export function parsePspaText(text: string, maxRows: number): PspaParseResult {
  const problems: MappingProblem[] = [];
  const rows: PspaRow[] = [];
  // PSPA is tab-delimited; a few tools export it with commas. Use commas only when the
  // first non-blank line has no tab at all but looks like a PSPA line with commas.
  const firstLine = text.split("\n", 50).find((l) => l.trim() !== "") ?? "";
  const delimiter = !firstLine.includes("\t") && firstLine.split(",").length >= 6 ? "," : "\t";

  let lineNo = 0;
  let header = false;
  let seenNonBlank = false;
  let dataRows = 0;
  let truncated = false;
  eachRecord(text, delimiter, (cells, errors, stop) => {
    lineNo++;
    if (cells.every((c) => clean(c) === "")) return;
    if (!seenNonBlank) {
      seenNonBlank = true;
      if (isPspaHeader(cells)) {
        header = true;
        return;
      }
    }
    if (dataRows >= maxRows) {
      truncated = true;
      stop();
      return;
    }
    dataRows++;
    rows.push(toRow(lineNo, cells, errors.length > 0));
  });
  if (truncated) {
    problems.push({
      row: null,
      file: null,
      code: "too_many_rows",
      message: `The index has more than ${maxRows.toLocaleString("en-US")} lines; only the first ${maxRows.toLocaleString("en-US")} were read. Split the photos into smaller uploads.`,
    });
  }
  return { rows, header, problems };
}

function isPspaHeader(cells: string[]): boolean {
  const c0 = clean(cells[0]).toLowerCase();
  const c2 = clean(cells[2]).toLowerCase();
  const c4 = clean(cells[4]).toLowerCase();
  if (/\.(jpe?g|png|webp|tiff?|heic|gif|bmp)$/.test(c2)) return false;
  return c0 === "volume" || /(file|image)\s*_?name/.test(c2) || /^(last\s*_?name|surname)$/.test(c4);
}

function toRow(lineNo: number, rawCells: string[], quoteError: boolean): PspaRow {
  const cells = rawCells.slice(0, COLS.length).map(clean);
  const get = (i: number) => cells[i] ?? "";
  const folder = get(1)
    .replace(/\\/g, "/")
    .replace(/^\/+|\/+$/g, "");
  const name = get(2).replace(/\\/g, "/");
  const row: PspaRow = {
    row: lineNo,
    volume: get(0),
    folder,
    image_file_name: name,
    file: folder ? `${folder}/${name.replace(/^\/+/, "")}` : name,
    grade: get(3),
    last_name: get(4),
    first_name: get(5),
    homeroom: get(6),
    period: get(7),
    teacher: get(8),
    track: get(9),
    department: get(10),
    title: get(11),
    image_size: get(12),
    problem: null,
  };
  const bad = (message: string): PspaRow => ({
    ...row,
    problem: { row: lineNo, file: name || null, code: "bad_row", message },
  });
  if (rawCells.some((c) => c.length > MAX_CELL)) {
    return bad(`Line ${lineNo} has a value longer than ${MAX_CELL} characters, which is not a name or a file name. Check that this is a PSPA index file.`);
  }
  if (quoteError) {
    return bad(`Line ${lineNo} has a quote (") that is never closed, so the line could not be read. Remove the stray quote.`);
  }
  if (rawCells.length < 6) {
    return bad(
      `Line ${lineNo} has ${rawCells.length} column${rawCells.length === 1 ? "" : "s"}; a PSPA index line needs at least 6 (Volume, Image Folder, Image File Name, Grade, Last Name, First Name), separated by tabs.`,
    );
  }
  if (!name) {
    return bad(`Line ${lineNo} has no image file name (third column), so no photo can be matched. Add the file name or remove the line.`);
  }
  if (!isStaffRow(row) && (normalizeName(row.last_name) === "" || normalizeName(row.first_name) === "")) {
    return bad(
      `Line ${lineNo} ("${short(name)}") is missing the student's last or first name, so the student cannot be found. Add the name or remove the line.`,
    );
  }
  return row;
}

/**
 * A staff/teacher line, not a student: a Department is set, or the grade is empty and a
 * Title is set, or the grade itself says staff/faculty/teacher.
 */
export function isStaffRow(r: Pick<PspaRow, "grade" | "title" | "department">): boolean {
  if (r.department !== "") return true;
  if (r.grade === "" && r.title !== "") return true;
  return /^(staff|faculty|teachers?|admin(istration|istrator)?|employee|adult)s?$/i.test(r.grade.trim());
}

const SPECIAL_LETTERS: Record<string, string> = {
  ß: "ss",
  æ: "ae",
  œ: "oe",
  ø: "o",
  đ: "d",
  ð: "d",
  ł: "l",
  þ: "th",
  ı: "i",
};

/**
 * Name key for matching: accents removed (é → e), lower case, and every character that
 * is not a letter or digit removed, so "O'Brien" = "OBrien" = "O Brien" and
 * "Mary-Jane" = "Mary Jane". Nothing else is forgiven (no nicknames, no initials, no
 * edit distance) so that two different people never share a key by accident.
 */
export function normalizeName(s: string | null | undefined): string {
  if (!s) return "";
  return s
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[ßæœøđðłþı]/g, (c) => SPECIAL_LETTERS[c] ?? c)
    .replace(/[^\p{L}\p{N}]+/gu, "");
}

/**
 * Grade key: "09", "9", "9th", "Grade 9", "Gr. 9" → "9"; "K", "KG", "Kinder",
 * "Kindergarten", "0", "00" → "K"; "PK", "Pre-K", "Pre-Kindergarten", "Preschool", "-1" → "PK";
 * "TK" → "TK". Anything else: lower case without spaces/punctuation. "" when empty.
 */
export function normalizeGrade(s: string | null | undefined): string {
  if (!s) return "";
  let g = s
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .trim();
  g = g
    .replace(/^(grade|grd|gr)\.?\s*/, "")
    .replace(/\s*(grade|grd|gr)\.?$/, "")
    .trim();
  if (/^-?0*1$/.test(g) && g.startsWith("-")) return "PK";
  const num = /^0*(\d{1,2})\s*(st|nd|rd|th)?$/.exec(g);
  if (num) return num[1] === "0" ? "K" : String(Number(num[1]));
  const key = g.replace(/[^a-z0-9]+/g, "");
  if (["k", "kg", "kn", "kdg", "kinder", "kindergarten", "0k"].includes(key)) return "K";
  if (["pk", "prek", "prekindergarten", "preschool", "ps"].includes(key)) return "PK";
  if (["tk", "transitionalkindergarten"].includes(key)) return "TK";
  return key;
}

/** Homeroom key: lower case letters and digits only, a leading "room"/"rm" dropped, leading zeros dropped. */
export function normalizeHomeroom(s: string | null | undefined): string {
  if (!s) return "";
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "")
    .replace(/^(room|rm)(?=\d)/, "")
    .replace(/^0+(?=.)/, "");
}

/**
 * Parses a PSPA index (INDEX.TXT / MASTER.TXT) from bytes. Tab-delimited, header optional,
 * image path = Image Folder + "/" + Image File Name (backslashes become slashes). Never throws.
 */
export function parsePspaIndex(bytes: Uint8Array): { rows: PspaRow[]; header: boolean; problems: MappingProblem[] } {
  const decoded = decodeMappingText(bytes, "PSPA index");
  if (!decoded.ok) return { rows: [], header: false, problems: [decoded.problem] };
  return parsePspaText(decoded.text.replace(/\r\n?/g, "\n"), MAX_MAPPING_ROWS);
}

/**
 * True when a "table" upload is really a PSPA index: its name is INDEX.TXT/MASTER.TXT, or it is
 * tab-delimited with at least 6 columns and an image file name in the third column.
 */
export function looksLikePspa(fileName: string, bytes: Uint8Array): boolean {
  const b = baseName(fileName).toLowerCase();
  if (b === "index.txt" || b === "master.txt") return true;
  const decoded = decodeMappingText(bytes.subarray(0, 64 * 1024));
  if (!decoded.ok) return false;
  const lines = decoded.text
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .slice(0, 40)
    .filter((l) => l.trim() !== "");
  let pspa = 0;
  let data = 0;
  for (const l of lines) {
    const c = l.split("\t").map((s) => clean(s.replace(/^"|"$/g, "")));
    if (c.length < 6) continue;
    data++;
    const e2 = extOf(c[2] ?? "");
    if ((IMAGE_EXT.has(e2) || PHOTO_LIKE_EXT.has(e2)) && !IMAGE_EXT.has(extOf(c[1] ?? "")) && !(c[0] ?? "").includes("@")) pspa++;
  }
  return data > 0 && pspa >= Math.max(1, data * 0.8) && pspa >= lines.length * 0.5;
}
