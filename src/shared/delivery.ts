/**
 * What a photographer's delivery (a folder or a zip) holds, and how a zip of it is read: the one
 * home of these rules for the server, the pages and the upload CLI, so a zip unpacked on the
 * admin's machine sends exactly what the server would have taken from it.
 *
 * Pure TypeScript whose only import is fflate (no Worker, DOM or Node API): esbuild bundles it
 * into the pages, the Worker imports it, and the CLI (`scripts/upload/`, Node ≥ 22.18)
 * imports this file directly through Node's type stripping. Keep it free of TypeScript-only
 * syntax that Node cannot strip (enums, namespaces, parameter properties) and of relative imports.
 */
import { Unzip, UnzipInflate, type UnzipFile } from "fflate";

// ───────────────────────────── names ─────────────────────────────

export const IMAGE_EXT: ReadonlySet<string> = new Set(["jpg", "jpeg", "jpe", "jfif", "png", "webp"]);
/** Photos in a format the server does not take: still sent, so the preview can say what to convert. */
export const PHOTO_LIKE_EXT: ReadonlySet<string> = new Set([
  "heic",
  "heif",
  "gif",
  "tif",
  "tiff",
  "bmp",
  "svg",
  "avif",
  "jxl",
  "psd",
  "raw",
  "cr2",
  "cr3",
  "nef",
  "dng",
  "arw",
  "orf",
  "rw2",
]);

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function baseName(path: string): string {
  const p = path.replace(/\\/g, "/");
  return p.slice(p.lastIndexOf("/") + 1);
}

/** Lower-case extension of the base name without the dot, "" when none. */
export function extOf(path: string): string {
  const b = baseName(path);
  const i = b.lastIndexOf(".");
  return i > 0 ? b.slice(i + 1).toLowerCase() : "";
}

/**
 * True for entries that are operating-system clutter, never photos: anything under
 * `__MACOSX/`, AppleDouble `._*` files, hidden dot-files and folders, `.DS_Store`,
 * `Thumbs.db`, `ehthumbs.db`, `desktop.ini`, `Icon\r`, and folder entries (ending in `/`).
 * These are never sent and never unpacked.
 */
export function isJunkEntry(path: string): boolean {
  const p = path.replace(/\\/g, "/");
  if (p === "" || p.endsWith("/")) return true;
  const parts = p.split("/").filter((s) => s !== "" && s !== ".");
  if (parts.length === 0) return true;
  for (const part of parts) {
    if (part === "__MACOSX" || (part.startsWith(".") && part !== "..")) return true;
  }
  const base = (parts[parts.length - 1] ?? "").toLowerCase();
  return ["thumbs.db", "ehthumbs.db", "desktop.ini", "icon\r"].includes(base);
}

/**
 * What a received file name is, by name only (content is sniffed later, in processing):
 * `junk` (see isJunkEntry), `image` (.jpg/.jpeg/.png/.webp, or no extension at all — content
 * decides), `unsupported_image` (a photo in a format we do not take: HEIC, GIF, TIFF, RAW…),
 * `other` (documents and anything else).
 */
export function classifyFileName(path: string): "junk" | "image" | "unsupported_image" | "other" {
  if (isJunkEntry(path)) return "junk";
  const ext = extOf(path);
  if (ext === "" || IMAGE_EXT.has(ext)) return "image";
  if (PHOTO_LIKE_EXT.has(ext)) return "unsupported_image";
  return "other";
}

/**
 * What a zip entry is used for: a `photo` (any image name, supported or not, so the preview can
 * name the unusable ones), a `table` (.csv/.tsv/.txt: a mapping file or a PSPA index may be among
 * them) or nothing (junk, documents, nested zips: never unpacked).
 */
export function zipEntryUse(path: string): "photo" | "table" | null {
  const kind = classifyFileName(path);
  if (kind === "image" || kind === "unsupported_image") return "photo";
  if (kind === "other" && ["csv", "tsv", "txt"].includes(extOf(path))) return "table";
  return null;
}

/**
 * The PSPA index among file names (e.g. a zip's entries): `MASTER.TXT` wins over
 * `INDEX.TXT`, in any folder, case-insensitive; among several, the shallowest path, then
 * the first in code-unit order. Junk entries are ignored. Null when there is none.
 */
export function findPspaIndex(fileNames: string[]): string | null {
  const pick = (want: string) =>
    fileNames
      .filter((f) => !isJunkEntry(f) && baseName(f).toLowerCase() === want)
      .sort((a, b) => a.split(/[\\/]/).length - b.split(/[\\/]/).length || compare(a, b))[0] ?? null;
  return pick("master.txt") ?? pick("index.txt");
}

/**
 * The mapping inside an archive: a PSPA index if there is one (see findPspaIndex), else the
 * single `.csv`/`.tsv` file. Null when there is none or several candidates (the admin should
 * then upload the mapping file separately). Other `.txt` files are not taken: a zip of photos
 * often holds a README.
 */
