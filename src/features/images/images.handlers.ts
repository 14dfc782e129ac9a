/**
 * src/features/images/: GET /img/… — the bytes behind the signed photo URLs the photos feature
 * mints. No bearer token here: the URL's signature and expiry are the authorisation, and the URL
 * and storage decide what is served: no database row is read (images.service.ts).
 */
import { createRouter } from "../../http/create-app";
import { imageRoute } from "./images.routes";
import { serveImage } from "./images.service";

export const imagesRouter = createRouter();
imagesRouter.openAPIRegistry.registerPath(imageRoute);

imagesRouter.get("/img/:home/:org/:student/:version/:file", async (c) => {
  const { home, org, version, file } = c.req.param();
  return serveImage(c.env, c.executionCtx, {
    home,
    org,
    studentId: decodeURIComponent(c.req.param("student")),
    version,
    file,
    exp: c.req.query("exp"),
    sig: c.req.query("sig"),
    scope: c.req.query("scope"),
    ifNoneMatch: c.req.header("If-None-Match"),
  });
});
