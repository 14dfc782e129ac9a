import { Unzip, UnzipInflate, type UnzipFile } from "fflate";
import { ApiError } from "../http/errors";
import { nowIso } from "../features/common.schemas";
import { IMAGE_LIMITS } from "./imaging";
import { stagedArchiveKey } from "../storage/keys";
import { classifyFileName, isJunkEntry } from "./mapping";
import { getUploadRow, normalizeFileName, recordUploadFile, stageFile, UPLOAD_LIMITS, type UploadRow } from "./uploads";

export const ARCHIVE_LIMITS = {
  /** What a zip may expand to in all; past it the archive is refused (zip bombs). */
  maxUncompressedBytes: 4 * 1024 * 1024 * 1024,
  maxEntries: UPLOAD_LIMITS.maxFiles,
  /** Entries written to R2 at once while unpacking. */
  concurrency: 8,
};

export async function failArchive(db: D1Database, org: string, uploadId: string, message: string) {
  await db
    .prepare("UPDATE uploads SET archive_status = 'failed', archive_message = ?3 WHERE org = ?1 AND id = ?2 AND archive_status = 'extracting'")
    .bind(org, uploadId, message)
    .run();
}

type Entry = { name: string; chunks: Uint8Array[]; size: number; dropped: "too_large" | "unsupported_compression" | null; done: boolean };

const join = (chunks: Uint8Array[], size: number) => {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
};

/** The most an entry may be: an image's byte limit, a mapping file's, nothing for anything else. */
function entryLimit(name: string) {
  const kind = classifyFileName(name);
  if (kind === "image" || kind === "unsupported_image") return IMAGE_LIMITS.maxBytes;
  return /\.(csv|tsv|txt)$/i.test(name) ? UPLOAD_LIMITS.maxMappingBytes : 0;
}

/**
 * Unpacks the staged zip into the upload's files, entry by entry, reading the archive as a stream:
 * memory holds one read chunk plus the entries being written, never the archive. Entry names are
 * only names (normalised; `../` cannot leave the upload). Junk (`__MACOSX/`, `._*`, `.DS_Store`,
 * `Thumbs.db`) is skipped. Re-running it after a crash stages the same names again (upserts).
 */
export async function extractArchive(env: Env, org: string, uploadId: string) {
  const upload = await getUploadRow(env.DB, org, uploadId);
  if (!upload || upload.status !== "draft" || upload.archive_status !== "extracting") return;
  const object = await env.PHOTOS.get(stagedArchiveKey(org, uploadId));
  if (!object) return failArchive(env.DB, org, uploadId, "The zip file was not found. Upload it again.");

  const entries: Entry[] = [];
  let total = 0;
  let count = 0;
  let failure: string | null = null;

  const unzip = new Unzip((file: UnzipFile) => {
    if (failure) return;
    if (file.name.endsWith("/") || isJunkEntry(file.name)) return;
    if (++count > ARCHIVE_LIMITS.maxEntries) {
      failure = `The zip holds more than ${ARCHIVE_LIMITS.maxEntries} files. Split it into several uploads.`;
      return;
    }
    const limit = entryLimit(file.name);
    const entry: Entry = { name: file.name, chunks: [], size: 0, dropped: null, done: false };
    if (limit === 0) return; // documents and other files are not needed: not even inflated
    entries.push(entry);
    file.ondata = (err, data, final) => {
      if (err) {
        failure = `The zip file is damaged (${err.message}). Create it again and upload it.`;
        return;
      }
      total += data.byteLength;
      if (total > ARCHIVE_LIMITS.maxUncompressedBytes) {
        failure = `The zip expands to more than ${ARCHIVE_LIMITS.maxUncompressedBytes / 1024 ** 3} GB. Split it into several uploads.`;
      }
      entry.size += data.byteLength;
      if (entry.size > limit) {
        entry.dropped = "too_large";
        entry.chunks = [];
      } else if (!entry.dropped) {
        entry.chunks.push(data);
      }
      if (final) entry.done = true;
    };
    try {
      file.start();
    } catch {
      entry.dropped = "unsupported_compression";
      entry.done = true;
    }
  });
  unzip.register(UnzipInflate);

  const stageReady = async () => {
    const ready = entries.filter((e) => e.done);
    for (let i = 0; i < ready.length; i += ARCHIVE_LIMITS.concurrency) {
      await Promise.all(ready.slice(i, i + ARCHIVE_LIMITS.concurrency).map((e) => stageEntry(env, org, upload, e)));
    }
    for (const e of ready) entries.splice(entries.indexOf(e), 1);
  };

  const reader = object.body.getReader();
  let tail = new Uint8Array();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (value) tail = keepTail(tail, value);
      unzip.push(value ?? new Uint8Array(), done);
      if (failure) break;
      await stageReady();
      if (done) break;
    }
  } catch (err) {
    failure ??= `The zip file could not be read (${err instanceof Error ? err.message : String(err)}). Create it again and upload it.`;
  } finally {
    await reader.cancel().catch(() => {});
  }
  if (!failure && (entries.some((e) => !e.done) || !endsWithDirectory(tail))) {
    failure = "The zip file ends early (it may not have finished uploading or downloading). Upload it again.";
  }
  if (!failure && count === 0) failure = "The zip file holds no files (or is not a zip file).";
  if (failure) return failArchive(env.DB, org, uploadId, failure);

  await env.DB.prepare(
    "UPDATE uploads SET archive_status = 'extracted', archive_message = ?3 WHERE org = ?1 AND id = ?2 AND archive_status = 'extracting'",
  )
    .bind(org, uploadId, `${count} files unpacked at ${nowIso()}`)
    .run();
  await env.PHOTOS.delete(stagedArchiveKey(org, uploadId));
}

