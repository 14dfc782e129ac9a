/**
 * src/features/me/: the caller's own settings (GET/PUT /v1/me/preferences), for every role.
 * Nothing here reads or changes another user's or the school's data.
 */
import { ANYONE, requireRole } from "../../http/auth";
import { createRouter } from "../../http/create-app";
import { getPreferencesRoute, putPreferencesRoute } from "./me.routes";
import { getPreferences, setPreferences } from "./me.service";

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
