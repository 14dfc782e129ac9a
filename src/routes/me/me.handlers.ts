import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../http/create-app";
import { ANYONE, requireRole } from "../../http/auth";
import { getPreferences, setPreferences } from "../../services/integration";
import { errors } from "../students/students.routes";

export const Preferences = z.object({ hide_profile_pictures: z.boolean() }).openapi("Preferences");

const getPreferencesRoute = createRoute({
  method: "get",
  path: "/v1/me/preferences",
  tags: ["Preferences"],
  summary: "The caller's own display preferences",
  responses: { 200: { description: "Preferences", content: { "application/json": { schema: Preferences } } }, ...errors(401) },
});

const putPreferencesRoute = createRoute({
  method: "put",
  path: "/v1/me/preferences",
  tags: ["Preferences"],
  summary: "Hide or show profile pictures for yourself",
  request: { body: { required: true, content: { "application/json": { schema: Preferences } } } },
  responses: { 200: { description: "Saved", content: { "application/json": { schema: Preferences } } }, ...errors(400, 401, 413) },
});

export const meRouter = createRouter();
meRouter.use("/v1/me/*", requireRole(...ANYONE));

meRouter.openapi(getPreferencesRoute, async (c) => {
  const { org, sub } = c.get("principal");
  return c.json(await getPreferences(c.env.DB, org, sub), 200);
});

meRouter.openapi(putPreferencesRoute, async (c) => {
  const { org, sub } = c.get("principal");
  return c.json(await setPreferences(c.env.DB, org, sub, c.req.valid("json")), 200);
});
