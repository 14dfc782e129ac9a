import { createRoute, z } from "@hono/zod-openapi";
import { errors } from "../../http/schemas";
import { Photo, StudentParams } from "../students/students.schemas";
import { LookupRequest, LookupResponse } from "./photos.schemas";

export const putPhotoRoute = createRoute({
  method: "put",
  path: "/v1/students/{id}/photo",
  tags: ["Photos"],
  summary: "Set or replace one student's photo (processed synchronously)",
  request: {
    params: StudentParams,
    body: {
      required: true,
      content: {
        "image/jpeg": { schema: z.string().openapi({ format: "binary" }) },
        "image/png": { schema: z.string().openapi({ format: "binary" }) },
        "image/webp": { schema: z.string().openapi({ format: "binary" }) },
      },
    },
  },
  responses: {
    200: { description: "The new photo", content: { "application/json": { schema: z.object({ photo: Photo }) } } },
    ...errors(400, 401, 403, 404, 409, 413, 415, 422),
  },
});

export const deletePhotoRoute = createRoute({
  method: "delete",
  path: "/v1/students/{id}/photo",
  tags: ["Photos"],
  summary: "Stop serving the student's photo at once (restorable for the retention window)",
  request: { params: StudentParams },
  responses: { 204: { description: "Deleted" }, ...errors(400, 401, 403, 404) },
});

export const restorePhotoRoute = createRoute({
  method: "post",
  path: "/v1/students/{id}/photo/restore",
  tags: ["Photos"],
  summary: "Bring back the photo the current one replaced or the one deleted",
  request: { params: StudentParams },
  responses: {
    200: { description: "The restored photo", content: { "application/json": { schema: z.object({ photo: Photo }) } } },
    ...errors(400, 401, 403, 404, 409),
  },
});

export const lookupRoute = createRoute({
  method: "post",
  path: "/v1/photos/lookup",
  tags: ["Photos"],
  summary: "Signed photo URLs for the students on a pass view (one call for up to 500)",
  request: { body: { required: true, content: { "application/json": { schema: LookupRequest } } } },
  responses: {
    200: { description: "One entry per requested id; null where there is no visible photo", content: { "application/json": { schema: LookupResponse } } },
    ...errors(400, 401, 403, 413),
  },
});

export const exportPhotosRoute = createRoute({
  method: "get",
  path: "/v1/photos/export.zip",
  tags: ["Photos"],
  summary: "Every current photo as a zip (streamed): images/, a PSPA INDEX.TXT and photos.csv, which a bulk upload takes back as its mapping",
  responses: {
    200: { description: "The zip (Content-Disposition: attachment)", content: { "application/zip": { schema: z.string().openapi({ format: "binary" }) } } },
    ...errors(401, 403, 409),
  },
});