/** A zip ends with its central directory's end record (≤ 22 bytes + a comment of ≤ 64 KB). */
const TAIL_BYTES = 22 + 0xffff;

function keepTail(tail: Uint8Array, chunk: Uint8Array) {
  if (chunk.byteLength >= TAIL_BYTES) return chunk.slice(chunk.byteLength - TAIL_BYTES);
  const keep = Math.min(tail.byteLength, TAIL_BYTES - chunk.byteLength);
  const out = new Uint8Array(keep + chunk.byteLength);
  out.set(tail.subarray(tail.byteLength - keep));
  out.set(chunk, keep);
  return out;
}

/**
 * The entries are read as a stream, which cannot tell a zip cut between two entries from a
 * whole one; the end record, whose comment length must reach exactly to the end, can.
 */
function endsWithDirectory(tail: Uint8Array) {
  for (let p = tail.byteLength - 22; p >= 0; p--) {
    if (tail[p] === 0x50 && tail[p + 1] === 0x4b && tail[p + 2] === 0x05 && tail[p + 3] === 0x06) {
      const commentLength = tail[p + 20]! | (tail[p + 21]! << 8);
      if (p + 22 + commentLength === tail.byteLength) return true;
    }
  }
  return false;
}

async function stageEntry(env: Env, org: string, upload: UploadRow, entry: Entry) {
  try {
    if (!entry.dropped) {
      await stageFile(env, org, upload, entry.name, join(entry.chunks, entry.size), false);
      return;
    }
    const message =
      entry.dropped === "too_large"
        ? `This file is larger than the limit of ${Math.round(IMAGE_LIMITS.maxBytes / 1048576)} MB.`
        : "This file is stored in the zip with a compression method we cannot read. Zip the folder again with your computer's built-in zip tool.";
    // Recorded without bytes, so the preview names the problem against the row that wanted this file.
    const code = entry.dropped === "too_large" ? "image_too_large" : "image_unreadable";
    await recordUploadFile(env.DB, org, upload.id, { name: normalizeFileName(entry.name), bytes: entry.size, type: null, problem: { code, message } });
  } catch (err) {
    // an unusable entry name is skipped, never fatal for the archive
    if (!(err instanceof ApiError)) throw err;
  }
}
