/** Submit: the draft's preview frozen into upload_rows, one queue message per ready row. */
import { conflict } from "../../http/errors";
import type { MappingPreview } from "../../mapping";
import { auditStatement } from "../audit/audit.repo";
import { nowIso } from "../common.schemas";
import { uploadVersionId } from "../photos/photos.service";
import { buildPreview, countsFromPreview, splitRowProblems } from "./preview";
import { insertRowsStatements, submitUploadStatement } from "./uploads.repo";
import { enqueue, requireDraft, requireUpload } from "./uploads.service";

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
    throw conflict(
      "nothing_to_process",
      "No row has both a matched student and its photo file. Check the problems in the preview, fix the mapping or add the files, then submit again.",
    );
  }
  const now = nowIso();
  const rowProblems = preview.problems;
  const statements: D1PreparedStatement[] = [];
  // 500 rows a statement: each chunk travels as one JSON parameter.
  for (let i = 0; i < rows.length; i += 500) statements.push(...insertRowsStatements(env.DB, org, id, now, rows.slice(i, i + 500)));
  statements.push(
    submitUploadStatement(env.DB, org, id, now, preview.format, countsFromPreview(preview), rowProblems),
    auditStatement(env.DB, { org, actor, action: "upload.submit", upload_id: id, details: { rows: rows.length, ready: ready.length } }, now),
  );
  await env.DB.batch(statements);
  await enqueue(
    env.UPLOAD_QUEUE,
    ready.map((r) => ({ kind: "process_row" as const, org, upload_id: id, row: r.row })),
  );
  return requireUpload(env.DB, org, id);
}
