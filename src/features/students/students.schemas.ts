import { z } from "@hono/zod-openapi";
import { STUDENT_ID_PATTERN } from "../common.schemas";

const blankToNull = (v: unknown) => (typeof v === "string" && v.trim() === "" ? null : typeof v === "string" ? v.trim() : v);
const optionalText = (max: number) => z.preprocess(blankToNull, z.string().max(max).nullish()).transform((v) => v ?? null);

const truthy = new Set(["true", "1", "yes", "y", "t", "x", "opt out", "opted out", "opt-out"]);
const falsy = new Set(["false", "0", "no", "n", "f", ""]);

export const StudentId = z.string().regex(STUDENT_ID_PATTERN, "Use 1–128 letters, digits or . _ : @ + - (starting with a letter or digit)");

/** `{id}` in /v1/students/{id}… paths (the roster's and the photo's routes). */
export const StudentParams = z.object({ id: StudentId.openapi({ param: { name: "id", in: "path" }, example: "stu_1001" }) });

/**
 * One roster row, from JSON or from a CSV line: the same schema validates both, so CSV text
 * ("yes", "", "TRUE") and JSON (true, null) land in the same shape.
 */
export const StudentImportRow = z
  .object({
    id: z.preprocess(blankToNull, StudentId),
    email: z.preprocess(blankToNull, z.email("Not a valid email address").max(254).nullish()).transform((v) => v ?? null),
    sis_id: optionalText(64),
    first_name: optionalText(100),
    last_name: optionalText(100),
    grade: optionalText(16),
    homeroom: optionalText(64),
    photo_opt_out: z
      .preprocess((v) => {
        if (v === undefined || v === null) return false;
        if (typeof v === "string") {
          const s = v.trim().toLowerCase();
          if (truthy.has(s)) return true;
          if (falsy.has(s)) return false;
        }
        return v;
      }, z.boolean("Use true or false"))
      .default(false),
  })
  .refine((s) => s.email !== null || s.sis_id !== null, {
    message: "Give an email or a sis_id (school identifier) so photos can be matched to this student",
    path: ["email"],
  })
  .openapi("StudentImportRow");
export type StudentImportRow = z.infer<typeof StudentImportRow>;

export const STUDENT_CSV_COLUMNS = ["id", "email", "sis_id", "first_name", "last_name", "grade", "homeroom", "photo_opt_out"] as const;

export const ImportProblem = z.object({ row: z.number().int(), code: z.string(), message: z.string() }).openapi("ImportProblem");

export const ImportResult = z
  .object({
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    skipped: z
      .number()
      .int()
      .optional()
      .openapi({ description: "OneRoster imports: rows left out on purpose (: other roles, other schools, tobedeleted); each reason is in problems" }),
    dry_run: z.literal(true).optional().openapi({ description: "Extra: present with ?dry_run=true; nothing was written" }),
    problems: z.array(ImportProblem),
  })
  .openapi("ImportResult");

export const Student = z
  .object({
    id: z.string(),
    email: z.string().nullable(),
    sis_id: z.string().nullable(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    grade: z.string().nullable(),
    homeroom: z.string().nullable(),
    photo_opt_out: z.boolean(),
    has_photo: z.boolean(),
    photo_updated_at: z.string().nullable(),
  })
  .openapi("Student");
export type Student = z.infer<typeof Student>;

export const PhotoSizeEnum = z.enum(["thumb", "card", "full"]);

export const Photo = z
  .object({
    version: z.string(),
    updated_at: z.string(),
    source: z.enum(["api", "upload"]).openapi({ description: "api: set for this one student; upload: set by a bulk upload" }),
    upload_id: z.string().nullable(),
    width: z.number().int().openapi({ description: "Width of the picture as received (after EXIF orientation)" }),
    height: z.number().int(),
    urls: z.object({ thumb: z.string().url(), card: z.string().url(), full: z.string().url() }),
    warnings: z.array(z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) })).openapi({
      description:
        "What the photo checks found on this photo (it is stored and served anyway): possible_duplicate (details.student_id), low_resolution, too_dark, too_bright, blank_image, not_a_portrait",
    }),
  })
  .openapi("Photo");

export const StudentWithPhoto = Student.extend({
  photo: Photo.nullable(),
  can_restore: z.boolean().openapi({
    description:
      "true when POST /v1/students/{id}/photo/restore has a photo to bring back: the one the current photo replaced, or the deleted one, while it is kept (PHOTO_RETENTION_DAYS)",
  }),
}).openapi("StudentWithPhoto");
