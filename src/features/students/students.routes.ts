import { createRoute, z } from "@hono/zod-openapi";
import { errors } from "../../http/schemas";
import { PageQuery } from "../common.schemas";
import { ImportResult, Student, StudentImportRow, StudentParams, StudentWithPhoto } from "./students.schemas";

export const importStudentsRoute = createRoute({
  method: "post",
  path: "/v1/students/import",
  tags: ["Roster"],
  summary: "Upsert the roster by id (CSV with a header row, or JSON)",
  request: {
    body: {
      required: true,
      content: {
        "text/csv": {
          schema: z.string().openapi({ example: "id,email,sis_id,first_name,last_name,grade,homeroom\nstu_1,ada@school.org,001234,Ada,Lovelace,9,101" }),
        },
        "application/json": { schema: z.object({ students: z.array(StudentImportRow) }) },
      },
    },
  },
  responses: {
    200: { description: "Counts and one problem per refused row", content: { "application/json": { schema: ImportResult } } },
    ...errors(400, 401, 403, 413, 415),
  },
});

export const listStudentsRoute = createRoute({
  method: "get",
  path: "/v1/students",
  tags: ["Roster"],
  summary: "Search students",
  request: {
    query: PageQuery.extend({
      q: z.string().max(200).optional().openapi({ description: "Matches name, email, sis_id or id" }),
      has_photo: z
        .enum(["true", "false"])
        .optional()
        .transform((v) => (v === undefined ? undefined : v === "true")),
    }),
  },
  responses: {
    200: {
      description: "A page of students",
      content: { "application/json": { schema: z.object({ students: z.array(Student), next_cursor: z.string().nullable() }) } },
    },
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
