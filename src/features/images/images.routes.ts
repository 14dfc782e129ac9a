import { createRoute, z } from "@hono/zod-openapi";
import { errors } from "../../http/schemas";

/** Documented only: the handler reads the raw path (student ids are URL-encoded) and answers 403 on any bad part. */
export const imageRoute = createRoute({
  method: "get",
  path: "/img/{home}/{org}/{student}/{version}/{file}",
  tags: ["Photos"],
  summary: "The bytes behind a signed URL from this API",
  request: {
    params: z.object({ home: z.string(), org: z.string(), student: z.string(), version: z.string(), file: z.enum(["thumb.jpg", "card.jpg", "full.jpg"]) }),
    query: z.object({ exp: z.string(), sig: z.string(), scope: z.literal("review").optional() }),
  },
  responses: {
    200: { description: "JPEG", content: { "image/jpeg": { schema: z.string().openapi({ format: "binary" }) } } },
    304: { description: "Not modified" },
    ...errors(403, 404),
  },
});
