/** report.csv: one line per mapping row, the preview's verdict for a draft, the outcome after submit. */
import { buildPreview, splitRowProblems, type RowNote } from "./preview";
import { type ReportRowRecord, selectReportRows, type UploadRow } from "./uploads.repo";

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

/** One line of report.csv: the row as frozen and settled, its warnings folded into code and message. */
export type ReportLine = Omit<ReportRowRecord, "warnings">;

/** One line per mapping row: the preview's verdict for a draft, the processing outcome after submit. */
export async function reportLines(env: Env, upload: UploadRow): Promise<ReportLine[]> {
  if (upload.status === "draft") {
    const preview = await buildPreview(env, upload);
    return preview.rows.map((r) => {
      const { outcome, warnings } = splitRowProblems(r);
      return { row: r.row, identifier: r.identifier, file: r.file, student_id: r.student_id, status: r.status, ...reportNote(outcome, warnings) };
    });
  }
  const results = await selectReportRows(env.DB, upload.org, upload.id);
  return results.map(({ warnings, code, message, ...line }) => ({
    ...line,
    ...reportNote(code ? { code, message: message ?? "" } : null, JSON.parse(warnings) as RowNote[]),
  }));
}
