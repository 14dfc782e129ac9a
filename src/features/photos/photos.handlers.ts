/**
 * src/features/photos/: one student's photo (PUT, DELETE, restore), the pass view's lookup of
 * signed URLs (lookup.service.ts, signed-urls.ts) and support's delete-all (delete-all.service.ts).
 * All SQL of photo_versions and of the photo pointers is in photos.repo.ts; R2 keys come from
 * src/storage/keys.ts. Decoding and resizing images is not here (src/imaging/).
 */
import { ADMINS, requireRole, requireRoleToRead } from "../../http/auth";
import { BODY_LIMITS } from "../../http/body-limits";
import { discardBody, readBodyLimited } from "../../http/body";
import { createRouter } from "../../http/create-app";
import { badRequest, conflict } from "../../http/errors";
import { processPortrait } from "../../imaging/pipeline";
import { requireStudent } from "../students/students.service";
import { startPhotoExport } from "./export.service";
import { lookupPhotosJson } from "./lookup.service";
import { deleteStudentPhoto, describePhoto, newVersionId, restoreStudentPhoto, setStudentPhoto } from "./photos.service";
import * as routes from "./photos.routes";

const origin = (url: string) => new URL(url).origin;

export const photosRouter = createRouter();
photosRouter.use("/v1/students/:id/photo", requireRole(...ADMINS));
photosRouter.use("/v1/students/:id/photo/*", requireRole(...ADMINS));
photosRouter.use("/v1/photos/export.zip", requireRole(...ADMINS));
photosRouter.use("/v1/photos/lookup", requireRoleToRead("teacher", "admin", "support"));

photosRouter.openapi(routes.putPhotoRoute, async (c) => {
  const { org, sub } = c.get("principal");
  const { id } = c.req.valid("param");
  const student = await requireStudent(c.env.DB, org, id);
  if (student.photo_opt_out) {
    await discardBody(c.req.raw.body);
    throw conflict("opted_out", "This student's family opted out of photos, so no photo can be stored. Change photo_opt_out in the roster first.");
  }
  const bytes = await readBodyLimited(c.req.raw, BODY_LIMITS.image.bytes, BODY_LIMITS.image.what);
  if (bytes.byteLength === 0)
    throw badRequest("validation_failed", "The request body is empty: send the image file as the body.", [{ path: "body", message: "Empty body" }]);
  const processed = processPortrait(bytes);
  await setStudentPhoto(c.env, org, id, processed, { actor: sub, source: "api", version: newVersionId() });
  const updated = await requireStudent(c.env.DB, org, id);
  return c.json({ photo: (await describePhoto(c.env, origin(c.req.url), updated))! }, 200);
});

photosRouter.openapi(routes.deletePhotoRoute, async (c) => {
  const { org, sub } = c.get("principal");
  await deleteStudentPhoto(c.env, org, c.req.valid("param").id, sub);
  return c.body(null, 204);
});

photosRouter.openapi(routes.restorePhotoRoute, async (c) => {
  const { org, sub } = c.get("principal");
  const { id } = c.req.valid("param");
  await restoreStudentPhoto(c.env, org, id, sub);
  const student = await requireStudent(c.env.DB, org, id);
  return c.json({ photo: (await describePhoto(c.env, origin(c.req.url), student))! }, 200);
});

photosRouter.openapi(routes.lookupRoute, async (c) => {
  const body = c.req.valid("json");
  // The answer is JSON text already (a remembered answer goes out as it is, not stringified again), with c.json's Content-Type.
  const json = await lookupPhotosJson(c.env, origin(c.req.url), c.get("principal"), body);
  return c.body(json, 200, { "Content-Type": "application/json" }) as never;
});

photosRouter.openapi(routes.exportPhotosRoute, async (c) => {
  const { org, sub } = c.get("principal");
  const stream = await startPhotoExport(c.env, org, sub);
  const day = new Date().toISOString().slice(0, 10);
  const file = `photos-${org.replace(/[^A-Za-z0-9._-]+/g, "_")}-${day}.zip`;
  // The typed route expects a JSON answer; this one is a byte stream, so it is returned as is.
  return new Response(stream, {
    headers: { "Content-Type": "application/zip", "Content-Disposition": `attachment; filename="${file}"`, "Cache-Control": "no-store" },
  }) as never;
});
