import { createRoute, z } from "@hono/zod-openapi";
import { errors } from "../../http/schemas";
import { PageQuery } from "../common.schemas";
import { AuditEvent } from "./audit.schemas";

export const listAuditRoute = createRoute({
  method: "get",
  path: "/v1/audit",
  tags: ["Audit"],
  summary: "Who changed what, newest first",
  request: { query: PageQuery },
  responses: {
    200: {
      description: "A page of events",
      content: { "application/json": { schema: z.object({ events: z.array(AuditEvent), next_cursor: z.string().nullable() }) } },
    },
    ...errors(400, 401, 403),
  },
});
