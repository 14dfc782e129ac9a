import { createRoute } from "@hono/zod-openapi";
import { errors } from "../../http/schemas";
import { Preferences } from "./me.schemas";

export const getPreferencesRoute = createRoute({
  method: "get",
  path: "/v1/me/preferences",
  tags: ["Preferences"],
  summary: "The caller's own display preferences",
  responses: { 200: { description: "Preferences", content: { "application/json": { schema: Preferences } } }, ...errors(401) },
});

export const putPreferencesRoute = createRoute({
  method: "put",
  path: "/v1/me/preferences",
  tags: ["Preferences"],
  summary: "Hide or show profile pictures for yourself",
  request: { body: { required: true, content: { "application/json": { schema: Preferences } } } },
  responses: { 200: { description: "Saved", content: { "application/json": { schema: Preferences } } }, ...errors(400, 401, 413) },
});
