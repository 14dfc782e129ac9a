import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../http/create-app";
import { ADMINS, requireRole } from "../../http/auth";
import { PageQuery } from "../../schemas/common";
import { listAuditEvents } from "../../services/audit";
import { errors } from "../students/students.routes";

const AuditEvent = z
  .object({
    at: z.string(),
    actor: z.string(),
    action: z.string().openapi({ example: "photo.set" }),
    student_id: z.string().nullable(),
    upload_id: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi("AuditEvent");

const listAuditRoute = createRoute({
  method: "get",
  path: "/v1/audit",
  tags: ["Audit"],
  summary: "Who changed what, newest first",
  request: { query: PageQuery },
  responses: {
    200: { description: "A page of events", content: { "application/json": { schema: z.object({ events: z.array(AuditEvent), next_cursor: z.string().nullable() }) } } },
    ...errors(400, 401, 403),
  },
});

export const auditRouter = createRouter();
auditRouter.use("/v1/audit", requireRole(...ADMINS));

auditRouter.openapi(listAuditRoute, async (c) => {
  const { limit, cursor } = c.req.valid("query");
  return c.json(await listAuditEvents(c.env.DB, c.get("principal").org, limit, cursor), 200);
});
