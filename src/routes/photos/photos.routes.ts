import { createRoute, z } from "@hono/zod-openapi";
import { PhotoSizeEnum, StudentId } from "../../schemas/student";
import { errors } from "../students/students.routes";

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

export const lookupRoute = createRoute({
  method: "post",
  path: "/v1/photos/lookup",
  tags: ["Photos"],
  summary: "Signed photo URLs for the students on a pass view (one call for up to 500)",
  request: { body: { required: true, content: { "application/json": { schema: LookupRequest } } } },
  responses: {
    200: { description: "One entry per requested id; null where there is no visible photo", content: { "application/json": { schema: LookupResponse } } },
    ...errors(400, 401, 403, 413),
  },
});
