/**
 * Mapping tables (CSV/TSV) as schools write them: the delimiter (comma, semicolon, tab), an
 * optional header and swapped columns are detected; papaparse reads the records. Rows that
 * cannot be used come back with a `bad_row` problem, never an exception.
 */
import Papa from "papaparse";
import { delimiterName, extraFieldsMessage, filledFieldCount } from "../shared/csv-rows";
import type { MappingProblem } from "./errors";
import { looksLikeFileName, looksLikeIdentifier } from "./file-names";
import { clean, decodeMappingText, MAX_MAPPING_ROWS, plural, q, short } from "./text";

const MAX_IDENTIFIER = 320;
const MAX_FILE_NAME = 1024;

/** A data row of a mapping table. `problem` is a `bad_row` when the row cannot be used. */
export type TableRow = { row: number; identifier: string; file: string; problem: MappingProblem | null };

export type TableParseResult = {
  format: "csv" | "semicolon" | "tsv";
  /** The first non-blank row was a header (skipped). */
  header: boolean;
  /** Column 1 held the file names and column 2 the students (detected). */
  swapped: boolean;
  rows: TableRow[];
  /** File-level problems: `bad_mapping` (unreadable), `too_many_rows`. */
  problems: MappingProblem[];
};

/**
 * Reads `text` record by record with papaparse, as every mapping format is read: "\n" line ends
 * (callers normalise \r\n), `"` quotes, blank records kept so row numbers stay spreadsheet rows.
 */
export function eachRecord(text: string, delimiter: string, onRecord: (cells: string[], errors: Papa.ParseError[], stop: () => void) => void): void {
  Papa.parse<string[]>(text, {
    delimiter,
    newline: "\n",
    quoteChar: '"',
    skipEmptyLines: false,
    step: (res, parser) => onRecord(Array.isArray(res.data) ? res.data : [], res.errors, () => parser.abort()),
  });
}

/** `filled`: fields up to the last non-empty one (checked against the header's count). */
type RawRecord = { row: number; cells: string[]; count: number; filled: number; quoteError: "missing" | "invalid" | null; longest: number };

const KEEP_CELLS = 3;

/**
 * Reads records with papaparse. Blank records are dropped (their row numbers are still
 * counted). Stops after `maxNonBlank` non-blank records and reports whether there were more.
 */
function readRecords(text: string, delimiter: string, maxNonBlank: number, keepCells = KEEP_CELLS): { records: RawRecord[]; more: boolean } {
  const records: RawRecord[] = [];
  let row = 0;
  let more = false;
  eachRecord(text, delimiter, (cells, errors, stop) => {
    row++;
    let blank = true;
    let longest = 0;
    for (const c of cells) {
      if (blank && clean(c) !== "") blank = false;
      if (c.length > longest) longest = c.length;
    }
    if (blank) return;
    if (records.length >= maxNonBlank) {
      more = true;
      stop();
      return;
    }
    records.push({
      row,
      cells: cells.slice(0, keepCells),
      count: cells.length,
      filled: filledFieldCount(cells),
      quoteError: errors.some((e) => e.code === "MissingQuotes") ? "missing" : errors.some((e) => e.type === "Quotes") ? "invalid" : null,
      longest,
    });
  });
  return { records, more };
}

function detectDelimiter(text: string): "," | ";" | "\t" {
  let best: "," | ";" | "\t" = ",";
  let bestScore = [-1, -1];
  for (const d of [",", ";", "\t"] as const) {
    const { records } = readRecords(text, d, 50);
    let valid = 0;
    let multi = 0;
    for (const r of records) {
      if (r.count < 2) continue;
      multi++;
      const c1 = clean(r.cells[0]);
      const c2 = clean(r.cells[1]);
      if (looksLikeIdentifier(c1) || (looksLikeFileName(c1) && looksLikeIdentifier(c2))) valid++;
    }
    if (valid > bestScore[0]! || (valid === bestScore[0] && multi > bestScore[1]!)) {
      best = d;
      bestScore = [valid, multi];
    }
  }
  return best;
}

const FILE_LABEL_WORDS = new Set([
  "file",
  "filename",
  "filenames",
  "files",
  "photo",
  "photos",
  "image",
  "images",
  "img",
  "picture",
  "pictures",
  "pic",
  "pics",
  "path",
]);
const ID_LABEL_WORDS = new Set(["email", "mail", "id", "ids", "sis", "student", "students", "identifier", "username", "login", "pupil"]);
/** Words that make a first row a header: any label of either column. */
const STRONG_LABEL_WORDS = new Set([...ID_LABEL_WORDS, ...FILE_LABEL_WORDS]);

function labelWords(cell: string): string[] {
  return cell
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter(Boolean);
}

/** A first row is a header when its cells read like column labels, not like data. */
function isHeaderRecord(r: RawRecord): boolean {
  const c1 = clean(r.cells[0]);
  const c2 = clean(r.cells[1]);
  if (looksLikeFileName(c1) || looksLikeFileName(c2)) return false;
  if (c1.includes("@") || c2.includes("@")) return false;
  if (/\d/.test(c1) || /\d/.test(c2)) return false;
  return labelWords(c1).some((w) => STRONG_LABEL_WORDS.has(w)) || labelWords(c2).some((w) => STRONG_LABEL_WORDS.has(w));
}

/**
 * A header that names its columns (`email`, `sis_id`, `id`, `file`, as photos.csv of the export
 * does) picks them by name, whatever their number and order: `ids` are the identifier columns
 * in the order tried per row (email, then sis_id, then id), `keep` how many cells to read.
 * Null without such a header: then columns 1 and 2 (or swapped) hold identifier and file.
 */
