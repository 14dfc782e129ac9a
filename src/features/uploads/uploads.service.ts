/**
 * src/features/uploads/: bulk uploads — drafts that collect files, a mapping or a zip, their live
 * preview, submit, report, cancel and revert, and their queue steps (unpacking a zip, one row's
 * photo). routes → handlers (thin) → these services → uploads.repo.ts (ALL the uploads' SQL);
 * R2 keys come from src/storage/keys.ts, matching from src/mapping/ (pure). Nothing here builds
 * SQL or R2 keys inline, and the handlers touch neither D1 nor R2.
 *
 *   uploads.service.ts  drafts, staging files/mapping/zip, files page, cancel, revert (this file)
 *   preview.ts          the live preview and the upload as the API shows it
 *   submit.ts           freezing the preview into rows and queueing them
 *   report.ts           report.csv's lines
 *   archive.ts          unpacking a staged zip (queue step)
 *   process-row.ts      one row's photo (queue step)
 */
import { toHex } from "../../shared/hex";
import { timeSortableId } from "../../shared/ids";
import { classifyFileName, normalizeEntryName } from "../../shared/delivery";
import { ApiError, badRequest, conflict, notFound, toApiError } from "../../http/errors";
import { decodeCursor, encodeCursor, nowIso } from "../common.schemas";
import { auditStatement } from "../audit/audit.repo";
import { syncPhotoObjects } from "../photos/photo-objects";
import { inspectImage } from "../../imaging/header";
import { MAX_MAPPING_BYTES, readMappingText } from "../../mapping";
import { deleteR2Prefix } from "../../storage/bucket";
import { stagedArchiveKey, stagedFileKey, stagedMappingKey, stagingPrefix } from "../../storage/keys";
import type { UploadQueueMessage } from "./uploads.schemas";
import {
  cancelUploadStatements,
  countUploadFiles,
  finalizeStatement,
  insertUploadStatement,
  markRevertedStatement,
  revertStudentStatements,
  selectRevertibleRows,
  selectUpload,
  selectUploadFilesPage,
  setMappingName,
  startArchiveStatement,
  upsertUploadFile,
  type UploadRow,
} from "./uploads.repo";

export const UPLOAD_LIMITS = {
  maxFiles: 20_000,
  maxMappingBytes: MAX_MAPPING_BYTES,
  maxFileNameLength: 512,
  /** Problems listed in GET /v1/uploads/:id; report.csv always has every row. */
  maxListedProblems: 1_000,
};

/**
 * File names are only names: folders are kept for matching (`Grade 9/IMG_1.jpg`), but `..`,
 * `.`, empty segments and backslashes are normalised away (normalizeEntryName, the rule the
 * pages and the CLI share), so no name can point elsewhere.
 */
export function normalizeFileName(raw: string): string {
  const name = normalizeEntryName(raw);
  // eslint-disable-next-line no-control-regex
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what a file name may not contain
  if (!name || name.length > UPLOAD_LIMITS.maxFileNameLength || /[\u0000-\u001f\u007f]/.test(name)) {
    throw badRequest("validation_failed", "The file name is empty, too long (over 512 characters) or has control characters.", [
      { path: "name", message: "Invalid file name" },
    ]);
  }
  return name;
}

export async function createUpload(db: D1Database, org: string, actor: string) {
  const id = timeSortableId(6);
  const now = nowIso();
  await db.batch([insertUploadStatement(db, org, id, actor, now), auditStatement(db, { org, actor, action: "upload.create", upload_id: id }, now)]);
  return (await getUploadRow(db, org, id))!;
}

export const getUploadRow = selectUpload;

export async function requireUpload(db: D1Database, org: string, id: string) {
  const upload = await getUploadRow(db, org, id);
  if (!upload) throw notFound("That upload");
  return upload;
}

export function requireDraft(upload: UploadRow) {
  if (upload.status !== "draft") {
    throw conflict(
      "upload_not_draft",
      `This upload is ${upload.status.replaceAll("_", " ")}; files and mappings can only be changed before it is submitted. Start a new upload instead.`,
    );
  }
}

/**
 * Stages one received file. Images are checked from their header on arrival, so the preview
 * can already say "this is a HEIC" before anything is submitted; the bytes are kept either way.
 */
