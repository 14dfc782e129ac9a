// The API's shapes, taken from the zod schemas that validate and document it (type-only imports:
// nothing of the server is bundled), so the pages cannot drift from the contract unnoticed.
import type { z } from "@hono/zod-openapi";
import type { IntegrationState as IntegrationSchema } from "../../features/integration/integration.schemas";
import type { LookupResponse as LookupSchema } from "../../features/photos/photos.schemas";
import type {
  ImportResult as ImportResultSchema,
  Photo as PhotoSchema,
  Student as StudentSchema,
  StudentWithPhoto as StudentWithPhotoSchema,
} from "../../features/students/students.schemas";
import type { Upload as UploadSchema, UploadProblem as UploadProblemSchema, UploadStatus as UploadStatusType } from "../../features/uploads/uploads.schemas";

export type IntegrationState = z.infer<typeof IntegrationSchema>;
export type LookupResponse = z.infer<typeof LookupSchema>;
export type Student = z.infer<typeof StudentSchema>;
export type StudentWithPhoto = z.infer<typeof StudentWithPhotoSchema>;
export type Photo = z.infer<typeof PhotoSchema>;
export type ImportResult = z.infer<typeof ImportResultSchema>;
export type Upload = z.infer<typeof UploadSchema>;
export type UploadProblem = z.infer<typeof UploadProblemSchema>;
export type UploadStatus = UploadStatusType;
export type Preferences = { hide_profile_pictures: boolean };
export type Page<K extends string, T> = { [key in K]: T[] } & { next_cursor: string | null };

export const FINAL_STATUSES: ReadonlySet<UploadStatus> = new Set(["completed", "completed_with_errors", "failed", "cancelled", "reverted"]);
