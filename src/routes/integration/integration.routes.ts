import { createRoute, z } from "@hono/zod-openapi";
import { errors } from "../students/students.routes";

export const IntegrationState = z
  .object({
    enabled: z.boolean(),
    can_enable: z.boolean().openapi({ description: "True when photos are disabled and at least one photo is processed" }),
    photo_count: z.number().int(),
    student_count: z.number().int(),
    eligible_count: z.number().int().openapi({ description: "Students who have not opted out of photos" }),
    eligible_photo_count: z.number().int().openapi({ description: "Of those, how many have a photo" }),
    coverage: z.number().openapi({ description: "Share (0–1) of students who have not opted out that have a photo" }),
    last_upload: z
      .object({ id: z.string(), status: z.string(), created_at: z.string(), submitted_at: z.string().nullable(), completed_at: z.string().nullable() })
      .nullable(),
  })
  .openapi("IntegrationState");

export const getIntegrationRoute = createRoute({
  method: "get",
  path: "/v1/integration",
  tags: ["Integration"],
  summary: "The Profile Pictures integration's state",
  responses: { 200: { description: "State", content: { "application/json": { schema: IntegrationState } } }, ...errors(401, 403) },
});

export const enableRoute = createRoute({
  method: "post",
  path: "/v1/integration/enable",
  tags: ["Integration"],
  summary: "Show photos to teachers",
  responses: { 200: { description: "Enabled", content: { "application/json": { schema: IntegrationState } } }, ...errors(401, 403, 409) },
});

export const disableRoute = createRoute({
  method: "post",
  path: "/v1/integration/disable",
  tags: ["Integration"],
  summary: "Hide photos from teachers (admins still see them)",
  responses: { 200: { description: "Disabled", content: { "application/json": { schema: IntegrationState } } }, ...errors(401, 403) },
});

export const missingCsvRoute = createRoute({
  method: "get",
  path: "/v1/integration/missing.csv",
  tags: ["Integration"],
  summary: "Students without a photo (not opted out), for retake day",
  responses: { 200: { description: "CSV", content: { "text/csv": { schema: z.string() } } }, ...errors(401, 403) },
});
