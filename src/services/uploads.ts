import { timeSortableId } from "../shared/ids";
import { ApiError, badRequest, conflict, notFound } from "../http/errors";
import { decodeCursor, encodeCursor, nowIso } from "../features/common.schemas";
import { ARCHIVE_PROBLEM_CODES } from "../shared/problem-codes";
import type { Upload, UploadCounts, UploadProblem, UploadQueueMessage, UploadStatus } from "../schemas/upload";
import { auditStatement } from "../features/audit/audit.repo";
import { inspectImage } from "./imaging";
import {
  classifyFileName,
  findMappingInArchive,
  MAPPING_WARNING_CODES,
  mappingSourceFor,
  matchMappingRows,
  type MappingPreview,
  type MappingSource,
} from "./mapping";
import { uploadVersionId } from "../features/photos/photos.service";
import { syncPhotoObjects } from "../features/photos/photo-objects";
import { listRoster } from "../features/students/students.service";
import { deleteR2Prefix } from "../storage/bucket";
import { stagedFileKey, stagedMappingKey, stagingPrefix } from "../storage/keys";

export const UPLOAD_LIMITS = {
  maxFiles: 20_000,
  maxMappingBytes: 16 * 1024 * 1024,
  maxFileNameLength: 512,
  /** Problems listed in GET /v1/uploads/:id; report.csv always has every row. */
  maxListedProblems: 1_000,
};

export type UploadRow = {
  org: string;
  id: string;
  status: UploadStatus;
  created_by: string;
  created_at: string;
  submitted_at: string | null;
  completed_at: string | null;
  reverted_at: string | null;
  format: string | null;
  mapping_name: string | null;
  archive_status: "extracting" | "extracted" | "failed" | null;
  archive_message: string | null;
  frozen_counts: string | null;
  frozen_problems: string | null;
};

type UploadFileRow = { name: string; bytes: number; type: string | null; problem_code: string | null; problem_message: string | null };

export type UploadRowRecord = {
  row: number;
  identifier: string;
  file: string;
  student_id: string | null;
  matched_file: string | null;
  status: "pending" | "processed" | "failed" | "skipped";
  code: string | null;
  message: string | null;
  previous_version: string | null;
  new_version: string | null;
  attempts: number;
};


/**
 * File names are only names: folders are kept for matching (`Grade 9/IMG_1.jpg`), but `..`,
 * `.`, empty segments and backslashes are normalised away, so no name can point elsewhere.
 */
export function normalizeFileName(raw: string): string {
  const name = raw
    .replace(/\\/g, "/")
    .split("/")
    .filter((seg) => seg !== "" && seg !== "." && seg !== "..")
    .join("/");
  // eslint-disable-next-line no-control-regex
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
  await db.batch([
    db.prepare("INSERT INTO uploads (org, id, status, created_by, created_at) VALUES (?1, ?2, 'draft', ?3, ?4)").bind(org, id, actor, now),
    auditStatement(db, { org, actor, action: "upload.create", upload_id: id }, now),
  ]);
  return (await getUploadRow(db, org, id))!;
}

export async function getUploadRow(db: D1Database, org: string, id: string) {
  return db.prepare("SELECT * FROM uploads WHERE org = ?1 AND id = ?2").bind(org, id).first<UploadRow>();
}

export async function requireUpload(db: D1Database, org: string, id: string) {
  const upload = await getUploadRow(db, org, id);
  if (!upload) throw notFound("That upload");
  return upload;
}

export function requireDraft(upload: UploadRow) {
  if (upload.status !== "draft") {
    throw conflict("upload_not_draft", `This upload is ${upload.status.replaceAll("_", " ")}; files and mappings can only be changed before it is submitted. Start a new upload instead.`);
  }
}

async function countFiles(db: D1Database, org: string, uploadId: string) {
  const row = await db.prepare("SELECT count(*) AS n FROM upload_files WHERE org = ?1 AND upload_id = ?2").bind(org, uploadId).first<{ n: number }>();
  return row?.n ?? 0;
}

/**
 * Stages one received file. Images are checked from their header on arrival, so the preview
 * can already say "this is a HEIC" before anything is submitted; the bytes are kept either way.
 */
