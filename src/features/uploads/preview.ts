/**
 * The live preview of a draft (the mapping matched against the roster and the received files,
 * plus what the files and the zip said on arrival) and the upload as the API shows it.
 */
import { findMappingInArchive } from "../../shared/delivery";
import { ARCHIVE_PROBLEM_CODES, MAPPING_WARNING_CODES, problemWording } from "../../shared/problem-codes";
import { sizeFindings } from "../../imaging/checks";
import { mappingSourceFor, matchMappingRows, type MappingPreview, type MappingSource } from "../../mapping";
import { stagedFileKey, stagedMappingKey } from "../../storage/keys";
import { decodeCursor, encodeCursor } from "../common.schemas";
import { listRoster } from "../students/students.service";
import type { Upload, UploadCounts, UploadProblem } from "./uploads.schemas";
import {
  countRowsByStatus,
  selectCheckWarnings,
  selectFailedRows,
  selectUploadFiles,
  selectUploadsPage,
  type UploadFileFacts,
  type UploadFileRow,
  type UploadRow,
} from "./uploads.repo";
import { UPLOAD_LIMITS } from "./uploads.service";

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
export async function buildPreview(env: Env, upload: UploadRow): Promise<MappingPreview> {
  const files = await selectUploadFiles(env.DB, upload.org, upload.id);
  const [source, roster] = await Promise.all([resolveMappingSource(env, upload, files), listRoster(env.DB, upload.org)]);
  const preview = matchMappingRows(
    source,
    roster,
    files.map((f) => f.name),
  );
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
  addPhotoWarnings(files, preview);
  addArchiveProblems(upload, files, preview);
  return preview;
}

/** A preview problem with what the photo checks add: the row's student and what was found. */
type PhotoWarningProblem = MappingPreview["problems"][number] & { student_id: string; details: Record<string, unknown> };

/**
 * The photo checks' warnings that need no decoding (issue 13), on ready rows: `low_resolution` and
 * `not_a_portrait` from the size the file's header gave at PUT (sizeFindings, the rule processing
 * applies), and `possible_duplicate` when the row's file has the same bytes (SHA-256) as an earlier
 * ready row's file for another student, on the later row, naming the earlier student. (Two rows
 * naming the same file are already `duplicate_file`, which stops both.) Frozen with the rows at
 * submit, so they stay on the row in report.csv; processing adds no second warning of a code.
 */
function addPhotoWarnings(files: (UploadFileRow & UploadFileFacts)[], preview: MappingPreview) {
  const byName = new Map(files.map((f) => [f.name, f]));
  const firstBySha = new Map<string, { row: number; student_id: string; file: string }>();
  for (const row of preview.rows) {
    const f = row.status === "ready" && row.matched_file && row.student_id ? byName.get(row.matched_file) : undefined;
    if (!f || !row.student_id) continue;
    const found: PhotoWarningProblem[] = [];
    const warn = (code: string, details: Record<string, unknown>, message = problemWording(code).explain) =>
      found.push({ row: row.row, file: f.name, code, message, student_id: row.student_id!, details });
    if (f.width !== null && f.height !== null) for (const s of sizeFindings(f.width, f.height)) warn(s.code, s.facts);
    const first = f.sha256 ? firstBySha.get(f.sha256) : undefined;
    if (first && first.student_id !== row.student_id) {
      warn(
        "possible_duplicate",
        { student_id: first.student_id, where: "upload", same_bytes_as: first.file, other_row: first.row },
        `This file has exactly the same content as ${first.file}, the photo of student ${first.student_id} (row ${first.row}). Check that each student has their own picture.`,
      );
    } else if (f.sha256 && !first) firstBySha.set(f.sha256, { row: row.row, student_id: row.student_id, file: f.name });
    row.problems.push(...found);
    preview.problems.push(...found);
  }
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
    found.push({
      row: null,
      file: null,
      code: "archive_incomplete",
      message: upload.archive_message ?? "The zip file could not be unpacked. Upload it again.",
    });
  }
  for (const f of files) {
    if (!f.problem_code || !ARCHIVE_PROBLEM_CODES.has(f.problem_code) || named.has(f.name)) continue;
    found.push({ row: null, file: f.name, code: f.problem_code, message: f.problem_message ?? "" });
  }
  // First, so a long list of row problems (only the first are listed) never hides them.
  preview.problems.unshift(...found);
}

