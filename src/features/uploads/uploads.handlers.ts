/** The upload routes' handlers: parse → service → respond. No SQL and no R2 here. */
import { createRouter } from "../../http/create-app";
import { ADMINS, requireRole } from "../../http/auth";
import { discardBody, mediaType, readBodyLimited, tooLarge, unsupportedMediaType } from "../../http/body";
import { csvResponse, toCsv } from "../../http/csv-response";
import { ApiError, badRequest, conflict } from "../../http/errors";
import { nowIso } from "../common.schemas";
import { requestDeleteAllPhotos } from "../photos/delete-all.service";
import { archiveBodyLimit, BODY_LIMITS } from "../../http/body-limits";
import { refuseArchiveOverLimits } from "./archive";
import { describeUpload, listUploads } from "./preview";
import { reportLines } from "./report";
import { submitUpload } from "./submit";
import {
  cancelUpload,
  createUpload,
  listUploadFilesPage,
  requireDraft,
  requireUpload,
  revertUpload,
  stageFile,
  stageMapping,
  startArchive,
  storeArchive,
} from "./uploads.service";
import * as routes from "./uploads.routes";

export const uploadsRouter = createRouter();
uploadsRouter.use("/v1/uploads", requireRole(...ADMINS));
uploadsRouter.use("/v1/uploads/*", requireRole(...ADMINS));
uploadsRouter.use("/v1/photos", requireRole("support"));

uploadsRouter.openapi(routes.templateRoute, () =>
  csvResponse(
    toCsv(
      ["student", "file"],
      [
        ["ada.lovelace@yourschool.org", "IMG_0001.jpg"],
        ["001234", "Grade 9/IMG_0002.jpg"],
      ],
    ),
    "passpix-mapping-template.csv",
  ),
);

uploadsRouter.openapi(routes.createUploadRoute, async (c) => {
  const { org, sub } = c.get("principal");
  const upload = await createUpload(c.env.DB, org, sub);
  return c.json({ upload: await describeUpload(c.env, upload) }, 201);
});

uploadsRouter.openapi(routes.listUploadsRoute, async (c) => {
  const { limit, cursor } = c.req.valid("query");
  return c.json(await listUploads(c.env, c.get("principal").org, limit, cursor), 200);
});

uploadsRouter.openapi(routes.getUploadRoute, async (c) => {
  const upload = await requireUpload(c.env.DB, c.get("principal").org, c.req.valid("param").id);
  return c.json(await describeUpload(c.env, upload), 200);
});

uploadsRouter.openapi(routes.putMappingRoute, async (c) => {
  const { org, sub } = c.get("principal");
  const upload = await requireUpload(c.env.DB, org, c.req.valid("param").id);
  requireDraft(upload);
  const bytes = await readBodyLimited(c.req.raw, BODY_LIMITS.mapping.bytes, BODY_LIMITS.mapping.what);
  if (bytes.byteLength === 0) throw badRequest("validation_failed", "The mapping file is empty.", [{ path: "body", message: "Empty body" }]);
  await stageMapping(c.env, org, upload, c.req.valid("query").name ?? "mapping.csv", bytes, sub, mediaType(c.req.raw));
  return c.json({ upload: await describeUpload(c.env, await requireUpload(c.env.DB, org, upload.id)) }, 200);
});

uploadsRouter.openapi(routes.putFileRoute, async (c) => {
  const { org } = c.get("principal");
  const { id, name } = c.req.valid("param");
  const upload = await requireUpload(c.env.DB, org, id);
  requireDraft(upload);
  const bytes = await readBodyLimited(c.req.raw, BODY_LIMITS.image.bytes, BODY_LIMITS.image.what);
  if (bytes.byteLength === 0) throw badRequest("validation_failed", `The file ${name} is empty.`, [{ path: "body", message: "Empty body" }]);
  const file = await stageFile(c.env, org, upload, name, bytes);
  return c.json({ file }, 200);
});

uploadsRouter.openapi(routes.listFilesRoute, async (c) => {
  const { org } = c.get("principal");
  const upload = await requireUpload(c.env.DB, org, c.req.valid("param").id);
  const { limit, cursor } = c.req.valid("query");
  return c.json(await listUploadFilesPage(c.env.DB, org, upload.id, limit, cursor), 200);
});