export async function stageFile(env: Env, org: string, upload: UploadRow, rawName: string, bytes: Uint8Array, checkCount = true) {
  const name = normalizeFileName(rawName);
  if (checkCount && (await countFiles(env.DB, org, upload.id)) >= UPLOAD_LIMITS.maxFiles) {
    throw new ApiError(413, "too_many_files", `An upload holds at most ${UPLOAD_LIMITS.maxFiles} files. Split the delivery into several uploads.`);
  }
  let type: string | null = null;
  let problem: { code: string; message: string } | null = null;
  const kind = classifyFileName(name);
  if (kind !== "other" && kind !== "junk") {
    try {
      type = inspectImage(bytes).type;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      problem = { code: err.code, message: err.message };
    }
  }
  await env.PHOTOS.put(stagedFileKey(org, upload.id, name), bytes);
  await recordUploadFile(env.DB, org, upload.id, { name, bytes: bytes.byteLength, type, problem });
  return { name, bytes: bytes.byteLength, type, problem };
}

/** Re-receiving a name replaces the earlier file. */
export async function recordUploadFile(
  db: D1Database,
  org: string,
  uploadId: string,
  file: { name: string; bytes: number; type: string | null; problem: { code: string; message: string } | null },
) {
  await db
    .prepare(
      `INSERT INTO upload_files (org, upload_id, name, bytes, type, problem_code, problem_message, received_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
       ON CONFLICT (org, upload_id, name) DO UPDATE SET bytes = excluded.bytes, type = excluded.type,
         problem_code = excluded.problem_code, problem_message = excluded.problem_message, received_at = excluded.received_at`,
    )
    .bind(org, uploadId, file.name, file.bytes, file.type, file.problem?.code ?? null, file.problem?.message ?? null, nowIso())
    .run();
}

export async function stageMapping(env: Env, org: string, upload: UploadRow, fileName: string, bytes: Uint8Array) {
  const name = normalizeFileName(fileName);
  await env.PHOTOS.put(stagedMappingKey(org, upload.id), bytes, { customMetadata: { name } });
  await env.DB.prepare("UPDATE uploads SET mapping_name = ?3 WHERE org = ?1 AND id = ?2").bind(org, upload.id, name).run();
}

async function listUploadFiles(db: D1Database, org: string, uploadId: string) {
  const { results } = await db
    .prepare("SELECT name, bytes, type, problem_code, problem_message FROM upload_files WHERE org = ?1 AND upload_id = ?2")
    .bind(org, uploadId)
    .all<UploadFileRow>();
  return results;
}

/**
 * One page of the files an upload holds, in name order: a client resuming an upload (the page
 * after its tab was closed, the CLI with --upload) skips what the server already has.
 */
