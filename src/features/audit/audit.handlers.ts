/**
 * src/features/audit/: who changed what — GET /v1/audit, and the audit log's one INSERT
 * (audit.repo.ts) that every other feature calls. Each feature folder holds <f>.routes.ts (OpenAPI
 * route definitions), <f>.handlers.ts (thin: parse → service → respond; no SQL, no rules),
 * <f>.service.ts (the rules), <f>.repo.ts (all its SQL) and <f>.schemas.ts (its zod schemas).
 * Features import src/http/ and src/storage/; src/http/ never imports a feature's handlers.
 */
import { ADMINS, requireRole } from "../../http/auth";
import { createRouter } from "../../http/create-app";
import { listAuditRoute } from "./audit.routes";
import { listAuditEvents } from "./audit.service";

export const auditRouter = createRouter();
auditRouter.use("/v1/audit", requireRole(...ADMINS));

auditRouter.openapi(listAuditRoute, async (c) => {
  const { limit, cursor } = c.req.valid("query");
  return c.json(await listAuditEvents(c.env.DB, c.get("principal").org, limit, cursor), 200);
});
