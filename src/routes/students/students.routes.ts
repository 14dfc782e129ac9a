import { createRoute, z } from "@hono/zod-openapi";
import { ErrorResponse, PageQuery } from "../../schemas/common";
import { ImportResult, Student, StudentId, StudentImportRow, StudentWithPhoto, Photo } from "../../schemas/student";

const errors = (...codes: Array<400 | 401 | 403 | 404 | 409 | 411 | 413 | 415 | 422 | 429>) =>
  Object.fromEntries(codes.map((c) => [c, { description: "Error", content: { "application/json": { schema: ErrorResponse } } }]));
export { errors };

const StudentParams = z.object({ id: StudentId.openapi({ param: { name: "id", in: "path" }, example: "stu_1001" }) });

export const importStudentsRoute = createRoute({
  method: "post",
  path: "/v1/students/import",
  tags: ["Roster"],
  summary: "Upsert the roster by id (CSV with a header row, or JSON)",
  request: {
    body: {
      required: true,
      content: {
        "text/csv": { schema: z.string().openapi({ example: "id,email,sis_id,first_name,last_name,grade,homeroom\nstu_1,ada@school.org,001234,Ada,Lovelace,9,101" }) },
        "application/json": { schema: z.object({ students: z.array(StudentImportRow) }) },
      },
    },
  },
  responses: { 200: { description: "Counts and one problem per refused row", content: { "application/json": { schema: ImportResult } } }, ...errors(400, 401, 403, 413, 415) },
});

export const listStudentsRoute = createRoute({
  method: "get",
  path: "/v1/students",
  tags: ["Roster"],
  summary: "Search students",
  request: {
    query: PageQuery.extend({
      q: z.string().max(200).optional().openapi({ description: "Matches name, email, sis_id or id" }),
      has_photo: z.enum(["true", "false"]).optional().transform((v) => (v === undefined ? undefined : v === "true")),
    }),
  },
  responses: {
    200: { description: "A page of students", content: { "application/json": { schema: z.object({ students: z.array(Student), next_cursor: z.string().nullable() }) } } },
    ...errors(400, 401, 403),
  },
});

export const getStudentRoute = createRoute({
  method: "get",
  path: "/v1/students/{id}",
  tags: ["Roster"],
  summary: "One student with its photo",
  request: { params: StudentParams },
  responses: { 200: { description: "The student", content: { "application/json": { schema: StudentWithPhoto } } }, ...errors(400, 401, 403, 404) },
});

export const deleteStudentRoute = createRoute({
  method: "delete",
  path: "/v1/students/{id}",
  tags: ["Roster"],
  summary: "Remove the student and every version of its photo",
  request: { params: StudentParams },
  responses: { 204: { description: "Deleted" }, ...errors(400, 401, 403, 404) },
});

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