export async function listUploadFilesPage(db: D1Database, org: string, uploadId: string, limit: number, cursor?: string) {
  const after = decodeCursor(cursor, 1);
  const { results } = await db
    .prepare(
      `SELECT name, bytes, type, problem_code, problem_message FROM upload_files
       WHERE org = ?1 AND upload_id = ?2 AND (?3 IS NULL OR name > ?3) ORDER BY name LIMIT ?4`,
    )
    .bind(org, uploadId, after ? String(after[0]) : null, limit + 1)
    .all<UploadFileRow>();
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

/** The mapping uploaded explicitly wins; else a PSPA index or a single CSV among the received files; else file names. */
async function resolveMappingSource(env: Env, upload: UploadRow, files: UploadFileRow[]): Promise<MappingSource> {
  if (upload.mapping_name) {
    const obj = await env.PHOTOS.get(stagedMappingKey(upload.org, upload.id));
    if (obj) return mappingSourceFor(upload.mapping_name, new Uint8Array(await obj.arrayBuffer()));
  }
  const found = findMappingInArchive(files.map((f) => f.name));
  if (found) {
    const obj = await env.PHOTOS.get(stagedFileKey(upload.org, upload.id, found.path));
    if (obj) {
      const bytes = new Uint8Array(await obj.arrayBuffer());
      return found.kind === "pspa" ? { kind: "pspa", fileName: found.path, bytes } : { kind: "table", fileName: found.path, bytes };
    }
  }
  return { kind: "none" };
}

const isBlocking = (code: string) => !MAPPING_WARNING_CODES.has(code);

/**
 * The live preview of a draft: every mapping row matched against the roster and the received
 * files, plus what the files' headers said on arrival (a row whose file is a HEIC is not ready).
 */
async function buildPreview(env: Env, upload: UploadRow): Promise<MappingPreview> {
  const files = await listUploadFiles(env.DB, upload.org, upload.id);
  const [source, roster] = await Promise.all([resolveMappingSource(env, upload, files), listRoster(env.DB, upload.org)]);
  const preview = matchMappingRows(source, roster, files.map((f) => f.name));
  const fileProblems = new Map(files.filter((f) => f.problem_code).map((f) => [f.name, f]));
  for (const row of preview.rows) {
    const bad = row.matched_file ? fileProblems.get(row.matched_file) : undefined;
    if (!bad || row.status !== "ready") continue;
    const problem = { row: row.row, file: row.matched_file, code: bad.problem_code!, message: bad.problem_message! };
    row.problems.push(problem);
    row.status = "unmatched";
    preview.counts.ready--;
    preview.problems.push(problem);
  }
  addArchiveProblems(upload, files, preview);
  return preview;
}

/**
 * What a zip could not deliver is the upload's problem whether or not a row wanted the file:
 * damaged entries and zips inside the zip (recorded as files), and a zip that ended early or
 * could not be read (its archive failed; the message says how much was recovered).
 */
function addArchiveProblems(upload: UploadRow, files: UploadFileRow[], preview: MappingPreview) {
  const named = new Set(preview.problems.filter((p) => ARCHIVE_PROBLEM_CODES.has(p.code)).map((p) => p.file));
  const found: UploadProblem[] = [];
  if (upload.archive_status === "failed") {
    found.push({ row: null, file: null, code: "archive_incomplete", message: upload.archive_message ?? "The zip file could not be unpacked. Upload it again." });
  }
  for (const f of files) {
    if (!f.problem_code || !ARCHIVE_PROBLEM_CODES.has(f.problem_code) || named.has(f.name)) continue;
    found.push({ row: null, file: f.name, code: f.problem_code, message: f.problem_message ?? "" });
  }
  // First, so a long list of row problems (only the first are listed) never hides them.
  preview.problems.unshift(...found);
}

function countsFromPreview(p: MappingPreview): Omit<UploadCounts, "processed" | "failed" | "pending"> {
  const { rows, matched, unmatched, files_received, missing_files, unreferenced_files } = p.counts;
  return { rows, matched, unmatched, files_received, missing_files, unreferenced_files };
}

async function liveRowCounts(db: D1Database, org: string, uploadId: string) {
  const { results } = await db
    .prepare("SELECT status, count(*) AS n FROM upload_rows WHERE org = ?1 AND upload_id = ?2 GROUP BY status")
    .bind(org, uploadId)
    .all<{ status: string; n: number }>();
  const by = Object.fromEntries(results.map((r) => [r.status, r.n])) as Record<string, number>;
  return { processed: by.processed ?? 0, failed: by.failed ?? 0, pending: by.pending ?? 0 };
}

function toApi(upload: UploadRow, counts: UploadCounts, problems: UploadProblem[]): Upload {
  return {
    id: upload.id,
    status: upload.status,
    created_at: upload.created_at,
    created_by: upload.created_by,
    submitted_at: upload.submitted_at,
    completed_at: upload.completed_at,
    reverted_at: upload.reverted_at,
    format: upload.format,
    mapping_file: upload.mapping_name,
    archive: upload.archive_status ? { status: upload.archive_status, message: upload.archive_message } : null,
    counts,
    problems: problems.slice(0, UPLOAD_LIMITS.maxListedProblems),
    problems_truncated: problems.length > UPLOAD_LIMITS.maxListedProblems,
  };
}

/** A draft shows its live preview; a submitted upload its frozen preview plus live progress. */
export async function describeUpload(env: Env, upload: UploadRow): Promise<Upload> {
  if (upload.status === "draft") {
    const preview = await buildPreview(env, upload);
    const format = preview.rows.length || preview.counts.files_received || upload.mapping_name ? preview.format : null;
    return toApi({ ...upload, format }, { ...countsFromPreview(preview), processed: 0, failed: 0, pending: 0 }, preview.problems);
  }
  if (upload.status === "cancelled" && !upload.frozen_counts) {
    return toApi(upload, { rows: 0, matched: 0, unmatched: 0, files_received: 0, missing_files: 0, unreferenced_files: 0, processed: 0, failed: 0, pending: 0 }, []);
  }
  const frozen = JSON.parse(upload.frozen_counts ?? "{}") as Omit<UploadCounts, "processed" | "failed" | "pending">;
  const live = await liveRowCounts(env.DB, upload.org, upload.id);
  const { results: failures } = await env.DB.prepare(
    `SELECT row, matched_file AS file, code, message FROM upload_rows
     WHERE org = ?1 AND upload_id = ?2 AND status = 'failed' ORDER BY row LIMIT ?3`,
  )
    .bind(upload.org, upload.id, UPLOAD_LIMITS.maxListedProblems)
    .all<UploadProblem>();
  const problems = [...(JSON.parse(upload.frozen_problems ?? "[]") as UploadProblem[]), ...failures];
  return toApi(upload, { ...frozen, ...live }, problems);
}

export async function listUploads(env: Env, org: string, limit: number, cursor?: string) {
  const after = decodeCursor(cursor, 2);
  const { results } = await env.DB.prepare(
    `SELECT * FROM uploads WHERE org = ?1 AND (?2 IS NULL OR (created_at, id) < (?2, ?3))
     ORDER BY created_at DESC, id DESC LIMIT ?4`,
  )
    .bind(org, after ? String(after[0]) : null, after ? String(after[1]) : null, limit + 1)
    .all<UploadRow>();
  const page = results.slice(0, limit);
  const uploads = await Promise.all(page.map((u) => describeUpload(env, u)));
  const last = page.at(-1);
  return { uploads, next_cursor: results.length > limit && last ? encodeCursor([last.created_at, last.id]) : null };
}

type RowNote = { code: string; message: string };

/**
 * A preview row's problems split into its outcome (what stops it: the first blocking problem,
 * else its first problem; none when it is ready) and its warnings (every other problem). The
 * draft's report and the rows frozen at submit split the same way, so a warning reads the same
 * before and after processing.
 */
function splitRowProblems(r: MappingPreview["rows"][number]): { outcome: RowNote | null; warnings: RowNote[] } {
  const outcome = r.status === "ready" ? null : (r.problems.find((p) => isBlocking(p.code)) ?? r.problems[0] ?? null);
  return {
    outcome: outcome && { code: outcome.code, message: outcome.message },
    warnings: r.problems.filter((p) => p !== outcome).map((p) => ({ code: p.code, message: p.message })),
  };
}

/**
 * report.csv has one code and one message per row: the outcome's (failed or skipped), else the
 * first warning's; every further warning is appended to the message with its code, so nothing
 * given at preview is lost from the row, and the code column stays one code the pages understand.
 */
function reportNote(outcome: RowNote | null, warnings: RowNote[]): { code: string | null; message: string | null } {
  const [first, ...rest] = outcome ? [outcome, ...warnings] : warnings;
  if (!first) return { code: null, message: null };
  return { code: first.code, message: [first.message, ...rest.map((w) => `Also ${w.code}: ${w.message}`)].join(" ") };
}

/** Rows as they go into upload_rows at submit: ready rows pending, the rest skipped with their outcome; warnings kept beside. */
function freezeRows(preview: MappingPreview, uploadId: string) {
  const version = uploadVersionId(uploadId);
  return preview.rows.map((r) => {
    const { outcome, warnings } = splitRowProblems(r);
    const ready = r.status === "ready";
    return {
      row: r.row,
      identifier: r.identifier,
      file: r.file,
      student_id: r.student_id,
      matched_file: r.matched_file,
      status: ready ? "pending" : "skipped",
      code: outcome?.code ?? null,
      message: outcome?.message ?? null,
      new_version: ready ? version : null,
      warnings,
    };
  });
}

const QUEUE_SEND_CHUNK = 100; // sendBatch takes at most 100 messages (and 256 KB)

export async function enqueue(queue: Queue, messages: UploadQueueMessage[]) {
  for (let i = 0; i < messages.length; i += QUEUE_SEND_CHUNK) {
    await queue.sendBatch(messages.slice(i, i + QUEUE_SEND_CHUNK).map((body) => ({ body, contentType: "json" as const })));
  }
}

/**
 * Freezes the preview into upload_rows and queues one message per ready row. The rows are
 * written before any message is sent, and the sweeper re-sends pending rows, so a crash here
 * cannot leave an upload processing forever.
 */
export async function submitUpload(env: Env, org: string, id: string, actor: string) {
  const upload = await requireUpload(env.DB, org, id);
  requireDraft(upload);
  if (upload.archive_status === "extracting") {
    throw conflict("archive_not_ready", "The zip file is still being unpacked. Wait until its files appear in the preview, then submit.");
  }
  const preview = await buildPreview(env, upload);
  const rows = freezeRows(preview, id);
  const ready = rows.filter((r) => r.status === "pending");
  if (!ready.length) {
    throw conflict("nothing_to_process", "No row has both a matched student and its photo file. Check the problems in the preview, fix the mapping or add the files, then submit again.");
  }
  const now = nowIso();
  const rowProblems = preview.problems;
  const statements: D1PreparedStatement[] = [];
  // Rows travel as one JSON parameter per statement: D1 binds at most 100 parameters.
  for (let i = 0; i < rows.length; i += 500) {
    statements.push(
      env.DB.prepare(
        `INSERT INTO upload_rows (org, upload_id, row, identifier, file, student_id, matched_file, status, code, message, new_version, updated_at)
         SELECT ?1, ?2, r.value ->> 'row', r.value ->> 'identifier', r.value ->> 'file', r.value ->> 'student_id', r.value ->> 'matched_file',
                r.value ->> 'status', r.value ->> 'code', r.value ->> 'message', r.value ->> 'new_version', ?3
         FROM json_each(?4) r WHERE true
         ON CONFLICT (org, upload_id, row) DO NOTHING`,
      ).bind(org, id, now, JSON.stringify(rows.slice(i, i + 500))),
      env.DB.prepare(
        `INSERT INTO upload_row_warnings (org, upload_id, row, seq, code, message)
         SELECT ?1, ?2, r.value ->> 'row', w.key, w.value ->> 'code', w.value ->> 'message'
         FROM json_each(?3) r, json_each(r.value -> 'warnings') w WHERE true
         ON CONFLICT (org, upload_id, row, code) DO NOTHING`,
      ).bind(org, id, JSON.stringify(rows.slice(i, i + 500).filter((r) => r.warnings.length).map((r) => ({ row: r.row, warnings: r.warnings })))),
    );
  }
  statements.push(
    env.DB.prepare(
      `UPDATE uploads SET status = 'processing', submitted_at = ?3, format = ?4, frozen_counts = ?5, frozen_problems = ?6
       WHERE org = ?1 AND id = ?2 AND status = 'draft'`,
    ).bind(org, id, now, preview.format, JSON.stringify(countsFromPreview(preview)), JSON.stringify(rowProblems)),
    auditStatement(env.DB, { org, actor, action: "upload.submit", upload_id: id, details: { rows: rows.length, ready: ready.length } }, now),
  );
  await env.DB.batch(statements);
  await enqueue(env.UPLOAD_QUEUE, ready.map((r) => ({ kind: "process_row" as const, org, upload_id: id, row: r.row })));
  return requireUpload(env.DB, org, id);
}

/**
 * Moves a processing upload to its final status once no row is pending. One conditional UPDATE,
 * so concurrent consumers finishing the last rows cannot both (or neither) finalise it; callers
 * put it in the transaction that settles a row.
 */
export function finalizeStatement(db: D1Database, org: string, uploadId: string) {
  return db
    .prepare(
      `UPDATE uploads SET completed_at = ?3,
         status = CASE
           WHEN (SELECT count(*) FROM upload_rows WHERE org = ?1 AND upload_id = ?2 AND status = 'processed') = 0 THEN 'failed'
           WHEN EXISTS (SELECT 1 FROM upload_rows WHERE org = ?1 AND upload_id = ?2 AND (status = 'failed' OR (status = 'skipped' AND code IS NOT NULL AND code NOT IN (SELECT value FROM json_each(?4)))))
             -- photos a zip did not deliver (frozen with the preview at submit) are never a clean result
             OR EXISTS (SELECT 1 FROM uploads u, json_each(u.frozen_problems) p WHERE u.org = ?1 AND u.id = ?2 AND p.value ->> 'code' IN (SELECT value FROM json_each(?5)))
             THEN 'completed_with_errors'
           ELSE 'completed' END
       WHERE org = ?1 AND id = ?2 AND status = 'processing'
         AND NOT EXISTS (SELECT 1 FROM upload_rows WHERE org = ?1 AND upload_id = ?2 AND status = 'pending')`,
    )
    .bind(org, uploadId, nowIso(), JSON.stringify([...MAPPING_WARNING_CODES]), JSON.stringify([...ARCHIVE_PROBLEM_CODES]));
}

export async function finalizeIfDone(db: D1Database, org: string, uploadId: string) {
  await finalizeStatement(db, org, uploadId).run();
}

export async function cancelUpload(env: Env, org: string, id: string, actor: string) {
  const upload = await requireUpload(env.DB, org, id);
  if (upload.status !== "draft") {
    throw conflict("upload_not_draft", `This upload is ${upload.status.replaceAll("_", " ")}: only a draft can be cancelled. To take back photos it set, use revert.`);
  }
  await env.DB.batch([
    env.DB.prepare("UPDATE uploads SET status = 'cancelled', completed_at = ?3 WHERE org = ?1 AND id = ?2 AND status = 'draft'").bind(org, id, nowIso()),
    env.DB.prepare("DELETE FROM upload_files WHERE org = ?1 AND upload_id = ?2").bind(org, id),
    auditStatement(env.DB, { org, actor, action: "upload.cancel", upload_id: id }),
  ]);
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
      upload.status === "reverted" ? "This upload was already reverted." : `This upload is ${upload.status.replaceAll("_", " ")}; only a finished upload can be reverted.`,
    );
  }
  const now = nowIso();
  const db = env.DB;
  const { results: changed } = await db
    .prepare(
      `SELECT r.student_id, r.previous_version, r.new_version,
              EXISTS (SELECT 1 FROM photo_versions v WHERE v.org = r.org AND v.student_id = r.student_id AND v.version = r.previous_version) AS previous_exists
       FROM upload_rows r JOIN students s ON s.org = r.org AND s.id = r.student_id AND s.photo_version = r.new_version
       WHERE r.org = ?1 AND r.upload_id = ?2 AND r.status = 'processed'`,
    )
    .bind(org, id)
    .all<{ student_id: string; previous_version: string | null; new_version: string; previous_exists: number }>();
  const statements: D1PreparedStatement[] = [];
  for (const c of changed) {
    const back = c.previous_exists ? c.previous_version : null;
    statements.push(
      db
        .prepare(
          `UPDATE students SET photo_version = ?4, restore_version = ?3, photo_updated_at = ?5, updated_at = ?5
           WHERE org = ?1 AND id = ?2 AND photo_version = ?3`,
        )
        .bind(org, c.student_id, c.new_version, back, now),
      db.prepare("UPDATE photo_versions SET retired_at = ?4 WHERE org = ?1 AND student_id = ?2 AND version = ?3").bind(org, c.student_id, c.new_version, now),
      db.prepare("UPDATE photo_versions SET retired_at = NULL WHERE org = ?1 AND student_id = ?2 AND version = ?3").bind(org, c.student_id, back),
    );
  }
  for (let i = 0; i < statements.length; i += 450) await db.batch(statements.slice(i, i + 450));
  // The reverted versions leave the served space, the ones put back return to it.
  await syncPhotoObjects(env, org, changed.map((c) => c.student_id));
  await db.batch([
    db.prepare("UPDATE uploads SET status = 'reverted', reverted_at = ?3 WHERE org = ?1 AND id = ?2").bind(org, id, now),
    auditStatement(db, { org, actor, action: "upload.revert", upload_id: id, details: { students_reverted: changed.length } }, now),
  ]);
  return changed.length;
}

