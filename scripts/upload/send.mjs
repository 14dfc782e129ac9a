// Sending the delivery: a folder's files, or a zip unpacked here entry by entry, with bounded
// parallelism, retries and files the upload already holds skipped.
import { createReadStream, promises as fsp } from "node:fs";
import {
  entriesToUnpack,
  MAX_UNPACKED_ENTRY_BYTES,
  normalizeEntryName,
  UNPACK_AHEAD,
  unpackZip,
  ZIP_TAIL_BYTES,
  zipDirectoryLocation,
  zipDirectoryNames,
} from "../../src/shared/delivery.ts";
import { ApiError, ConnectionError } from "../lib/http.mjs";
import { authFailure, connectionFailure, isAuthError, UploadFailure } from "./failures.mjs";
import { createProgress, plural } from "./progress.mjs";
import { contentTypeFor } from "./scan.mjs";

/** What the upload already holds, by name → bytes (GET /v1/uploads/:id/files, page by page). */
export async function receivedFiles(client, id) {
  const out = new Map();
  let cursor = null;
  do {
    const page = (await client.get(`/v1/uploads/${id}/files?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)).body;
    for (const f of page.files) out.set(f.name, f.bytes);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

/**
 * A queue between the zip reader and the senders: `push` waits while `limit` entries are waiting,
 * so the zip is read no faster than its photos are sent (memory holds a few photos, never the zip).
 */
function entryQueue(limit) {
  const items = [];
  let closed = false;
  let wakeReader = null;
  let wakeWriter = null;
  const wake = (fn) => fn?.();
  return {
    async push(item) {
      items.push(item);
      wake(wakeReader);
      while (items.length >= limit && !closed) await new Promise((r) => (wakeWriter = r));
    },
    close() {
      closed = true;
      wake(wakeReader);
      wake(wakeWriter);
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (items.length) {
          const item = items.shift();
          wake(wakeWriter);
          yield item;
        } else if (closed) return;
        else await new Promise((r) => (wakeReader = r));
      }
    },
  };
}

/** How many of the zip's entries will be sent, from its central directory (null when it cannot be read). */
async function zipEntriesToSend(file, mappingGiven) {
  const fh = await fsp.open(file, "r");
  try {
    const { size } = await fh.stat();
    const tail = Buffer.alloc(Math.min(size, ZIP_TAIL_BYTES));
    await fh.read(tail, 0, tail.length, size - tail.length);
    const at = zipDirectoryLocation(tail);
    if (!at || at.offset + at.size > size) return null;
    const directory = Buffer.alloc(at.size);
    await fh.read(directory, 0, at.size, at.offset);
    return entriesToUnpack(zipDirectoryNames(directory)).filter((e) => e.use === "photo" || !mappingGiven).length;
  } catch {
    return null;
  } finally {
    await fh.close();
  }
}

const SKIP_REASONS = {
  not_needed: "not a photo or a mapping file",
  too_large: `larger than ${MAX_UNPACKED_ENTRY_BYTES / 1048576} MB`,
  unsupported_compression: "compressed in a way that cannot be read (zip the folder again with your computer's built-in zip tool)",
};

/**
 * Unpacks the zip here, entry by entry as it is read from disk, and sends each photo (and a
 * mapping file or INDEX.TXT inside, unless one is given separately) as a file of the upload,
 * exactly as the server names them when it unpacks a zip. Returns sendFiles' result plus
 * `zipFailure` when the zip could not be read to its end.
 */
export async function sendZip({ file, mappingGiven, say, ...common }) {
  const total = await zipEntriesToSend(file, mappingGiven);
  const queue = entryQueue(UNPACK_AHEAD);
  let stop = false;
  const tables = [];
  const stream = createReadStream(file, { highWaterMark: 1024 * 1024 });
  const chunks = stream[Symbol.asyncIterator]();
  const unpacking = unpackZip(
    { read: () => chunks.next() },
    {
      maxEntryBytes: MAX_UNPACKED_ENTRY_BYTES,
      shouldStop: () => stop,
      onEntry: async (e) => {
        if (e.use === "table" && mappingGiven) tables.push(e.name);
        else await queue.push({ rel: e.name, size: e.bytes.byteLength, bytes: e.bytes });
      },
    },
  ).finally(() => queue.close());
  let result;
  try {
    result = await sendFiles({ ...common, say, files: queue, total, totalBytes: null });
  } finally {
    stop = true;
    queue.close();
    stream.destroy();
  }
  const unpacked = await unpacking;
  if (unpacked.junk) say(`  ${plural(unpacked.junk, "system file")} in the zip skipped (.DS_Store, ._*, Thumbs.db…)`);
  if (tables.length) say(`  Not sent (the mapping file is given separately): ${tables.join(", ")}`);
  if (unpacked.skipped.length) {
    say(`  Not sent from the zip:`);
    for (const f of unpacked.skipped.slice(0, 10)) say(`    ${f.name}: ${SKIP_REASONS[f.reason]}`);
    if (unpacked.skipped.length > 10) say(`    … and ${unpacked.skipped.length - 10} more`);
  }
  return { ...result, zipFailure: unpacked.failure };
}

/**
 * Sends files with bounded parallelism: `files` is an array (a folder) or an async iterable (a
 * zip being unpacked), each { rel, size } with `abs` (read from disk) or `bytes`. Files the
 * upload already holds with the same size (`received`) are not sent again. `total` may be null
 * (a zip whose directory could not be read): the bar then counts what was found.
 * Returns { failed: [{ rel, reason, transient }], sent, already, bytes }.
 */
export async function sendFiles({ client, url, id, files, total, totalBytes, received, concurrency, out, tty, say, retriesRef }) {
  const progress = createProgress({ out, tty, label: "Uploading", total: total ?? 0, unit: "files", totalBytes });
  const failed = [];
  let done = 0;
  let found = 0;
  let doneBytes = 0;
  let sent = 0;
  let sentBytes = 0;
  let already = 0;
  let fatal = null;
  let transientStreak = 0;
  let withProblems = 0;
  const source = (async function* () {
    yield* files;
  })();

  const tick = () => {
    if (total == null || found > total) progress.setTotal(found);
    progress.update(done, doneBytes, retriesRef() ? `${plural(retriesRef(), "retry", "retries")}` : "");
  };

  async function sendOne(f) {
    if (f.size === 0) {
      failed.push({ rel: f.rel, reason: "the file is empty (0 bytes)", transient: false });
      return;
    }
    if (received.get(normalizeEntryName(f.rel)) === f.size) {
      already++;
      return;
    }
    let bytes = f.bytes;
    if (!bytes) {
      try {
        bytes = await fsp.readFile(f.abs);
      } catch (e) {
        failed.push({ rel: f.rel, reason: `could not read it from disk (${e.code ?? e.message})`, transient: false });
        return;
      }
    }
    try {
      const res = await client.put(`/v1/uploads/${id}/files/${encodeURIComponent(f.rel)}`, { body: bytes, headers: { "content-type": contentTypeFor(f.rel) } });
      transientStreak = 0;
      sent++;
      sentBytes += f.size;
      if (res.body?.file?.problem) withProblems++;
    } catch (e) {
      if (isAuthError(e)) throw authFailure(e);
      if (e instanceof ApiError && (e.status === 404 || (e.status === 409 && e.code === "upload_not_draft"))) {
        throw new UploadFailure(`Upload ${id} can no longer take files (${e.apiMessage}).`);
      }
      if (e instanceof ConnectionError) {
        failed.push({ rel: f.rel, reason: "the server could not be reached", transient: true });
        throw connectionFailure(url, e);
      }
      if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 429 && e.status !== 408) {
        failed.push({ rel: f.rel, reason: `${e.apiMessage ?? "refused"} (${e.status}${e.code ? ` ${e.code}` : ""})`, transient: false });
        return;
      }
      failed.push({
        rel: f.rel,
        reason: e instanceof ApiError ? `the server answered ${e.status} after several tries` : (e?.message ?? String(e)),
        transient: true,
      });
      if (++transientStreak >= 10)
        throw new UploadFailure("The server keeps failing (10 files in a row after retries); stopping the upload.", { hint: "Try again later." });
    }
  }

  async function worker() {
    while (!fatal) {
      const { value: f, done: end } = await source.next();
      if (end) return;
      found++;
      try {
        await sendOne(f);
      } catch (e) {
        fatal ??= e;
        return;
      }
      done++;
      doneBytes += f.size;
      tick();
    }
  }
  tick();
  await Promise.all(Array.from({ length: concurrency }, worker));
  progress.finish();
  if (fatal) {
    if (fatal instanceof UploadFailure && total != null && done < total) {
      fatal.message += ` ${total - done} files were not sent.`;
    }
    throw fatal;
  }
  if (withProblems) say(`  ${plural(withProblems, "file")} arrived with a problem (see the preview below).`);
  return { failed, sent, already, bytes: sentBytes };
}
