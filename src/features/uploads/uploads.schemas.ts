import { z } from "@hono/zod-openapi";
import { ORG_PATTERN } from "../../http/auth-claims";

export const uploadStatuses = ["draft", "processing", "completed", "completed_with_errors", "failed", "cancelled", "reverted"] as const;
export type UploadStatus = (typeof uploadStatuses)[number];

export const UploadId = z.string().regex(/^[a-z0-9]{8,40}$/, "Not an upload id");

export const UploadProblem = z
  .object({
    row: z.number().int().nullable(),
    file: z.string().nullable(),
    code: z.string().openapi({ example: "unknown_student" }),
    message: z.string(),
    student_id: z.string().nullable().optional().openapi({ description: "Photo checks' warnings: the row's student" }),
    details: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: "Photo checks' warnings: what was found (possible_duplicate: details.student_id is the other student)" }),
  })
  .openapi("UploadProblem");
export type UploadProblem = z.infer<typeof UploadProblem>;

export const UploadCounts = z
  .object({
    rows: z.number().int(),
    matched: z.number().int(),
    unmatched: z.number().int(),
    files_received: z.number().int(),
    missing_files: z.number().int(),
    unreferenced_files: z.number().int(),
    processed: z.number().int(),
    failed: z.number().int(),
    pending: z.number().int(),
  })
  .openapi("UploadCounts");
export type UploadCounts = z.infer<typeof UploadCounts>;

export const Upload = z
  .object({
    id: z.string(),
    status: z.enum(uploadStatuses),
    created_at: z.string(),
    created_by: z.string(),
    submitted_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    reverted_at: z.string().nullable(),
    format: z.string().nullable().openapi({ description: "csv | semicolon | tsv | pspa | file_names; null until something was received" }),
    mapping_file: z.string().nullable(),
    archive: z
      .object({ status: z.enum(["extracting", "extracted", "failed"]), message: z.string().nullable() })
      .nullable()
      .openapi({ description: "State of the last zip archive received; files appear as it is extracted" }),
    counts: UploadCounts,
    problems: z.array(UploadProblem),
    problems_truncated: z.boolean().openapi({ description: "True when only the first problems are listed; report.csv has every row" }),
  })
  .openapi("Upload");
export type Upload = z.infer<typeof Upload>;

const org = z.string().regex(ORG_PATTERN);

/** Everything the upload queue carries; the consumer validates each message with this schema. */
export const UploadQueueMessage = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("process_row"), org, upload_id: UploadId, row: z.number().int().min(0) }),
  // `from`: the first entry this message unpacks (extraction goes on in slices, see extractArchive)
  z.object({ kind: z.literal("extract_archive"), org, upload_id: UploadId, from: z.number().int().min(0).optional() }),
  z.object({ kind: z.literal("delete_all_photos"), org, requested_by: z.string() }),
]);
export type UploadQueueMessage = z.infer<typeof UploadQueueMessage>;