export type ReportLine = { row: number; identifier: string; file: string; student_id: string | null; status: string; code: string | null; message: string | null };

/** One line per mapping row: the preview's verdict for a draft, the processing outcome after submit. */
export async function reportLines(env: Env, upload: UploadRow): Promise<ReportLine[]> {
  if (upload.status === "draft") {
    const preview = await buildPreview(env, upload);
    return preview.rows.map((r) => {
      const { outcome, warnings } = splitRowProblems(r);
      return { row: r.row, identifier: r.identifier, file: r.file, student_id: r.student_id, status: r.status, ...reportNote(outcome, warnings) };
    });
  }
  const { results } = await env.DB.prepare(
    `SELECT r.row, r.identifier, r.file, r.student_id, r.status, r.code, r.message,
            (SELECT json_group_array(json_object('code', w.code, 'message', w.message)) FROM
               (SELECT code, message FROM upload_row_warnings w WHERE w.org = r.org AND w.upload_id = r.upload_id AND w.row = r.row ORDER BY seq, code) w
            ) AS warnings
     FROM upload_rows r WHERE r.org = ?1 AND r.upload_id = ?2 ORDER BY r.row`,
  )
    .bind(upload.org, upload.id)
    .all<Omit<ReportLine, "code" | "message"> & { code: string | null; message: string | null; warnings: string }>();
  return results.map(({ warnings, code, message, ...line }) => ({
    ...line,
    ...reportNote(code ? { code, message: message ?? "" } : null, JSON.parse(warnings) as RowNote[]),
  }));
}