export async function stageFile(env: Env, org: string, upload: UploadRow, rawName: string, bytes: Uint8Array, checkCount = true) {
  const name = normalizeFileName(rawName);
  if (checkCount && (await countUploadFiles(env.DB, org, upload.id)) >= UPLOAD_LIMITS.maxFiles) {
    throw new ApiError(413, "too_many_files", `An upload holds at most ${UPLOAD_LIMITS.maxFiles} files. Split the delivery into several uploads.`);
  }
  let type: string | null = null;
  let problem: { code: string; message: string } | null = null;
  // The preview's photo warnings (issue 13) from what is known without decoding: the displayed
  // size from the header, and a SHA-256 that finds the same bytes under two names.
  let facts: { sha256: string; width: number; height: number } | null = null;
  const kind = classifyFileName(name);
  if (kind !== "other" && kind !== "junk") {
    try {
      const info = inspectImage(bytes);
      type = info.type;
      facts = { sha256: await sha256Hex(bytes), width: info.width, height: info.height };
    } catch (err) {
      const known = toApiError(err);
      if (!known) throw err;
      problem = { code: known.code, message: known.message };
    }
  }
  await env.PHOTOS.put(stagedFileKey(org, upload.id, name), bytes);
  await recordUploadFile(env.DB, org, upload.id, { name, bytes: bytes.byteLength, type, problem, ...facts });
  return { name, bytes: bytes.byteLength, type, problem };
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

/** Re-receiving a name replaces the earlier file. */
export const recordUploadFile = upsertUploadFile;

/**
 * Stages the mapping file. A workbook, an image, a zip, JSON… is refused (a MappingError saying
 * what it is and what to send) rather than saved, replacing a good mapping, and previewed as
 * garbage rows.
 */
export async function stageMapping(env: Env, org: string, upload: UploadRow, fileName: string, bytes: Uint8Array, actor: string, mediaType = "") {
  readMappingText(bytes, "mapping file", mediaType);
  const name = normalizeFileName(fileName);
  await env.PHOTOS.put(stagedMappingKey(org, upload.id), bytes, { customMetadata: { name } });
  await setMappingName(env.DB, org, upload.id, name);
  await auditStatement(env.DB, { org, actor, action: "upload.mapping", upload_id: upload.id, details: { name, bytes: bytes.byteLength } }).run();
}

/** Stores a zip as it arrives: streamed to R2, never held in memory; archive.ts unpacks it later. */
export async function storeArchive(env: Env, org: string, uploadId: string, body: ReadableStream, declared: number) {
  const stored = await env.PHOTOS.put(stagedArchiveKey(org, uploadId), body.pipeThrough(new FixedLengthStream(declared)));
  if (!stored) throw new Error("R2 refused the archive");
}

/** Marks the upload as unpacking, with its audit event, and queues the unpacking. */
export async function startArchive(env: Env, org: string, uploadId: string, actor: string, declared: number) {
  await env.DB.batch([
    startArchiveStatement(env.DB, org, uploadId),
    auditStatement(env.DB, { org, actor, action: "upload.archive", upload_id: uploadId, details: { bytes: declared } }),
  ]);
  await enqueue(env.UPLOAD_QUEUE, [{ kind: "extract_archive", org, upload_id: uploadId }]);
}

/**
 * One page of the files an upload holds, in name order: a client resuming an upload (the page
 * after its tab was closed, the CLI with --upload) skips what the server already has.
 */
export async function listUploadFilesPage(db: D1Database, org: string, uploadId: string, limit: number, cursor?: string) {
  const after = decodeCursor(cursor, 1);
  const results = await selectUploadFilesPage(db, org, uploadId, after ? String(after[0]) : null, limit);
  const page = results.slice(0, limit);
  const last = page.at(-1);
  return {
    files: page.map((f) => ({
      name: f.name,
      bytes: f.bytes,
      type: f.type,
      problem: f.problem_code ? { code: f.problem_code, message: f.problem_message ?? "" } : null,
    })),
    next_cursor: results.length > limit && last ? encodeCursor([last.name]) : null,
  };
}

const QUEUE_SEND_CHUNK = 100; // sendBatch takes at most 100 messages (and 256 KB)

export async function enqueue(queue: Queue, messages: UploadQueueMessage[]) {
  for (let i = 0; i < messages.length; i += QUEUE_SEND_CHUNK) {
    await queue.sendBatch(messages.slice(i, i + QUEUE_SEND_CHUNK).map((body) => ({ body, contentType: "json" as const })));
  }
}

export async function finalizeIfDone(db: D1Database, org: string, uploadId: string) {
  await finalizeStatement(db, org, uploadId).run();
}

export async function cancelUpload(env: Env, org: string, id: string, actor: string) {
  const upload = await requireUpload(env.DB, org, id);
  if (upload.status !== "draft") {
    throw conflict(
      "upload_not_draft",
      `This upload is ${upload.status.replaceAll("_", " ")}: only a draft can be cancelled. To take back photos it set, use revert.`,
    );
  }
  await env.DB.batch([...cancelUploadStatements(env.DB, org, id, nowIso()), auditStatement(env.DB, { org, actor, action: "upload.cancel", upload_id: id })]);
  await deleteR2Prefix(env.PHOTOS, stagingPrefix(org, id));
}

/**
 * Puts back, for every student this upload changed and nobody changed since, the photo it
 * replaced (or none). Students changed since keep their newer photo and are left out.
 */
export async function revertUpload(env: Env, org: string, id: string, actor: string) {
  const upload = await requireUpload(env.DB, org, id);
  if (!["completed", "completed_with_errors", "failed"].includes(upload.status)) {
    throw conflict(
      "upload_not_finished",
      upload.status === "reverted"
        ? "This upload was already reverted."
        : `This upload is ${upload.status.replaceAll("_", " ")}; only a finished upload can be reverted.`,
    );
  }
  const now = nowIso();
  const db = env.DB;
  const changed = await selectRevertibleRows(db, org, id);
  const statements: D1PreparedStatement[] = [];
  for (const c of changed)
    statements.push(...revertStudentStatements(db, org, c.student_id, c.new_version, c.previous_exists ? c.previous_version : null, now));
  for (let i = 0; i < statements.length; i += 450) await db.batch(statements.slice(i, i + 450));
  // The reverted versions leave the served space, the ones put back return to it.
  await syncPhotoObjects(
    env,
    org,
    changed.map((c) => c.student_id),
  );
  await db.batch([
    markRevertedStatement(db, org, id, now),
    auditStatement(db, { org, actor, action: "upload.revert", upload_id: id, details: { students_reverted: changed.length } }, now),
  ]);
  return changed.length;
}
