/**
 * Bulk-upload mapping: parses a mapping file (CSV/TSV), a photographer's PSPA index
 * (INDEX.TXT / MASTER.TXT) or no mapping at all (files named after students), and matches
 * it against the school's roster and the received file names. Pure functions: no D1, no R2,
 * no HTTP, no clock, no randomness — the same input always gives the same preview.
 *
 * Nothing here throws on bad input: unreadable files, garbage bytes, huge rows… all come
 * back as problems `{row, file, code, message}` whose message tells a school admin what to do.
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
import Papa from "papaparse";
import { isStaffRow, normalizeGrade, normalizeHomeroom, normalizeName, parsePspaText, type PspaRow } from "./pspa";
import { MAPPING_WARNING_CODES } from "../shared/problem-codes";
import { baseName, classifyFileName, extOf, findMappingInArchive, findPspaIndex, IMAGE_EXT, isJunkEntry, PHOTO_LIKE_EXT } from "../shared/delivery";
import { sniffImageType } from "./image-header";
import { delimiterName, extraFieldsMessage, filledFieldCount } from "../shared/csv-rows";

// ───────────────────────────── types ─────────────────────────────

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

/**
 * What maps files to students: a CSV/TSV table, a PSPA index, or nothing (files are named
 * after students). `fileName` is the mapping file's name (or path inside a zip); a received
 * file with exactly that name is not counted as a photo.
 */
export type MappingSource =
  | { kind: "table"; fileName: string; bytes: Uint8Array }
  | { kind: "pspa"; fileName: string; bytes: Uint8Array }
  | { kind: "none" };

/** `csv` comma, `semicolon`, `tsv` tab, `pspa` index, `file_names` no mapping. */
export type MappingFormat = "csv" | "semicolon" | "tsv" | "pspa" | "file_names";

/** One problem. `row` is a spreadsheet row number (or null for file-level problems). */
export type MappingProblem = { row: number | null; file: string | null; code: string; message: string };

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

export type { PspaRow } from "./pspa";

// ───────────────────────────── limits and codes ─────────────────────────────

/** At most this many data rows are read from a mapping file (a `too_many_rows` problem says so). */
export const MAX_MAPPING_ROWS = 50_000;
/** Larger mapping files are refused with `bad_mapping` (routes may refuse earlier with 413). */
export const MAX_MAPPING_BYTES = 16 * 1024 * 1024;
const MAX_IDENTIFIER = 320;
const MAX_FILE_NAME = 1024;

export { MAPPING_WARNING_CODES };
// The file-name rules live in src/shared/delivery.ts (shared with the pages and the CLI).
export { classifyFileName, findMappingInArchive, findPspaIndex, isJunkEntry };

// ───────────────────────────── small helpers ─────────────────────────────

/** Trim, and drop invisible characters Excel and web copies leave behind. */
function clean(s: string | undefined | null): string {
  return (s ?? "").replace(/[\u200B-\u200D\u2060\uFEFF]/g, "").trim();
}

