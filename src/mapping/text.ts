/**
 * Text: a mapping file's or PSPA index's bytes → text (UTF-8, UTF-16, Windows-1252), what a
 * body that is not a table really is (a workbook, a zip, an image, JSON…) and what to send
 * instead, the size limits of what is read, and the small helpers that shape values for messages.
 */
import { sniffImageType } from "../imaging/sniff";
import { badMapping, MappingError, type MappingProblem } from "./errors";
// ───────────────────────────── limits ─────────────────────────────

/** At most this many data rows are read from a mapping file (a `too_many_rows` problem says so). */
export const MAX_MAPPING_ROWS = 50_000;
/** Larger mapping files are refused with `bad_mapping` (routes may refuse earlier with 413). */
export const MAX_MAPPING_BYTES = 16 * 1024 * 1024;

// ───────────────────────────── small helpers ─────────────────────────────

/** Trim, and drop invisible characters Excel and web copies leave behind. */
export function clean(s: string | undefined | null): string {
  return (s ?? "").replace(/[\u200B-\u200D\u2060\uFEFF]/g, "").trim();
}

/** Shortens a value for a message. */
export function short(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

export function q(s: string): string {
  return `"${short(s)}"`;
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

export function listNames(names: string[], max = 3): string {
  const shown = names.slice(0, max).map(q).join(", ");
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

/**
 * `notText`: the bytes are not text at all (a workbook, an image, a zip, binary bytes), as
 * opposed to text that is not a table (JSON, a web page) or an empty file; `detected` names
 * what the bytes are when that is known (`xlsx`, `zip`, `jpeg`, `json`…).
 */
export type DecodedText =
  | { ok: true; text: string; encoding: "utf-8" | "utf-16le" | "utf-16be" | "windows-1252" }
  | { ok: false; problem: MappingProblem; notText: boolean; detected: string | null };

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
 * kind as imaging/sniff.ts's sniffImageType names it (the one table of magic numbers).
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
  const fail = (message: string, notText = false, detected: string | null = null): DecodedText => ({
    ok: false,
    problem: badMapping(message),
    notText,
    detected,
  });
  if (bytes.length === 0)
    return fail(`The ${what} is empty. Fill in one row per student (email or school ID, then the photo's file name) and upload it again.`);
  if (bytes.length > MAX_MAPPING_BYTES) {
    return fail(
      `The ${what} is ${(bytes.length / 1048576).toFixed(1)} MB; the limit is ${MAX_MAPPING_BYTES / 1048576} MB. Split it into smaller files and upload them one at a time.`,
    );
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
  const utf16 = (le: boolean, body: Uint8Array) => decodeWith(le ? "utf-16le" : "utf-16be", body) ?? decodeUtf16Manually(body, le);
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
  if (text.trim() === "")
    return fail(`The ${what} is empty. Fill in one row per student (email or school ID, then the photo's file name) and upload it again.`);
  if (/^\s*<\?xml[\s?]/.test(text) && !/<svg[\s>]/i.test(text.slice(0, 4096))) {
    return fail(`The ${what} is ${NOT_A_TABLE.xml!.what}, not a CSV file. ${NOT_A_TABLE.xml!.todo}`, false, "xml");
  }
  const json = jsonShape(text, /^application\/([\w.-]+\+)?json$/.test(mediaType));
  if (json) return fail(`The ${what} is JSON (${json}), not a CSV table. ${ROWS_AS_CSV}`, false, "json");
  return { ok: true, text, encoding };
}

/**
 * As decodeMappingText, for a caller that refuses what is not a table outright instead of
 * previewing it: throws a MappingError saying what the body is and what to send.
 */
export function readMappingText(bytes: Uint8Array, what = "mapping file", mediaType = ""): string {
  const decoded = decodeMappingText(bytes, what, mediaType);
  if (!decoded.ok) throw new MappingError(decoded.notText ? "not_text" : "not_a_table", decoded.problem.message, { detected: decoded.detected });
  return decoded.text;
}
