import { createRoute, z } from "@hono/zod-openapi";

export const healthRoute = createRoute({
  method: "get",
  path: "/health",
  tags: ["Service"],
  summary: "200 once the service can serve requests (its database answers and has the schema)",
  responses: {
    200: { description: "Ready", content: { "application/json": { schema: z.object({ ok: z.literal(true) }) } } },
    503: { description: "Not ready" },
  },
});
