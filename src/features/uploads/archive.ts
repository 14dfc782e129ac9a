/**
 * Unpacking a staged zip into the upload's files (a queue step): the central directory read by
 * range, entries checked and staged one by one, a zip cut short read as a stream. Which entries
 * are wanted and how a zip ends are the rules src/shared/delivery.ts shares with the clients.
 */
import { Inflate, strFromU8, Unzip, UnzipInflate, type UnzipFile } from "fflate";
import { ApiError, toApiError } from "../../http/errors";
import { nowIso } from "../common.schemas";
import { crc32 } from "../../imaging/crc32";
import { IMAGE_LIMITS } from "../../imaging/limits";
import { classifyFileName, endRecordAt, isJunkEntry, ZIP_TAIL_BYTES, zipEntryUse } from "../../shared/delivery";
import { stagedArchiveKey } from "../../storage/keys";
import { endArchive, type UploadRow } from "./uploads.repo";
import { enqueue, getUploadRow, normalizeFileName, recordUploadFile, stageFile, UPLOAD_LIMITS } from "./uploads.service";

export const ARCHIVE_LIMITS = {
  /** What a zip may expand to in all; past it the archive is refused (zip bombs). */
  maxUncompressedBytes: 4 * 1024 * 1024 * 1024,
  maxEntries: UPLOAD_LIMITS.maxFiles,
  /** The central directory read at once: 20,000 entries with long names and extras fit well inside. */
  maxDirectoryBytes: 32 * 1024 * 1024,
  /** Entries written to R2 at once while unpacking... */
  concurrency: 8,
  /** ...as long as their bytes (packed + unpacked) stay within this, so a few big photos never crowd the 128 MB isolate. */
  concurrentBytes: 48 * 1024 * 1024,
  /**
   * One queue message unpacks at most this many entries, or for about this long, then hands the
   * rest to a follow-up message: no invocation holds the isolate (or D1) for long, so other
   * requests keep being answered while a big delivery is unpacked.
   */
  sliceEntries: 400,
  sliceMs: 5_000,
};

export async function failArchive(db: D1Database, org: string, uploadId: string, message: string) {
  await endArchive(db, org, uploadId, "failed", message);
}

/** The message of an archive refused before anything is unpacked; the PUT answers with it too. */
export function archiveLimitError(refusal: Exclude<Directory, { ok: true } | { ok: false; reason: "no_directory" }>) {
  if (refusal.reason === "too_many_files") {
    return new ApiError(
      413,
      "too_many_files",
      `The zip holds more than ${ARCHIVE_LIMITS.maxEntries} files. An upload holds at most ${ARCHIVE_LIMITS.maxEntries}: split the delivery into several zips and upload each into its own upload.`,
    );
  }
  return new ApiError(413, "too_large", `The zip expands to more than ${ARCHIVE_LIMITS.maxUncompressedBytes / 1024 ** 3} GB. Split it into several uploads.`);
}

/**
 * Reads the staged zip's table of contents (range reads) so a zip past the limits is refused at
 * once, and dropped, instead of after minutes of unpacking. A zip without one (cut short) is
 * still taken: the consumer keeps what it can read whole and reports the rest.
 */
export async function refuseArchiveOverLimits(env: Env, org: string, uploadId: string) {
  const directory = await readDirectory(env.PHOTOS, stagedArchiveKey(org, uploadId));
  if (directory && !directory.ok && directory.reason !== "no_directory") {
    await env.PHOTOS.delete(stagedArchiveKey(org, uploadId));
    throw archiveLimitError(directory);
  }
}

// ---- The central directory ------------------------------------------------------------------

/** One file of the zip as its central directory describes it. */
export type DirectoryEntry = { name: string; flags: number; method: number; crc: number; compressedSize: number; size: number; offset: number };

export type Directory =
  | { ok: true; entries: DirectoryEntry[]; base: number; objectSize: number }
  /** No end record at the end, or a directory that does not hold together: the zip is cut short or damaged. */
  | { ok: false; reason: "no_directory" }
  | { ok: false; reason: "too_many_files" }
  | { ok: false; reason: "too_large" };

