import { z } from "@hono/zod-openapi";
import { PhotoSizeEnum, StudentId } from "../students/students.schemas";

export const LookupRequest = z
  .object({
    student_ids: z.array(StudentId).max(500, "Ask for at most 500 students at once"),
    size: PhotoSizeEnum.default("thumb"),
    with_names: z.boolean().default(false),
  })
  .openapi("LookupRequest");

export const LookupResponse = z
  .object({
    visible: z.boolean(),
    reason: z.enum(["disabled", "hidden_by_user"]).nullable(),
    photos: z.record(z.string(), z.string().url().nullable()),
    names: z.record(z.string(), z.string().nullable()).optional(),
  })
  .openapi("LookupResponse");