export function countsFromPreview(p: MappingPreview): Omit<UploadCounts, "processed" | "failed" | "pending"> {
  const { rows, matched, unmatched, files_received, missing_files, unreferenced_files } = p.counts;
  return { rows, matched, unmatched, files_received, missing_files, unreferenced_files };
}

async function liveRowCounts(db: D1Database, org: string, uploadId: string) {
  const results = await countRowsByStatus(db, org, uploadId);
  const by = Object.fromEntries(results.map((r) => [r.status, r.n])) as Record<string, number>;
  return { processed: by.processed ?? 0, failed: by.failed ?? 0, pending: by.pending ?? 0 };
}

/**
 * The problems an upload lists: at most maxListedProblems, in their order. The photo warnings (the
 * problems with details) come last, and the pages' warning filter, their duplicate pairs and the
 * CLI's count read them from this list only: past the cap they keep at least half of it, whatever
 * room the other problems leave (report.csv has every row).
 */
function listedProblems(all: UploadProblem[]): UploadProblem[] {
  const cap = UPLOAD_LIMITS.maxListedProblems;
  if (all.length <= cap) return all;
  const warnings = all.filter((p) => p.details).length;
  let warningsLeft = Math.min(warnings, Math.max(cap - (all.length - warnings), Math.floor(cap / 2)));
  let othersLeft = cap - warningsLeft;
  return all.filter((p) => (p.details ? warningsLeft-- > 0 : othersLeft-- > 0));
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
    problems: listedProblems(problems),
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
    return toApi(
      upload,
      { rows: 0, matched: 0, unmatched: 0, files_received: 0, missing_files: 0, unreferenced_files: 0, processed: 0, failed: 0, pending: 0 },
      [],
    );
  }
  const frozen = JSON.parse(upload.frozen_counts ?? "{}") as Omit<UploadCounts, "processed" | "failed" | "pending">;
  const live = await liveRowCounts(env.DB, upload.org, upload.id);
  const [failures, checks] = await Promise.all([
    selectFailedRows(env.DB, upload.org, upload.id, UPLOAD_LIMITS.maxListedProblems),
    selectCheckWarnings(env.DB, upload.org, upload.id, UPLOAD_LIMITS.maxListedProblems),
  ]);
  const problems = [...(JSON.parse(upload.frozen_problems ?? "[]") as UploadProblem[]), ...failures, ...checks];
  return toApi(upload, { ...frozen, ...live }, problems);
}

export async function listUploads(env: Env, org: string, limit: number, cursor?: string) {
  const after = decodeCursor(cursor, 2);
  const results = await selectUploadsPage(env.DB, org, after ? [String(after[0]), String(after[1])] : null, limit);
  const page = results.slice(0, limit);
  const uploads = await Promise.all(page.map((u) => describeUpload(env, u)));
  const last = page.at(-1);
  return { uploads, next_cursor: results.length > limit && last ? encodeCursor([last.created_at, last.id]) : null };
}

/** `details`: what a photo check found (only its warnings have them). */
export type RowNote = { code: string; message: string; details?: Record<string, unknown> };

/**
 * A preview row's problems split into its outcome (what stops it: the first blocking problem,
 * else its first problem; none when it is ready) and its warnings (every other problem). The
 * draft's report and the rows frozen at submit split the same way, so a warning reads the same
 * before and after processing.
 */
export function splitRowProblems(r: MappingPreview["rows"][number]): { outcome: RowNote | null; warnings: RowNote[] } {
  const outcome = r.status === "ready" ? null : (r.problems.find((p) => isBlocking(p.code)) ?? r.problems[0] ?? null);
  return {
    outcome: outcome && { code: outcome.code, message: outcome.message },
    warnings: r.problems
      .filter((p) => p !== outcome)
      .map((p) => {
        const details = (p as Partial<PhotoWarningProblem>).details;
        return details ? { code: p.code, message: p.message, details } : { code: p.code, message: p.message };
      }),
  };
}