const u16 = (b: Uint8Array, p: number) => b[p]! | (b[p + 1]! << 8);
const u32 = (b: Uint8Array, p: number) => (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
const u64 = (b: Uint8Array, p: number) => u32(b, p) + u32(b, p + 4) * 2 ** 32;

async function readRange(bucket: R2Bucket, key: string, offset: number, length: number) {
  const object = await bucket.get(key, { range: { offset, length } });
  if (!object || !("body" in object)) return null;
  return new Uint8Array(await object.arrayBuffer());
}

/**
 * Reads the zip's table of contents with two or three R2 range reads (the end record, the ZIP64
 * record when there is one, the directory itself), never the whole archive. Only entries that
 * will be looked at are returned (folders and system clutter are left out); the count and the
 * declared sizes are checked against the limits before anything is extracted. Declared sizes
 * are verified again while extracting, so a directory that lies cannot get past them.
 */
export async function readDirectory(bucket: R2Bucket, key: string): Promise<Directory | null> {
  const head = await bucket.head(key);
  if (!head) return null;
  const objectSize = head.size;
  const tailLength = Math.min(objectSize, ZIP_TAIL_BYTES);
  const tail = tailLength >= 22 ? await readRange(bucket, key, objectSize - tailLength, tailLength) : null;
  if (!tail) return { ok: false, reason: "no_directory" };
  const end = endRecordAt(tail);
  if (end < 0) return { ok: false, reason: "no_directory" };
  const endAt = objectSize - tailLength + end;
  let directorySize = u32(tail, end + 12);
  let directoryOffset = u32(tail, end + 16);
  let directoryEnd = endAt;
  // ZIP64 (over 65,535 entries or 4 GB): a locator right before the end record points to the real numbers.
  if (end >= 20 && u32(tail, end - 20) === 0x07064b50) {
    const at = u64(tail, end - 20 + 8);
    const record = at + 56 <= objectSize ? await readRange(bucket, key, at, 56) : null;
    if (!record || record.byteLength < 56 || u32(record, 0) !== 0x06064b50) return { ok: false, reason: "no_directory" };
    directorySize = u64(record, 40);
    directoryOffset = u64(record, 48);
    directoryEnd = at;
  }
  if (directorySize > ARCHIVE_LIMITS.maxDirectoryBytes) return { ok: false, reason: "too_many_files" };
  // Anything in front of the zip (a self-extractor) shifts every offset by the same amount.
  const base = directoryEnd - directorySize - directoryOffset;
  if (base < 0) return { ok: false, reason: "no_directory" };
  const dir = directorySize ? await readRange(bucket, key, base + directoryOffset, directorySize) : new Uint8Array();
  if (!dir || dir.byteLength !== directorySize) return { ok: false, reason: "no_directory" };

  const entries: DirectoryEntry[] = [];
  let total = 0;
  let p = 0;
  while (p < dir.byteLength) {
    if (p + 46 > dir.byteLength || u32(dir, p) !== 0x02014b50) return { ok: false, reason: "no_directory" };
    const flags = u16(dir, p + 8);
    const nameLength = u16(dir, p + 28);
    const extraLength = u16(dir, p + 30);
    const next = p + 46 + nameLength + extraLength + u16(dir, p + 32);
    if (next > dir.byteLength) return { ok: false, reason: "no_directory" };
    // fflate's own rule, so names read the same as before: UTF-8 when flagged, else Latin-1.
    const name = strFromU8(dir.subarray(p + 46, p + 46 + nameLength), !(flags & 0x800));
    const entry: DirectoryEntry = {
      name,
      flags,
      method: u16(dir, p + 10),
      crc: u32(dir, p + 16),
      compressedSize: u32(dir, p + 20),
      size: u32(dir, p + 24),
      offset: u32(dir, p + 42),
    };
    readZip64Extra(dir.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength), entry);
    p = next;
    if (isJunkEntry(name)) continue;
    if (entries.push(entry) > ARCHIVE_LIMITS.maxEntries) return { ok: false, reason: "too_many_files" };
    total += entry.size;
    if (total > ARCHIVE_LIMITS.maxUncompressedBytes) return { ok: false, reason: "too_large" };
  }
  return { ok: true, entries, base, objectSize };
}

