/**
 * src/features/images/: GET /img/… — the bytes behind the signed photo URLs the photos feature
 * mints. No bearer token here: the URL's signature and expiry are the authorisation, and every
 * request checks that the version is still served (a deleted photo stops at once).
 */
import { createRouter } from "../../http/create-app";
import { imageRoute } from "./images.routes";
import { serveImage } from "./images.service";
import { DEFAULT_HOME, homeEnv, resolveHome } from "../../storage/homes";

export const imagesRouter = createRouter();
imagesRouter.openAPIRegistry.registerPath(imageRoute);

imagesRouter.get("/img/:org/:student/:version/:file", async (c) => {
  const { org, version, file } = c.req.param();
  // Until the URL names the home (issue 11, items 3-4: homeById(segment)), ask the directory
  // (remembered per isolate), never provisioning. A school it does not know has no photos: look
  // in the default home, so the answer is the same as for a known school (403 for a bad
  // signature, 404 for a photo that is not there) and says nothing about which schools exist.
  const home = (await resolveHome(c.env, org, { provision: false }))?.home ?? DEFAULT_HOME;
  return serveImage(homeEnv(c.env, home), c.executionCtx, {
    org,
    studentId: decodeURIComponent(c.req.param("student")),
    version,
    file,
    exp: c.req.query("exp"),
    sig: c.req.query("sig"),
    ifNoneMatch: c.req.header("If-None-Match"),
  });
});