function namedColumns(r: RawRecord | undefined): { ids: number[]; file: number; keep: number } | null {
  if (!r) return null;
  const names = r.cells.map((c) =>
    clean(c)
      .toLowerCase()
      .replace(/[\s-]+/g, "_"),
  );
  const file = names.findIndex((n) => n === "file" || n === "file_name" || n === "filename");
  const ids = ["email", "sis_id", "id"].map((n) => names.indexOf(n)).filter((i) => i >= 0);
  if (file < 0 || ids.length === 0) return null;
  return { ids, file, keep: Math.max(file, ...ids) + 1 };
}

/**
 * Parses a mapping table (CSV/TSV) from bytes: encoding, delimiter (comma, semicolon, tab),
 * optional header and swapped columns are detected. Never throws; an unreadable file gives
 * one `bad_mapping` problem and no rows; unusable rows come back with a `bad_row` problem.
 */
export function parseMappingTable(bytes: Uint8Array): TableParseResult {
  const decoded = decodeMappingText(bytes);
  if (!decoded.ok) return { format: "csv", header: false, swapped: false, rows: [], problems: [decoded.problem] };
  return parseMappingTableText(decoded.text);
}

/** As parseMappingTable, from already decoded text. */
export function parseMappingTableText(input: string): TableParseResult {
  const text = input.replace(/\r\n?/g, "\n");
  const problems: MappingProblem[] = [];
  const delimiter = detectDelimiter(text);
  const format = delimiter === "," ? "csv" : delimiter === ";" ? "semicolon" : "tsv";
  const named = namedColumns(readRecords(text, delimiter, 1, Infinity).records[0]);
  const { records, more } = readRecords(text, delimiter, MAX_MAPPING_ROWS + 1, named ? named.keep : KEEP_CELLS);

  const first = records[0];
  const header = first !== undefined && (named !== null || isHeaderRecord(first));
  let data = header ? records.slice(1) : records;
  if (data.length > MAX_MAPPING_ROWS || more) {
    data = data.slice(0, MAX_MAPPING_ROWS);
    problems.push({
      row: null,
      file: null,
      code: "too_many_rows",
      message: `The mapping file has more than ${plural(MAX_MAPPING_ROWS, "row")}; only the first ${MAX_MAPPING_ROWS.toLocaleString("en-US")} were read. Split it into smaller files and upload them one at a time.`,
    });
  }

  // Which column holds the file names: decided by content, then by the header's labels.
  let fileFirst = 0;
  let fileSecond = 0;
  for (const r of data) {
    if (r.count < 2) continue;
    const a = looksLikeFileName(clean(r.cells[0]));
    const b = looksLikeFileName(clean(r.cells[1]));
    if (a && !b) fileFirst++;
    if (b && !a) fileSecond++;
  }
  let swapped = !named && fileFirst > 0 && fileSecond === 0;
  if (!named && fileFirst === 0 && fileSecond === 0 && header && first) {
    const w1 = labelWords(clean(first.cells[0]));
    const w2 = labelWords(clean(first.cells[1]));
    swapped =
      w1.some((w) => FILE_LABEL_WORDS.has(w)) &&
      !w1.some((w) => ID_LABEL_WORDS.has(w)) &&
      w2.some((w) => ID_LABEL_WORDS.has(w)) &&
      !w2.some((w) => FILE_LABEL_WORDS.has(w));
  }

  const sep = delimiterName(delimiter);
  const rows: TableRow[] = data.map((r) => {
    const identifier = named ? (named.ids.map((i) => clean(r.cells[i])).find((v) => v !== "") ?? "") : clean(r.cells[swapped ? 1 : 0]);
    const file = clean(r.cells[named ? named.file : swapped ? 0 : 1]);
    const shown = { identifier: short(identifier, 300), file: short(file, 300) };
    const bad = (message: string): TableRow => ({
      row: r.row,
      ...shown,
      problem: { row: r.row, file: file ? short(file, 300) : null, code: "bad_row", message },
    });
    if (r.quoteError === "missing") {
      return bad(`Row ${r.row} has a quote (") that is never closed, so the rest of the file was read as one cell. Remove the stray quote or close it.`);
    }
    if (r.quoteError === "invalid") {
      return bad(`Row ${r.row} has a misplaced quote ("), so it cannot be read reliably. Remove the quote, or put the whole cell in quotes.`);
    }
    const extra = header && first ? extraFieldsMessage(r.row, r.filled, first.count, delimiter) : null;
    if (extra) return bad(extra);
    if (r.count < 2 && !named) {
      const only = clean(r.cells[0]);
      return bad(`Row ${r.row} has only one value (${q(only)}). Each row needs the student's email or school ID, then ${sep}, then the photo's file name.`);
    }
    if (identifier === "" && file === "") {
      return bad(
        `Row ${r.row} has nothing in its first two columns. Put the student's email or school ID in the first column and the photo's file name in the second.`,
      );
    }
    if (identifier === "") return bad(`Row ${r.row} has a file name (${q(file)}) but no student email or school ID. Add the student, or remove the row.`);
    if (file === "") return bad(`Row ${r.row} names a student (${q(identifier)}) but no photo file name. Add the file name, or remove the row.`);
    if (identifier.length > MAX_IDENTIFIER) {
      return bad(
        `Row ${r.row} has a student value ${identifier.length.toLocaleString("en-US")} characters long, which is not an email or school ID. Check the row.`,
      );
    }
    if (file.length > MAX_FILE_NAME) {
      return bad(`Row ${r.row} has a file name ${file.length.toLocaleString("en-US")} characters long, which is not a file name. Check the row.`);
    }
    return { row: r.row, identifier, file, problem: null };
  });
  return { format, header, swapped, rows, problems };
}

// ───────────────────────────── PSPA ─────────────────────────────