/** Sizes and offset that do not fit 32 bits are in the ZIP64 extra field, in this order, only those that overflowed. */
function readZip64Extra(extra: Uint8Array, e: DirectoryEntry) {
  for (let p = 0; p + 4 <= extra.byteLength; ) {
    const id = u16(extra, p);
    const length = u16(extra, p + 2);
    if (id === 0x0001) {
      let q = p + 4;
      const take = () => (q + 8 <= p + 4 + length && q + 8 <= extra.byteLength ? ((q += 8), u64(extra, q - 8)) : null);
      if (e.size === 0xffffffff) e.size = take() ?? e.size;
      if (e.compressedSize === 0xffffffff) e.compressedSize = take() ?? e.compressedSize;
      if (e.offset === 0xffffffff) e.offset = take() ?? e.offset;
      return;
    }
    p += 4 + length;
  }
}

// ---- Extraction ---------------------------------------------------------------------------

/** The most an entry may be: an image's byte limit, a mapping file's, nothing for anything else. */
function entryLimit(name: string) {
  const use = zipEntryUse(name);
  return use === "photo" ? IMAGE_LIMITS.maxBytes : use === "table" ? UPLOAD_LIMITS.maxMappingBytes : 0;
}

/** Archives are not unpacked inside archives: one level, what the admin sees in their file manager. */
const isNestedArchive = (name: string) => /\.(zip|zipx|7z|rar|tar|tgz|gz|bz2|xz)$/i.test(name);

type Outcome = { kind: "bytes"; data: Uint8Array } | { kind: "skip" } | { kind: "problem"; code: string; message: string; bytes: number };

const nestedArchive = (name: string, bytes: number): Outcome => ({
  kind: "problem",
  code: "nested_archive",
  bytes,
  message: `The file ${name} is a zip (or other archive) inside the zip; archives inside archives are not unpacked. Unzip it first and upload its photos, or put them straight into the zip.`,
});
const tooLarge = (bytes: number): Outcome => ({
  kind: "problem",
  code: "image_too_large",
  bytes,
  message: `This file is larger than the limit of ${Math.round(IMAGE_LIMITS.maxBytes / 1048576)} MB.`,
});
const unreadable = (bytes: number): Outcome => ({
  kind: "problem",
  code: "image_unreadable",
  bytes,
  message:
    "This file is stored in the zip with a compression method (or encryption) we cannot read. Zip the folder again with your computer's built-in zip tool.",
});
const damaged = (e: DirectoryEntry, why: string): Outcome => ({
  kind: "problem",
  code: "archive_incomplete",
  bytes: e.size,
  message: `The file ${e.name} is damaged inside the zip (${why}), so it was left out; the other files were unpacked. Download the zip again (or ask for a new copy) and upload it.`,
});

/** Reads one entry with a range read and checks it against the directory: size and CRC-32. */
async function readEntry(bucket: R2Bucket, key: string, dir: Extract<Directory, { ok: true }>, e: DirectoryEntry): Promise<Outcome> {
  if (isNestedArchive(e.name)) return nestedArchive(e.name, e.size);
  const limit = entryLimit(e.name);
  if (limit === 0) return { kind: "skip" }; // documents and other files are not needed: not even read
  if (e.size > limit) return tooLarge(e.size);
  if ((e.method !== 0 && e.method !== 8) || e.flags & 1) return unreadable(e.size);
  // Deflate never grows data by more than a few bytes per 16 KB block: a larger packed size is a lie, not read.
  if (e.compressedSize > (e.method === 0 ? e.size : e.size + (e.size >> 10) + 1024)) return damaged(e, "its sizes do not add up");
  const start = dir.base + e.offset;
  // The local header repeats the name and may carry other extras: read some slack, and again if it was not enough.
  const guess = Math.min(dir.objectSize - start, 30 + 1024 + e.name.length * 4 + e.compressedSize);
  if (start < 0 || guess < 30) return damaged(e, "it lies outside the file");
  let raw = await readRange(bucket, key, start, guess);
  if (!raw || raw.byteLength < 30 || u32(raw, 0) !== 0x04034b50) return damaged(e, "its header is missing");
  const dataAt = 30 + u16(raw, 26) + u16(raw, 28);
  if (dataAt + e.compressedSize > raw.byteLength) {
    if (start + dataAt + e.compressedSize > dir.objectSize) return damaged(e, "its data stops early");
    raw = await readRange(bucket, key, start, dataAt + e.compressedSize);
    if (!raw || raw.byteLength < dataAt + e.compressedSize) return damaged(e, "its data stops early");
  }
  const packed = raw.subarray(dataAt, dataAt + e.compressedSize);
  let data: Uint8Array;
  if (e.method === 0) {
    data = packed.slice();
  } else {
    const inflated = inflateBounded(packed, e.size);
    if (typeof inflated === "string") return damaged(e, inflated);
    data = inflated;
  }
  if (data.byteLength !== e.size) return damaged(e, "its size is not what the zip says");
  if (crc32(data) !== e.crc) return damaged(e, "its checksum does not match");
  return { kind: "bytes", data };
}