export function findMappingInArchive(fileNames: string[]): { kind: "pspa" | "table"; path: string } | null {
  const pspa = findPspaIndex(fileNames);
  if (pspa) return { kind: "pspa", path: pspa };
  const usable = fileNames.filter((f) => !isJunkEntry(f));
  const tables = usable.filter((f) => ["csv", "tsv"].includes(extOf(f)));
  return tables.length === 1 ? { kind: "table", path: tables[0]! } : null;
}

/**
 * A file name as the server stores it: folders kept (`Grade 9/IMG_1.jpg`), backslashes as `/`,
 * and `.`, `..` and empty segments dropped, so no name can point elsewhere. "" when nothing is
 * left. (The server also refuses names over 512 characters or with control characters.)
 */
export function normalizeEntryName(raw: string): string {
  return raw
    .replace(/\\/g, "/")
    .split("/")
    .filter((seg) => seg !== "" && seg !== "." && seg !== "..")
    .join("/");
}

// ───────────────────────────── zip structure ─────────────────────────────

/** A zip ends with its central directory's end record (22 bytes + a comment of ≤ 64 KB). */
export const ZIP_TAIL_BYTES = 22 + 0xffff;

/** The last ZIP_TAIL_BYTES of what was read so far, given the previous tail and the next chunk. */
export function keepZipTail(tail: Uint8Array, chunk: Uint8Array): Uint8Array {
  if (chunk.byteLength >= ZIP_TAIL_BYTES) return chunk.slice(chunk.byteLength - ZIP_TAIL_BYTES);
  const keep = Math.min(tail.byteLength, ZIP_TAIL_BYTES - chunk.byteLength);
  const out = new Uint8Array(keep + chunk.byteLength);
  out.set(tail.subarray(tail.byteLength - keep));
  out.set(chunk, keep);
  return out;
}

/** Where the end record starts in `tail` (the file's last bytes), or -1. */
export function endRecordAt(tail: Uint8Array): number {
  for (let p = tail.byteLength - 22; p >= 0; p--) {
    if (tail[p] === 0x50 && tail[p + 1] === 0x4b && tail[p + 2] === 0x05 && tail[p + 3] === 0x06) {
      const commentLength = tail[p + 20]! | (tail[p + 21]! << 8);
      if (p + 22 + commentLength === tail.byteLength) return p;
    }
  }
  return -1;
}

/**
 * A zip read as a stream cannot tell a file cut between two entries from a whole one; the end
 * record, whose comment length must reach exactly to the end, can.
 */
export function endsWithZipDirectory(tail: Uint8Array): boolean {
  return endRecordAt(tail) >= 0;
}

/**
 * Where the central directory is, from the file's last ZIP_TAIL_BYTES (or fewer) bytes. Null when
 * there is no end record or the zip is a ZIP64 one (then the directory is not needed: it only
 * gives the progress bar its total early).
 */
export function zipDirectoryLocation(tail: Uint8Array): { offset: number; size: number } | null {
  const p = endRecordAt(tail);
  if (p < 0) return null;
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  const size = view.getUint32(p + 12, true);
  const offset = view.getUint32(p + 16, true);
  return size === 0xffffffff || offset === 0xffffffff ? null : { offset, size };
}

