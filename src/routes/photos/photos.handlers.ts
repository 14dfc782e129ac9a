import { createRouter } from "../../http/create-app";
import { requireRoleToRead } from "../../http/auth";
import { lookupPhotos } from "../../services/lookup";
import { lookupRoute } from "./photos.routes";

export const photosRouter = createRouter();
photosRouter.use("/v1/photos/lookup", requireRoleToRead("teacher", "admin", "support"));

photosRouter.openapi(lookupRoute, async (c) => {
  const body = c.req.valid("json");
  return c.json(await lookupPhotos(c.env, new URL(c.req.url).origin, c.get("principal"), body), 200);
});