/** Inflates in small pieces and stops as soon as the output passes `size`: a lying entry cannot balloon in memory. */
function inflateBounded(packed: Uint8Array, size: number): Uint8Array | string {
  const out = new Uint8Array(size);
  let at = 0;
  let over = false;
  const inflate = new Inflate((chunk) => {
    if (over || at + chunk.byteLength > size) {
      over = true;
      return;
    }
    out.set(chunk, at);
    at += chunk.byteLength;
  });
  try {
    for (let p = 0; p < packed.byteLength && !over; p += 16 * 1024) {
      inflate.push(packed.subarray(p, Math.min(packed.byteLength, p + 16 * 1024)), p + 16 * 1024 >= packed.byteLength);
    }
    if (packed.byteLength === 0) inflate.push(new Uint8Array(), true);
  } catch (err) {
    return `its compressed data is broken: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (over) return "it expands to more than the zip says";
  return at === size ? out : "its compressed data stops early";
}

async function stageOutcome(env: Env, org: string, upload: UploadRow, name: string, outcome: Outcome) {
  try {
    if (outcome.kind === "bytes") await stageFile(env, org, upload, name, outcome.data, false);
    // Recorded without bytes, so the preview names the problem against the row that wanted this file.
    else if (outcome.kind === "problem") {
      await recordUploadFile(env.DB, org, upload.id, {
        name: normalizeFileName(name),
        bytes: outcome.bytes,
        type: null,
        problem: { code: outcome.code, message: outcome.message },
      });
    }
  } catch (err) {
    // an unusable entry name is skipped, never fatal for the archive
    if (!toApiError(err)) throw err;
  }
}

/**
 * Unpacks the staged zip into the upload's files. The central directory says what is in it (read
 * by range, see readDirectory); each entry is then read with its own range read, checked
 * (size, CRC-32) and staged. One call handles a slice (ARCHIVE_LIMITS.sliceEntries / sliceMs)
 * starting at entry `from` and queues a message for the rest; running a slice again stages the
 * same names again (upserts), so redeliveries are harmless. Entry names are only names
 * (normalised; `../` cannot leave the upload). A damaged entry is a problem of that file and
 * the rest goes on; a zip without a directory (cut short) goes to the stream reader, which keeps
 * what it can read whole.
 */
export async function extractArchive(env: Env, org: string, uploadId: string, from = 0) {
  const upload = await getUploadRow(env.DB, org, uploadId);
  if (!upload || upload.status !== "draft" || upload.archive_status !== "extracting") return;
  const key = stagedArchiveKey(org, uploadId);
  const dir = await readDirectory(env.PHOTOS, key);
  if (!dir) return failArchive(env.DB, org, uploadId, "The zip file was not found. Upload it again.");
  if (!dir.ok && dir.reason === "no_directory") return recoverArchive(env, org, upload);
  if (!dir.ok) return failArchive(env.DB, org, uploadId, archiveLimitError(dir).message);
  if (dir.entries.length === 0) return failArchive(env.DB, org, uploadId, "The zip file holds no files (or is not a zip file).");

  const started = Date.now();
  let next = from;
  while (next < dir.entries.length && next - from < ARCHIVE_LIMITS.sliceEntries && Date.now() - started < ARCHIVE_LIMITS.sliceMs) {
    const group: DirectoryEntry[] = [];
    let bytes = 0;
    for (let i = next; i < dir.entries.length && group.length < ARCHIVE_LIMITS.concurrency && i < from + ARCHIVE_LIMITS.sliceEntries; i++) {
      const e = dir.entries[i]!;
      const cost = e.size <= entryLimit(e.name) ? e.size + e.compressedSize : 0;
      if (group.length && bytes + cost > ARCHIVE_LIMITS.concurrentBytes) break;
      group.push(e);
      bytes += cost;
    }
    await Promise.all(group.map(async (e) => stageOutcome(env, org, upload, e.name, await readEntry(env.PHOTOS, key, dir, e))));
    next += group.length;
  }
  if (next < dir.entries.length) {
    await enqueue(env.UPLOAD_QUEUE, [{ kind: "extract_archive", org, upload_id: uploadId, from: next }]);
    return;
  }
  await endArchive(env.DB, org, uploadId, "extracted", `${dir.entries.length} files unpacked at ${nowIso()}`);
  await env.PHOTOS.delete(key);
}

type StreamEntry = {
  name: string;
  chunks: Uint8Array[];
  size: number;
  dropped: "too_large" | "unsupported_compression" | "nested_archive" | null;
  done: boolean;
};

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

/**
 * A zip without its central directory (cut short while uploading or downloading) is read as a
 * stream of entries, front to back: every entry read whole is kept, the one cut off and those
 * after it are lost. The archive then fails with a message saying how many photos were
 * recovered, which the upload carries as `archive_incomplete`.
 */
async function recoverArchive(env: Env, org: string, upload: UploadRow) {
  const object = await env.PHOTOS.get(stagedArchiveKey(org, upload.id));
  if (!object) return failArchive(env.DB, org, upload.id, "The zip file was not found. Upload it again.");

  let entries: StreamEntry[] = [];
  let total = 0;
  let count = 0;
  let photos = 0;
  let failure: string | null = null;

  const unzip = new Unzip((file: UnzipFile) => {
    if (failure) return;
    if (file.name.endsWith("/") || isJunkEntry(file.name)) return;
    if (++count > ARCHIVE_LIMITS.maxEntries) {
      failure = archiveLimitError({ ok: false, reason: "too_many_files" }).message;
      return;
    }
    const entry: StreamEntry = { name: file.name, chunks: [], size: 0, dropped: null, done: false };
    if (isNestedArchive(file.name)) {
      entries.push({ ...entry, size: file.originalSize ?? 0, dropped: "nested_archive", done: true });
      return;
    }
    const limit = entryLimit(file.name);
    if (limit === 0) return; // documents and other files are not needed: not even inflated
    entries.push(entry);
    file.ondata = (err, data, final) => {
      if (err) {
        failure = `The zip file is damaged (${err.message}).`;
        return;
      }
      total += data.byteLength;
      if (total > ARCHIVE_LIMITS.maxUncompressedBytes) {
        failure = archiveLimitError({ ok: false, reason: "too_large" }).message;
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
    entries = entries.filter((e) => !e.done);
    for (let i = 0; i < ready.length; i += ARCHIVE_LIMITS.concurrency) {
      await Promise.all(ready.slice(i, i + ARCHIVE_LIMITS.concurrency).map((e) => stageOutcome(env, org, upload, e.name, streamOutcome(e))));
    }
    photos += ready.filter((e) => !e.dropped && classifyFileName(e.name) === "image").length;
  };

  const reader = object.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      unzip.push(value ?? new Uint8Array(), done);
      if (failure) break;
      await stageReady();
      if (done) break;
    }
  } catch (err) {
    failure ??= `The zip file could not be read (${err instanceof Error ? err.message : String(err)}).`;
  } finally {
    await reader.cancel().catch(() => {});
  }
  // Without its directory, a zip cut between two entries reads like a whole one: it still ended early.
  failure ??= "The zip file ends early (it may not have finished uploading or downloading).";
  if (count === 0) return failArchive(env.DB, org, upload.id, "The zip file holds no files (or is not a zip file).");
  const kept = photos === 1 ? "1 photo was read whole and kept" : `${photos} photos were read whole and kept`;
  return failArchive(
    env.DB,
    org,
    upload.id,
    `${failure} Only ${kept}; the rest of the zip is missing. Download the zip file again (or create it again) and upload it.`,
  );
}

function streamOutcome(e: StreamEntry): Outcome {
  if (e.dropped === "nested_archive") return nestedArchive(e.name, e.size);
  if (e.dropped === "too_large") return tooLarge(e.size);
  if (e.dropped === "unsupported_compression") return unreadable(e.size);
  return { kind: "bytes", data: join(e.chunks, e.size) };
}