uploadsRouter.openapi(routes.putArchiveRoute, async (c) => {
  const { org, sub } = c.get("principal");
  const upload = await requireUpload(c.env.DB, org, c.req.valid("param").id);
  requireDraft(upload);
  if (upload.archive_status === "extracting") {
    await discardBody(c.req.raw.body);
    throw conflict("archive_in_progress", "The previous zip file of this upload is still being unpacked. Wait until its files appear, then add another.");
  }
  const declared = Number(c.req.header("Content-Length") ?? NaN);
  if (!Number.isFinite(declared) || !c.req.raw.body) {
    throw new ApiError(
      411,
      "length_required",
      "Send the zip file with a Content-Length header (every browser and curl do; chunked uploads are not accepted for archives).",
    );
  }
  // Past the plan's cap the platform refuses the body with its own page; the contract's 413 says
  // what works instead (the pages and the CLI unpack a zip locally and send its photos one by one).
  const cap = archiveBodyLimit(c.env);
  if (declared > cap) {
    await discardBody(c.req.raw.body);
    const refused = tooLarge("zip file", declared, cap);
    throw new ApiError(
      413,
      refused.code,
      `${refused.message} Choose it on the Profile Pictures page, or send it with the upload command (npm run upload): both unpack it on your computer and send its photos one by one.`,
      refused.details,
    );
  }
  const type = mediaType(c.req.raw);
  if (type && !["application/zip", "application/x-zip-compressed", "application/octet-stream", "multipart/x-zip"].includes(type)) {
    await discardBody(c.req.raw.body);
    throw unsupportedMediaType(type, "a .zip file (application/zip)");
  }
  // Streamed to R2 as it arrives (never held in memory); unpacked by the queue consumer.
  await storeArchive(c.env, org, upload.id, c.req.raw.body, declared);
  // The table of contents sits at the end of the zip: read it now (range reads), so a zip past the
  // limits is refused at once instead of after minutes of unpacking.
  await refuseArchiveOverLimits(c.env, org, upload.id);
  await startArchive(c.env, org, upload.id, sub, declared);
  return c.json({ upload: await describeUpload(c.env, await requireUpload(c.env.DB, org, upload.id)) }, 202);
});

uploadsRouter.openapi(routes.submitRoute, async (c) => {
  const { org, sub } = c.get("principal");
  const upload = await submitUpload(c.env, org, c.req.valid("param").id, sub);
  return c.json({ upload: await describeUpload(c.env, upload) }, 202);
});

const REPORT_COLUMNS = ["row", "identifier", "file", "student_id", "status", "code", "message"] as const;

uploadsRouter.openapi(routes.reportRoute, async (c) => {
  const upload = await requireUpload(c.env.DB, c.get("principal").org, c.req.valid("param").id);
  const lines = await reportLines(c.env, upload);
  return csvResponse(
    toCsv(
      REPORT_COLUMNS,
      lines.map((l) => REPORT_COLUMNS.map((k) => l[k])),
    ),
    `passpix-upload-${upload.id}-report.csv`,
  );
});

uploadsRouter.openapi(routes.revertRoute, async (c) => {
  const { org, sub } = c.get("principal");
  const { id } = c.req.valid("param");
  const reverted = await revertUpload(c.env, org, id, sub);
  return c.json({ upload: await describeUpload(c.env, await requireUpload(c.env.DB, org, id)), students_reverted: reverted }, 200);
});

uploadsRouter.openapi(routes.cancelRoute, async (c) => {
  const { org, sub } = c.get("principal");
  await cancelUpload(c.env, org, c.req.valid("param").id, sub);
  return c.body(null, 204);
});

uploadsRouter.openapi(routes.deleteAllRoute, async (c) => {
  const { org, sub } = c.get("principal");
  if (c.req.valid("query").confirm !== org) {
    throw badRequest("validation_failed", `To delete every photo of the school, pass confirm=${org} (the school's id).`, [
      { path: "confirm", message: "Must equal your org" },
    ]);
  }
  await requestDeleteAllPhotos(c.env, org, sub);
  return c.json({ status: "deleting" as const, requested_at: nowIso() }, 202);
});
