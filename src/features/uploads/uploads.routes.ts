import { createRoute, z } from "@hono/zod-openapi";
import { PageQuery } from "../common.schemas";
import { Upload, UploadId } from "./uploads.schemas";
import { errors } from "../../http/schemas";

const Params = z.object({ id: UploadId.openapi({ param: { name: "id", in: "path" } }) });
const UploadEnvelope = z.object({ upload: Upload });
const json = (schema: z.ZodType, description: string) => ({ description, content: { "application/json": { schema } } });
const binary = { schema: z.string().openapi({ format: "binary" }) };

export const templateRoute = createRoute({
  method: "get",
  path: "/v1/uploads/template.csv",
  tags: ["Uploads"],
  summary: "The mapping file template",
  responses: { 200: { description: "CSV", content: { "text/csv": { schema: z.string() } } }, ...errors(401, 403) },
});

export const createUploadRoute = createRoute({
  method: "post",
  path: "/v1/uploads",
  tags: ["Uploads"],
  summary: "Start a bulk upload (a draft)",
  responses: { 201: json(UploadEnvelope, "The new draft"), ...errors(401, 403, 429) },
});

export const listUploadsRoute = createRoute({
  method: "get",
  path: "/v1/uploads",
  tags: ["Uploads"],
  summary: "Upload history, newest first",
  request: { query: PageQuery },
  responses: { 200: json(z.object({ uploads: z.array(Upload), next_cursor: z.string().nullable() }), "A page of uploads"), ...errors(400, 401, 403) },
});

export const getUploadRoute = createRoute({
  method: "get",
  path: "/v1/uploads/{id}",
  tags: ["Uploads"],
  summary: "The upload: live preview while a draft, progress once submitted",
  request: { params: Params },
  responses: { 200: json(Upload, "The upload"), ...errors(400, 401, 403, 404) },
});

export const putMappingRoute = createRoute({
  method: "put",
  path: "/v1/uploads/{id}/mapping",
  tags: ["Uploads"],
  summary: "The mapping file (CSV/TSV, or a PSPA INDEX.TXT/MASTER.TXT); replaces an earlier one",
  request: {
    params: Params,
    query: z.object({ name: z.string().max(512).optional().openapi({ description: "The file's name, e.g. mapping.csv or INDEX.TXT" }) }),
    body: { required: true, content: { "text/csv": { schema: z.string() }, "text/plain": { schema: z.string() } } },
  },
  responses: { 200: json(UploadEnvelope, "The upload with its preview"), ...errors(400, 401, 403, 404, 409, 413, 415, 422) },
});

/** A file an upload holds, as received (names are stored normalised: folders kept, `..` dropped). */
const ReceivedFile = z
  .object({
    name: z.string(),
    bytes: z.number(),
    type: z.string().nullable(),
    problem: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .openapi("UploadFile");

export const putFileRoute = createRoute({
  method: "put",
  path: "/v1/uploads/{id}/files/{name}",
  tags: ["Uploads"],
  summary: "One image file, raw body; the name is URL-encoded (%2F for folders)",
  request: {
    params: Params.extend({ name: z.string().openapi({ param: { name: "name", in: "path" }, example: "Grade%209%2FIMG_0001.jpg" }) }),
    body: { required: true, content: { "image/jpeg": binary, "image/png": binary, "image/webp": binary, "application/octet-stream": binary } },
  },
  responses: {
    200: json(z.object({ file: ReceivedFile }), "Received (a problem found in its header is reported, and shown in the preview)"),
    ...errors(400, 401, 403, 404, 409, 413),
  },
});

export const listFilesRoute = createRoute({
  method: "get",
  path: "/v1/uploads/{id}/files",
  tags: ["Uploads"],
  summary: "The files the upload holds, by name: what a client resuming an upload need not send again",
  request: { params: Params, query: PageQuery },
  responses: {
    200: json(z.object({ files: z.array(ReceivedFile), next_cursor: z.string().nullable() }), "A page of files, in name order"),
    ...errors(400, 401, 403, 404),
  },
});

export const putArchiveRoute = createRoute({
  method: "put",
  path: "/v1/uploads/{id}/archive",
  tags: ["Uploads"],
  summary: "A zip of images in any folder layout, optionally with the mapping or a PSPA index; unpacked in the background",
  request: { params: Params, body: { required: true, content: { "application/zip": binary } } },
  responses: { 202: json(UploadEnvelope, "Received; archive.status is extracting until its files appear"), ...errors(400, 401, 403, 404, 409, 411, 413, 415) },
});

export const submitRoute = createRoute({
  method: "post",
  path: "/v1/uploads/{id}/submit",
  tags: ["Uploads"],
  summary: "Process every matched row in the background",
  request: { params: Params },
  responses: { 202: json(UploadEnvelope, "Processing"), ...errors(400, 401, 403, 404, 409) },
});

export const reportRoute = createRoute({
  method: "get",
  path: "/v1/uploads/{id}/report.csv",
  tags: ["Uploads"],
  summary: "One line per mapping row: row,identifier,file,student_id,status,code,message",
  request: { params: Params },
  responses: { 200: { description: "CSV", content: { "text/csv": { schema: z.string() } } }, ...errors(400, 401, 403, 404) },
});

export const revertRoute = createRoute({
  method: "post",
  path: "/v1/uploads/{id}/revert",
  tags: ["Uploads"],
  summary: "Put back, for every student this upload changed, the photo it replaced (or none)",
  request: { params: Params },
  responses: { 200: json(UploadEnvelope.extend({ students_reverted: z.number().int() }), "Reverted"), ...errors(400, 401, 403, 404, 409) },
});

export const cancelRoute = createRoute({
  method: "delete",
  path: "/v1/uploads/{id}",
  tags: ["Uploads"],
  summary: "Cancel a draft and drop its staged files",
  request: { params: Params },
  responses: { 204: { description: "Cancelled" }, ...errors(400, 401, 403, 404, 409) },
});

export const deleteAllRoute = createRoute({
  method: "delete",
  path: "/v1/photos",
  tags: ["Photos"],
  summary: "Support only: delete every photo of the school (all versions) and disable photos",
  request: { query: z.object({ confirm: z.string().openapi({ description: "Must equal the school's org id" }) }) },
  responses: { 202: json(z.object({ status: z.literal("deleting") }), "Photos are no longer served; bytes are being deleted"), ...errors(400, 401, 403) },
});
