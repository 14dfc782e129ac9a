/**
 * File names in a mapping: how a name written in a row (with or without folders, case or file
 * type) finds the received file it means, and how a cell that is a file name is told from one
 * that is a student. Which names are photos, junk or the mapping itself is a rule shared with
 * the pages and the CLI, so it lives in src/shared/delivery.ts and is only imported here.
 */
import { baseName, classifyFileName, extOf, IMAGE_EXT, isJunkEntry, PHOTO_LIKE_EXT } from "../shared/delivery";
import type { MappingProblem } from "./errors";
import { clean, cmp, push, q } from "./text";

const DOCUMENT_EXT = new Set([
  "txt",
  "csv",
  "tsv",
  "pdf",
  "doc",
  "docx",
  "xls",
  "xlsx",
  "ods",
  "numbers",
  "pages",
  "key",
  "zip",
  "rtf",
  "xml",
  "json",
  "html",
  "htm",
  "db",
  "ini",
  "lnk",
  "mov",
  "mp4",
  "m4v",
  "md",
]);

export function normPath(s: string): string {
  return clean(s)
    .replace(/\\/g, "/")
    .replace(/^(\.\/)+/, "")
    .replace(/^\/+/, "")
    .normalize("NFC");
}

export function stemOf(path: string): string {
  const b = baseName(path);
  const i = b.lastIndexOf(".");
  return i > 0 ? b.slice(0, i) : b;
}

/** A value that looks like an image file name or a path (used to tell the file column apart). */
export function looksLikeFileName(s: string): boolean {
  const ext = extOf(s);
  if (s.includes("@")) return IMAGE_EXT.has(ext) || PHOTO_LIKE_EXT.has(ext);
  return IMAGE_EXT.has(ext) || PHOTO_LIKE_EXT.has(ext) || DOCUMENT_EXT.has(ext) || /[\\/]/.test(s);
}

/** A value that could be an email or school ID: one token without spaces or delimiters. */
export function looksLikeIdentifier(s: string): boolean {
  return /^[^\s,;\t"]+$/.test(s);
}

export function typeName(ext: string): string {
  return ext ? ext.toUpperCase() : "without a file type";
}

// ───────────────────────────── received files ─────────────────────────────

export type FileIndex = {
  /** Non-junk received names, deduplicated, sorted. */
  all: string[];
  exact: Map<string, string[]>;
  lower: Map<string, string[]>;
  base: Map<string, string[]>;
  stem: Map<string, string[]>;
};

export function indexFiles(received: string[]): FileIndex {
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

export type FileLookup = { file: string; warning: MappingProblem | null } | { file: null; ambiguous: string[] } | { file: null; ambiguous: null };

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
export function lookupFile(idx: FileIndex, ref: string, row: number): FileLookup {
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