/** The entry names a central directory lists, decoded as fflate decodes them (UTF-8 when flagged, else Latin-1). */
export function zipDirectoryNames(directory: Uint8Array): string[] {
  const view = new DataView(directory.buffer, directory.byteOffset, directory.byteLength);
  const names: string[] = [];
  let p = 0;
  while (p + 46 <= directory.byteLength && view.getUint32(p, true) === 0x02014b50) {
    const utf8 = (view.getUint16(p + 8, true) & 0x800) !== 0;
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const raw = directory.subarray(p + 46, p + 46 + nameLength);
    names.push(utf8 ? new TextDecoder().decode(raw) : String.fromCharCode(...raw));
    p += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

/** What unpackZip will hand over, from a zip's directory names (the progress bar's total, before unpacking). */
export function entriesToUnpack(names: string[]): Array<{ name: string; use: "photo" | "table" }> {
  const out: Array<{ name: string; use: "photo" | "table" }> = [];
  for (const raw of names) {
    const name = isJunkEntry(raw) ? "" : normalizeEntryName(raw);
    const use = name ? zipEntryUse(name) : null;
    if (use) out.push({ name, use });
  }
  return out;
}

// ───────────────────────────── unpacking a zip as a stream ─────────────────────────────

/**
 * The most a client holds of one zip entry. Above the server's 20 MB, since the page makes large
 * pictures smaller before sending; past it the entry is listed as too large and not unpacked.
 */
export const MAX_UNPACKED_ENTRY_BYTES = 64 * 1024 * 1024;

/** Zip entries unpacked ahead of the sending: a few per parallel upload keeps both busy and memory small. */
export const UNPACK_AHEAD = 12;

export type ZipEntry = { name: string; use: "photo" | "table"; bytes: Uint8Array };
export type ZipSkipped = { name: string; reason: "not_needed" | "too_large" | "unsupported_compression" };
export type UnpackResult = {
  /** Entries handed to onEntry. */
  entries: number;
  /** Junk entries (system clutter) passed over. */
  junk: number;
  /** Entries not unpacked, with the reason: the caller lists them (nothing is dropped silently). */
  skipped: ZipSkipped[];
  /** Why the zip could not be read to its end (entries read whole before it were still handed over), or null. */
  failure: string | null;
};

type Reader = { read(): Promise<{ done: boolean; value?: Uint8Array }> };

type Pending = { name: string; use: "photo" | "table"; chunks: Uint8Array[]; size: number; tooLarge: boolean; done: boolean };

function join(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * Reads a zip from `reader` (a ReadableStream reader in a browser, a Node stream's async
 * iterator in the CLI) entry by entry, never holding the archive: memory holds one read chunk
 * plus the entries it completed. Each needed entry (see zipEntryUse), named as the server
 * stores names, goes to `onEntry`, which is awaited before the next chunk is read, so a caller
 * that waits while its send queue is full keeps memory bounded. Entries over `maxEntryBytes`
 * are not kept (a zip bomb cannot fill memory); they are reported in `skipped`.
 */
export async function unpackZip(
  reader: Reader,
  opts: { maxEntryBytes: number; onEntry: (entry: ZipEntry) => Promise<void> | void; shouldStop?: () => boolean },
): Promise<UnpackResult> {
  const pending: Pending[] = [];
  const result: UnpackResult = { entries: 0, junk: 0, skipped: [], failure: null };
  let seen = 0;

  const unzip = new Unzip((file: UnzipFile) => {
    if (result.failure) return;
    if (isJunkEntry(file.name)) {
      if (!file.name.endsWith("/")) result.junk++;
      return;
    }
    seen++;
    const name = normalizeEntryName(file.name);
    const use = zipEntryUse(name);
    if (!name || !use) {
      // documents, nested zips and the like are not needed: not even inflated
      result.skipped.push({ name: name || file.name, reason: "not_needed" });
      return;
    }
    const entry: Pending = { name, use, chunks: [], size: 0, tooLarge: false, done: false };
    pending.push(entry);
    file.ondata = (err, data, final) => {
      if (err) {
        result.failure = `The zip file is damaged (${err.message}). Create it again and choose it again.`;
        return;
      }
      entry.size += data.byteLength;
      if (entry.size > opts.maxEntryBytes) {
        entry.tooLarge = true;
        entry.chunks = [];
      } else if (!entry.tooLarge) {
        entry.chunks.push(data);
      }
      if (final) entry.done = true;
    };
    try {
      file.start();
    } catch {
      pending.splice(pending.indexOf(entry), 1);
      result.skipped.push({ name, reason: "unsupported_compression" });
    }
  });
  unzip.register(UnzipInflate);

  const handOver = async () => {
    while (pending[0]?.done) {
      const e = pending.shift()!;
      if (e.tooLarge) result.skipped.push({ name: e.name, reason: "too_large" });
      else {
        await opts.onEntry({ name: e.name, use: e.use, bytes: join(e.chunks, e.size) });
        result.entries++;
      }
    }
  };

  let tail: Uint8Array = new Uint8Array();
  try {
    for (;;) {
      if (opts.shouldStop?.()) return result;
      let chunk: { done: boolean; value?: Uint8Array };
      try {
        chunk = await reader.read();
      } catch (err) {
        result.failure = `The zip file could not be read (${err instanceof Error ? err.message : String(err)}).`;
        break;
      }
      const { done, value } = chunk;
      if (value?.byteLength) tail = keepZipTail(tail, value);
      try {
        unzip.push(value ?? new Uint8Array(), done);
      } catch (err) {
        // fflate throws on a broken structure, e.g. a file cut inside its central directory
        result.failure = `The zip file is damaged or incomplete (${err instanceof Error ? err.message : String(err)}). Download or create it again and choose it again.`;
      }
      if (result.failure) break;
      await handOver();
      if (done) break;
    }
  } finally {
    if (result.failure) await handOver().catch(() => {});
  }
  if (!result.failure && (pending.length > 0 || !endsWithZipDirectory(tail))) {
    result.failure = "The zip file ends early (it may not have finished downloading). Download it again and choose it again.";
  }
  if (!result.failure && seen === 0 && result.junk === 0) result.failure = "The zip file holds no files (or is not a zip file).";
  return result;
}
