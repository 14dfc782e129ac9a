import { createRoute } from "@hono/zod-openapi";
import { errors } from "../../http/schemas";
import { OrgHome, PutOrgBody } from "./org.schemas";

export const getOrgRoute = createRoute({
  method: "get",
  path: "/v1/org",
  tags: ["School"],
  summary: "Where this school's rows and photos are kept (its home)",
  responses: { 200: { description: "The school's home", content: { "application/json": { schema: OrgHome } } }, ...errors(401, 403) },
});

export const putOrgRoute = createRoute({
  method: "put",
  path: "/v1/org",
  tags: ["School"],
  summary: "Set the school's jurisdiction (only while it holds no data)",
  request: { body: { required: true, content: { "application/json": { schema: PutOrgBody } } } },
  responses: { 200: { description: "The school's home", content: { "application/json": { schema: OrgHome } } }, ...errors(400, 401, 403, 409, 413) },
});
