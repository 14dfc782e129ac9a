import { createRoute, z } from "@hono/zod-openapi";
import { swaggerUI } from "@hono/swagger-ui";
import { createRouter } from "../../http/create-app";
import { ApiError } from "../../http/errors";

const healthRoute = createRoute({
  method: "get",
  path: "/health",
  tags: ["Service"],
  summary: "200 once the service can serve requests (its database answers and has the schema)",
  responses: {
    200: { description: "Ready", content: { "application/json": { schema: z.object({ ok: z.literal(true) }) } } },
    503: { description: "Not ready" },
  },
});

export const healthRouter = createRouter();

healthRouter.openapi(healthRoute, async (c) => {
  try {
    await c.env.DB.prepare("SELECT 1 FROM orgs LIMIT 1").all();
  } catch (err) {
    console.error(JSON.stringify({ at: "health", error: String(err) }));
    throw new ApiError(503, "not_ready", "The database is not ready (has schema.sql been applied?).");
  }
  return c.json({ ok: true as const }, 200);
});

healthRouter.get("/docs", swaggerUI({ url: "/openapi.json", title: "passpix API" }));
