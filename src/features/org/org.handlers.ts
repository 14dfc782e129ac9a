/**
 * src/features/org/: the school's home (GET/PUT /v1/org): which jurisdiction and which home keep
 * its rows and photos. Support sets the jurisdiction before the school adds any data.
 */
import { ADMINS, requireRole } from "../../http/auth";
import { createRouter } from "../../http/create-app";
import { getOrgRoute, putOrgRoute } from "./org.routes";
import { getOrgHome, setJurisdiction } from "./org.service";

export const orgRouter = createRouter();
orgRouter.on("GET", "/v1/org", requireRole(...ADMINS));
orgRouter.on("PUT", "/v1/org", requireRole("support"));

orgRouter.openapi(getOrgRoute, async (c) => c.json(await getOrgHome(c.env, c.get("principal").org), 200));

orgRouter.openapi(putOrgRoute, async (c) => c.json(await setJurisdiction(c.env, c.get("principal").org, c.req.valid("json").jurisdiction), 200));
