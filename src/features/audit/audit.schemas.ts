import { z } from "@hono/zod-openapi";

export const AuditEvent = z
  .object({
    at: z.string(),
    actor: z.string(),
    action: z.string().openapi({ example: "photo.set" }),
    student_id: z.string().nullable(),
    upload_id: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi("AuditEvent");
