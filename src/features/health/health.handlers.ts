/**
 * src/features/health/: GET /health (readiness) and the API docs page (/docs). No authentication
 * here, and nothing that reads or writes a school's data.
 */
import { swaggerUI } from "@hono/swagger-ui";
import { createRouter } from "../../http/create-app";
import { ApiError } from "../../http/errors";
import { probeDatabase } from "./health.repo";
import { healthRoute } from "./health.routes";

export const healthRouter = createRouter();

healthRouter.openapi(healthRoute, async (c) => {
  try {
    await probeDatabase(c.env.DB);
  } catch (err) {
    console.error(JSON.stringify({ at: "health", error: String(err) }));
    throw new ApiError(503, "not_ready", "The database is not ready (has schema.sql been applied?).");
  }
  return c.json({ ok: true as const }, 200);
});

healthRouter.get("/docs", swaggerUI({ url: "/openapi.json", title: "passpix API" }));
