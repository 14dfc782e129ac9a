/**
 * src/features/images/: GET /img/… — the bytes behind the signed photo URLs the photos feature
 * mints. No bearer token here: the URL's signature and expiry are the authorisation, and every
 * request checks that the version is still served (a deleted photo stops at once).
 */
import { createRouter } from "../../http/create-app";
import { imageRoute } from "./images.routes";
import { serveImage } from "./images.service";

export const imagesRouter = createRouter();
imagesRouter.openAPIRegistry.registerPath(imageRoute);

imagesRouter.get("/img/:org/:student/:version/:file", async (c) => {
  const { org, version, file } = c.req.param();
  return serveImage(c.env, c.executionCtx, {
    org,
    studentId: decodeURIComponent(c.req.param("student")),
    version,
    file,
    exp: c.req.query("exp"),
    sig: c.req.query("sig"),
    ifNoneMatch: c.req.header("If-None-Match"),
  });
});