/** Shortens a value for a message. */
function short(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function q(s: string): string {
  return `"${short(s)}"`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

function listNames(names: string[], max = 3): string {
  const shown = names.slice(0, max).map(q).join(", ");
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

const DOCUMENT_EXT = new Set([
  "txt", "csv", "tsv", "pdf", "doc", "docx", "xls", "xlsx", "ods", "numbers", "pages", "key",
  "zip", "rtf", "xml", "json", "html", "htm", "db", "ini", "lnk", "mov", "mp4", "m4v", "md",
]);

function normPath(s: string): string {
  return clean(s)
    .replace(/\\/g, "/")
    .replace(/^(\.\/)+/, "")
    .replace(/^\/+/, "")
    .normalize("NFC");
}

function stemOf(path: string): string {
  const b = baseName(path);
  const i = b.lastIndexOf(".");
  return i > 0 ? b.slice(0, i) : b;
}

/** A value that looks like an image file name or a path (used to tell the file column apart). */
function looksLikeFileName(s: string): boolean {
  const ext = extOf(s);
  if (s.includes("@")) return IMAGE_EXT.has(ext) || PHOTO_LIKE_EXT.has(ext);
  return IMAGE_EXT.has(ext) || PHOTO_LIKE_EXT.has(ext) || DOCUMENT_EXT.has(ext) || /[\\/]/.test(s);
}

/** A value that could be an email or school ID: one token without spaces or delimiters. */
function looksLikeIdentifier(s: string): boolean {
  return /^[^\s,;\t"]+$/.test(s);
}

function typeName(ext: string): string {
  return ext ? ext.toUpperCase() : "without a file type";
}

// ───────────────────────────── decoding ─────────────────────────────

/**
 * `notText`: the bytes are not text at all (a workbook, an image, a zip, binary bytes), as
 * opposed to text that is not a table (JSON, a web page) or an empty file; `detected` names
 * what the bytes are when that is known (`xlsx`, `zip`, `jpeg`, `json`…).
 */
export type DecodedText =
  | { ok: true; text: string; encoding: "utf-8" | "utf-16le" | "utf-16be" | "windows-1252" }
  | { ok: false; problem: MappingProblem; notText: boolean; detected: string | null };

function badMapping(message: string): MappingProblem {
  return { row: null, file: null, code: "bad_mapping", message };
}

function startsWith(bytes: Uint8Array, sig: number[], at = 0): boolean {
  if (bytes.length < at + sig.length) return false;
  return sig.every((b, i) => bytes[at + i] === b);
}

function decodeWith(label: string, bytes: Uint8Array): string | null {
  try {
    return new TextDecoder(label, { fatal: label === "utf-8", ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}

function decodeUtf16Manually(bytes: Uint8Array, littleEndian: boolean): string {
  const parts: string[] = [];
  const chunk: number[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    const a = bytes[i]!;
    const b = bytes[i + 1]!;
    chunk.push(littleEndian ? a | (b << 8) : (a << 8) | b);
    if (chunk.length === 8192) {
      parts.push(String.fromCharCode(...chunk));
      chunk.length = 0;
    }
  }
  parts.push(String.fromCharCode(...chunk));
  return parts.join("");
}

function decodeLatin1(bytes: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += 8192) parts.push(String.fromCharCode(...bytes.subarray(i, i + 8192)));
  return parts.join("");
}

const SAVE_AS_CSV = `Open it in Excel, Google Sheets or LibreOffice and save it as CSV (in Excel: File › Save As › "CSV UTF-8"; in Google Sheets: File › Download › CSV), then upload that file.`;
const ROWS_AS_CSV = "Send a CSV file with one row per student: the email or school ID, then the photo's file name (Download template shows the layout).";
const PHOTOS_ARE_FILES = `Photos are sent as the upload's files (or in a zip with the archive upload); the mapping file is the list of students and file names, saved as CSV.`;

/**
 * What a mapping body that is not a CSV table is, in words, and what to send instead, by
 * kind as image-header.ts's sniffImageType names it (the one table of magic numbers).
 */
const NOT_A_TABLE: Record<string, { what: string; todo: string }> = {
  xlsx: { what: "an Excel workbook (.xlsx)", todo: SAVE_AS_CSV },
  ods: { what: "an OpenDocument spreadsheet (.ods)", todo: SAVE_AS_CSV },
  docx: { what: "a Word document (.docx)", todo: `Put the list in a spreadsheet instead. ${ROWS_AS_CSV}` },
  zip: { what: "a zip archive", todo: `A zip of photos goes in with the archive upload, not as the mapping file. ${ROWS_AS_CSV}` },
  office: { what: "an Excel 97–2003 workbook (.xls) or another older Office document", todo: SAVE_AS_CSV },
  pdf: { what: "a PDF document", todo: `Upload the spreadsheet it was printed from, saved as CSV. ${ROWS_AS_CSV}` },
  jpeg: { what: "a JPEG image", todo: PHOTOS_ARE_FILES },
  png: { what: "a PNG image", todo: PHOTOS_ARE_FILES },
  webp: { what: "a WebP image", todo: PHOTOS_ARE_FILES },
  heic: { what: "a HEIC image", todo: PHOTOS_ARE_FILES },
  avif: { what: "an AVIF image", todo: PHOTOS_ARE_FILES },
  jxl: { what: "a JPEG XL image", todo: PHOTOS_ARE_FILES },
  jp2: { what: "a JPEG 2000 image", todo: PHOTOS_ARE_FILES },
  gif: { what: "a GIF image", todo: PHOTOS_ARE_FILES },
  tiff: { what: "a TIFF image", todo: PHOTOS_ARE_FILES },
  bmp: { what: "a BMP image", todo: PHOTOS_ARE_FILES },
  raw: { what: "a camera RAW image", todo: PHOTOS_ARE_FILES },
  psd: { what: "a Photoshop document", todo: PHOTOS_ARE_FILES },
  ico: { what: "an icon", todo: PHOTOS_ARE_FILES },
  svg: { what: "an SVG drawing", todo: PHOTOS_ARE_FILES },
  isobmff: { what: "a HEIF or MP4-family file", todo: PHOTOS_ARE_FILES },
  video: { what: "a video", todo: PHOTOS_ARE_FILES },
  riff: { what: "an audio or video file", todo: ROWS_AS_CSV },
  gzip: { what: "a compressed (gzip) archive", todo: ROWS_AS_CSV },
  archive: { what: "a compressed archive (RAR or 7z)", todo: ROWS_AS_CSV },
  html: { what: "a web page (HTML)", todo: `Save the table as CSV instead. ${ROWS_AS_CSV}` },
  xml: { what: "an XML file (perhaps a spreadsheet saved as XML)", todo: SAVE_AS_CSV },
};

/** True when the first KB has no control bytes: then a binary signature at the start is a coincidence ("RIFF,a.jpg"). */
function headIsText(bytes: Uint8Array): boolean {
  for (let i = 0; i < Math.min(bytes.length, 1024); i++) {
    const c = bytes[i]!;
    if (c < 0x09 || (c > 0x0d && c < 0x20) || c === 0x7f) return false;
  }
  return true;
}

/** A zip's kind from the names of its first entries: Office Open XML and OpenDocument files are zips. */
function zipKind(bytes: Uint8Array): "xlsx" | "ods" | "docx" | "zip" {
  const head = decodeLatin1(bytes.subarray(0, 64 * 1024));
  if (head.includes("opendocument.spreadsheet")) return "ods";
  if (/xl\/[A-Za-z_]/.test(head)) return "xlsx";
  if (head.includes("word/")) return "docx";
  return "zip";
}

/** The kind of a body that is not text (or is markup, not a table), from its content; null for text and unknown bytes. */
function sniffNonTable(bytes: Uint8Array): { kind: string; notText: boolean } | null {
  const sniffed = sniffImageType(bytes);
  const kind = sniffed.kind === "other" ? sniffed.name : sniffed.kind;
  if (kind === "text" || kind === "unknown") return null;
  if (kind === "html" || kind === "svg") return { kind, notText: false };
  if (kind !== "pdf" && headIsText(bytes)) return null;
  return { kind: kind === "zip" ? zipKind(bytes) : kind, notText: true };
}

/**
 * The shape of a text that is JSON, in words; null when it is not JSON. A bare number is
 * also a one-cell CSV (a school ID), so it counts only when the body was declared JSON.
 */
function jsonShape(text: string, declaredJson: boolean): string | null {
  const t = text.trim();
  if (!declaredJson && !/^[[{"]|^(null|true|false)$/.test(t)) return null;
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return null;
  }
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  return typeof v === "object" ? "an object" : typeof v === "string" ? "a text value" : typeof v === "number" ? "a number" : "true or false";
}

/**
 * Bytes of a mapping file or PSPA index → text. UTF-8 (BOM or not), UTF-16 LE/BE (with a
 * BOM, or detected from the zero bytes of ASCII text), else Windows-1252. Recognises what is
 * not a table (workbooks, zips, PDFs, images, binary bytes, JSON, web pages) and says what it
 * is and what to send. `mediaType` is the type the body was declared with, if any.
 */
export function decodeMappingText(bytes: Uint8Array, what = "mapping file", mediaType = ""): DecodedText {
  const fail = (message: string, notText = false, detected: string | null = null): DecodedText => ({ ok: false, problem: badMapping(message), notText, detected });
  if (bytes.length === 0) return fail(`The ${what} is empty. Fill in one row per student (email or school ID, then the photo's file name) and upload it again.`);
  if (bytes.length > MAX_MAPPING_BYTES) {
    return fail(`The ${what} is ${(bytes.length / 1048576).toFixed(1)} MB; the limit is ${MAX_MAPPING_BYTES / 1048576} MB. Split it into smaller files and upload them one at a time.`);
  }
  const sniffed = sniffNonTable(bytes);
  if (sniffed) {
    const known = NOT_A_TABLE[sniffed.kind] ?? { what: `a ${sniffed.kind.toUpperCase()} file`, todo: ROWS_AS_CSV };
    return fail(`The ${what} is ${known.what}, not a CSV file. ${known.todo}`, sniffed.notText, sniffed.kind);
  }
  if (startsWith(bytes, [0xff, 0xfe, 0x00, 0x00]) || startsWith(bytes, [0x00, 0x00, 0xfe, 0xff])) {
    return fail(`The ${what} is saved as UTF-32 text, which is not supported. Save it as "CSV UTF-8" and upload it again.`, true, "utf-32");
  }

  let text: string | null;
  let encoding: "utf-8" | "utf-16le" | "utf-16be" | "windows-1252";
  const utf16 = (le: boolean, body: Uint8Array) =>
    decodeWith(le ? "utf-16le" : "utf-16be", body) ?? decodeUtf16Manually(body, le);
  if (startsWith(bytes, [0xff, 0xfe])) {
    encoding = "utf-16le";
    text = utf16(true, bytes.subarray(2));
  } else if (startsWith(bytes, [0xfe, 0xff])) {
    encoding = "utf-16be";
    text = utf16(false, bytes.subarray(2));
  } else {
    // UTF-16 without a BOM: ASCII text has a zero byte in every pair.
    const n = Math.min(bytes.length, 1024) & ~1;
    let evenZeros = 0;
    let oddZeros = 0;
    for (let i = 0; i < n; i += 2) {
      if (bytes[i] === 0) evenZeros++;
      if (bytes[i + 1] === 0) oddZeros++;
    }
    const pairs = n / 2;
    if (pairs >= 4 && oddZeros > pairs * 0.3 && evenZeros < pairs * 0.05) {
      encoding = "utf-16le";
      text = utf16(true, bytes);
    } else if (pairs >= 4 && evenZeros > pairs * 0.3 && oddZeros < pairs * 0.05) {
      encoding = "utf-16be";
      text = utf16(false, bytes);
    } else {
      encoding = "utf-8";
      text = decodeWith("utf-8", bytes);
      if (text === null) {
        encoding = "windows-1252";
        text = decodeWith("windows-1252", bytes) ?? decodeLatin1(bytes);
      }
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = text.replace(/\x1a+$/, ""); // DOS end-of-file marker

  // Binary garbage: text files have (almost) no control characters.
  const sample = text.length > 200_000 ? text.slice(0, 200_000) : text;
  let controls = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if (c === 0) {
      controls = Infinity;
      break;
    }
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f || c === 0xfffd) controls++;
  }
  if (controls > sample.length * 0.01) {
    return fail(`The ${what} is not text: it does not look like a CSV file (perhaps a spreadsheet or another program's file). ${SAVE_AS_CSV}`, true);
  }
  if (text.trim() === "") return fail(`The ${what} is empty. Fill in one row per student (email or school ID, then the photo's file name) and upload it again.`);
  if (/^\s*<\?xml[\s?]/.test(text) && !/<svg[\s>]/i.test(text.slice(0, 4096))) {
    return fail(`The ${what} is ${NOT_A_TABLE.xml!.what}, not a CSV file. ${NOT_A_TABLE.xml!.todo}`, false, "xml");
  }
  const json = jsonShape(text, /^application\/([\w.-]+\+)?json$/.test(mediaType));
  if (json) return fail(`The ${what} is JSON (${json}), not a CSV table. ${ROWS_AS_CSV}`, false, "json");
  return { ok: true, text, encoding };
}

// ───────────────────────────── table parsing ─────────────────────────────

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
  Papa.parse<string[]>(text, {
    delimiter,
    newline: "\n",
    quoteChar: '"',
    skipEmptyLines: false,
    step: (res, parser) => {
      row++;
      const cells = Array.isArray(res.data) ? res.data : [];
      let blank = true;
      let longest = 0;
      for (const c of cells) {
        if (blank && clean(c) !== "") blank = false;
        if (c.length > longest) longest = c.length;
      }
      if (blank) return;
      if (records.length >= maxNonBlank) {
        more = true;
        parser.abort();
        return;
      }
      records.push({
        row,
        cells: cells.slice(0, keepCells),
        count: cells.length,
        filled: filledFieldCount(cells),
        quoteError: res.errors.some((e) => e.code === "MissingQuotes")
          ? "missing"
          : res.errors.some((e) => e.type === "Quotes")
            ? "invalid"
            : null,
        longest,
      });
    },
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

const STRONG_LABEL_WORDS = new Set([
  "email", "mail", "id", "ids", "sis", "student", "students", "identifier", "file", "filename",
  "filenames", "files", "photo", "photos", "image", "images", "img", "picture", "pictures", "pic",
  "pics", "path", "username", "login", "pupil",
]);
const FILE_LABEL_WORDS = new Set(["file", "filename", "filenames", "files", "photo", "photos", "image", "images", "img", "picture", "pictures", "pic", "pics", "path"]);
const ID_LABEL_WORDS = new Set(["email", "mail", "id", "ids", "sis", "student", "students", "identifier", "username", "login", "pupil"]);

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
  const names = r.cells.map((c) => clean(c).toLowerCase().replace(/[\s-]+/g, "_"));
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
      w1.some((w) => FILE_LABEL_WORDS.has(w)) && !w1.some((w) => ID_LABEL_WORDS.has(w)) &&
      w2.some((w) => ID_LABEL_WORDS.has(w)) && !w2.some((w) => FILE_LABEL_WORDS.has(w));
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
      return bad(`Row ${r.row} has nothing in its first two columns. Put the student's email or school ID in the first column and the photo's file name in the second.`);
    }
    if (identifier === "") return bad(`Row ${r.row} has a file name (${q(file)}) but no student email or school ID. Add the student, or remove the row.`);
    if (file === "") return bad(`Row ${r.row} names a student (${q(identifier)}) but no photo file name. Add the file name, or remove the row.`);
    if (identifier.length > MAX_IDENTIFIER) {
      return bad(`Row ${r.row} has a student value ${identifier.length.toLocaleString("en-US")} characters long, which is not an email or school ID. Check the row.`);
    }
    if (file.length > MAX_FILE_NAME) {
      return bad(`Row ${r.row} has a file name ${file.length.toLocaleString("en-US")} characters long, which is not a file name. Check the row.`);
    }
    return { row: r.row, identifier, file, problem: null };
  });
  return { format, header, swapped, rows, problems };
}

// ───────────────────────────── PSPA ─────────────────────────────

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
  const lines = decoded.text.replace(/\r\n?/g, "\n").split("\n").slice(0, 40).filter((l) => l.trim() !== "");
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

/**
 * Builds the mapping source for an uploaded mapping file: a PSPA index when it looks like one
 * (see looksLikePspa), else a table.
 */
export function mappingSourceFor(fileName: string, bytes: Uint8Array): MappingSource {
  return looksLikePspa(fileName, bytes) ? { kind: "pspa", fileName, bytes } : { kind: "table", fileName, bytes };
}

// ───────────────────────────── roster index ─────────────────────────────

type RosterIndex = {
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

function indexRoster(roster: RosterStudent[]): RosterIndex {
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

function displayName(s: RosterStudent): string {
  const name = [clean(s.first_name), clean(s.last_name)].filter(Boolean).join(" ");
  return name || clean(s.email) || clean(s.sis_id) || s.id;
}

function describeStudents(list: RosterStudent[], max = 3): string {
  const sorted = [...list].sort((a, b) => cmp(a.id, b.id));
  const shown = sorted.slice(0, max).map((s) => `${displayName(s)} (ID ${clean(s.sis_id) || s.id})`).join(", ");
  return list.length > max ? `${shown} and ${list.length - max} more` : shown;
}

type Lookup =
  | { student: RosterStudent; warning: MappingProblem | null; problem?: undefined }
  | { student?: undefined; problem: MappingProblem };

function lookupByIdentifier(idx: RosterIndex, identifier: string, row: number, file: string | null, noMapping: boolean): Lookup {
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

function lookupPspa(idx: RosterIndex, r: PspaRow): Lookup {
  const file = r.file || null;
  const p = (code: string, message: string): MappingProblem => ({ row: r.row, file, code, message });
  const who = `${r.first_name} ${r.last_name}`.trim();
  const gradeText = r.grade ? ` in grade ${r.grade}` : "";
  const key = nameKey(r.last_name, r.first_name);
  const candidates = key ? idx.byName.get(key) ?? [] : [];
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

// ───────────────────────────── received files ─────────────────────────────

type FileIndex = {
  /** Non-junk received names, deduplicated, sorted. */
  all: string[];
  exact: Map<string, string[]>;
  lower: Map<string, string[]>;
  base: Map<string, string[]>;
  stem: Map<string, string[]>;
};

function indexFiles(received: string[]): FileIndex {
  const all = [...new Set(received)].filter((f) => !isJunkEntry(f)).sort(cmp);
  const idx: FileIndex = { all, exact: new Map(), lower: new Map(), base: new Map(), stem: new Map() };
  for (const f of all) {
    const n = normPath(f);
    push(idx.exact, n, f);
    push(idx.lower, n.toLowerCase(), f);
    push(idx.base, baseName(n).toLowerCase(), f);
    if (classifyFileName(f) !== "other") push(idx.stem, stemOf(n).toLowerCase(), f);
  }
  return idx;
}

type FileLookup =
  | { file: string; warning: MappingProblem | null }
  | { file: null; ambiguous: string[] }
  | { file: null; ambiguous: null };

/** Among candidates sharing a base name, the unique one whose folders match the reference's most (at least one folder). */
function narrowByFolders(ref: string, candidates: string[]): string | null {
  const refDirs = normPath(ref).toLowerCase().split("/").slice(0, -1);
  if (refDirs.length === 0) return null;
  let best: string | null = null;
  let bestScore = 0;
  let tie = false;
  for (const c of candidates) {
    const dirs = normPath(c).toLowerCase().split("/").slice(0, -1);
    let score = 0;
    while (score < refDirs.length && score < dirs.length && refDirs[refDirs.length - 1 - score] === dirs[dirs.length - 1 - score]) score++;
    if (score > bestScore) {
      best = c;
      bestScore = score;
      tie = false;
    } else if (score === bestScore && score > 0) tie = true;
  }
  return bestScore > 0 && !tie ? best : null;
}

/** File name → received file: exactly, then case-insensitively, then by base name (folders ignored). */
function lookupFile(idx: FileIndex, ref: string, row: number): FileLookup {
  const n = normPath(ref);
  const exact = idx.exact.get(n) ?? [];
  if (exact.length === 1) return { file: exact[0]!, warning: null };
  const lower = idx.lower.get(n.toLowerCase()) ?? [];
  if (lower.length === 1) return { file: lower[0]!, warning: null };
  if (lower.length > 1) return { file: null, ambiguous: lower };
  const base = idx.base.get(baseName(n).toLowerCase()) ?? [];
  if (base.length === 1) return { file: base[0]!, warning: null };
  if (base.length > 1) {
    const narrowed = narrowByFolders(n, base);
    return narrowed ? { file: narrowed, warning: null } : { file: null, ambiguous: base };
  }
  if (extOf(n) === "") {
    const stem = idx.stem.get(baseName(n).toLowerCase()) ?? [];
    const found = stem.length === 1 ? stem[0]! : stem.length > 1 ? narrowByFolders(n, stem) : null;
    if (found) {
      return {
        file: found,
        warning: {
          row,
          file: ref,
          code: "file_extension_assumed",
          message: `The file name ${q(ref)} has no file type; it was matched to the uploaded file ${q(found)}. Write the full file name to be sure.`,
        },
      };
    }
    if (stem.length > 1) return { file: null, ambiguous: stem };
  }
  return { file: null, ambiguous: null };
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

function matchEntries(
  format: MappingFormat,
  entries: Entry[],
  files: FileIndex,
  candidates: Set<string>,
  sourceProblems: MappingProblem[],
  opts: { reportUnreferenced: boolean },
): MappingPreview {
  const referenced = new Set<string>();
  const rows: MappingRow[] = [];
  const rowWord = format === "pspa" ? "line" : "row";

  for (const e of entries) {
    const problems: MappingProblem[] = [];
    const fileProblems: MappingProblem[] = [];
    let matchedFile: string | null = null;
    if (e.file) {
      const f = lookupFile(files, e.file, e.row);
      if (f.file !== null) {
        matchedFile = f.file;
        referenced.add(f.file);
        if (f.warning) fileProblems.push(f.warning);
        const kind = classifyFileName(f.file);
        if (kind === "unsupported_image" || kind === "other") {
          const ext = extOf(f.file);
          fileProblems.push({
            row: e.row,
            file: e.file,
            code: "unsupported_type",
            message:
              kind === "unsupported_image"
                ? `The file ${q(f.file)} is a ${typeName(ext)} image, which is not supported. Convert it to JPEG or PNG and upload it again.`
                : `The file ${q(f.file)} is not a photo (${typeName(ext)}). Photos must be JPEG, PNG or WebP files; correct the file name in this ${rowWord}.`,
          });
        }
      } else if (f.ambiguous) {
        for (const a of f.ambiguous) referenced.add(a);
        const sample = f.ambiguous.find((a) => a.includes("/")) ?? f.ambiguous[0]!;
        fileProblems.push({
          row: e.row,
          file: e.file,
          code: "ambiguous_file",
          message: `Several uploaded files match ${q(e.file)}: ${listNames(f.ambiguous)}. Write the file name with its folder (for example ${q(sample)}) so it is clear which one is meant.`,
        });
      } else {
        fileProblems.push({
          row: e.row,
          file: e.file,
          code: "missing_file",
          message: `The file ${q(e.file)} was not uploaded. Add it to the upload, or correct the file name in this ${rowWord}.`,
        });
      }
    }

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
        message: `${displayName(student)} has opted out of photos, so this ${rowWord} is skipped and no photo is stored for this student.`,
      });
      status = "skipped";
    }
    if (status !== "skipped" && !e.blocked) problems.push(...fileProblems);
    rows.push({
      row: e.row,
      identifier: e.identifier,
      file: e.file,
      student_id: student?.id ?? null,
      student_name: student ? displayName(student) : null,
      matched_file: matchedFile,
      status,
      problems,
    });
  }

  // A student named by several rows: the first row sets the photo, later rows are skipped.
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

  // One file for two different students: flag every such row, process none of them.
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

  for (const r of rows) {
    if (r.status === "skipped") continue;
    const blocking = r.problems.some((p) => !MAPPING_WARNING_CODES.has(p.code));
    r.status = r.student_id !== null && r.matched_file !== null && !blocking ? "ready" : "unmatched";
  }

  // Received files no row refers to.
  const fileProblems: MappingProblem[] = [];
  let unreferenced = 0;
  for (const f of files.all) {
    if (!candidates.has(f) || referenced.has(f)) continue;
    if (classifyFileName(f) === "unsupported_image") {
      fileProblems.push({
        row: null,
        file: f,
        code: "unsupported_type",
        message: `The file ${q(f)} is a ${typeName(extOf(f))} image, which is not supported. Convert it to JPEG or PNG and upload it again.`,
      });
      continue;
    }
    unreferenced++;
    if (opts.reportUnreferenced) {
      fileProblems.push({
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

  const matched = rows.filter((r) => r.status !== "skipped" && r.student_id !== null).length;
  const skipped = rows.filter((r) => r.status === "skipped").length;
  return {
    format,
    rows,
    problems: [...sourceProblems, ...rows.flatMap((r) => r.problems), ...fileProblems],
    counts: {
      rows: rows.length,
      matched,
      unmatched: rows.length - matched - skipped,
      skipped,
      ready: rows.filter((r) => r.status === "ready").length,
      files_received: candidates.size,
      missing_files: rows.filter((r) => r.status !== "skipped" && r.problems.some((p) => p.code === "missing_file")).length,
      unreferenced_files: unreferenced + rows.filter((r) => r.problems.some((p) => p.code === "unreferenced_file")).length,
    },
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
