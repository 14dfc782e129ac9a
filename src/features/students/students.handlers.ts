/**
 * src/features/students/: the roster — import (CSV or JSON), search, one student, delete. The
 * roster's SQL is in students.repo.ts; photo routes under /v1/students/{id}/photo are in
 * src/features/photos/. Each feature folder holds <f>.routes.ts (OpenAPI route definitions),
 * <f>.handlers.ts (thin: parse → service → respond; no SQL, no rules), <f>.service.ts (rules;
 * plain functions taking bindings), <f>.repo.ts (all its SQL) and <f>.schemas.ts (its zod
 * schemas, each defined once). Features import src/http/ and src/storage/, never the reverse.
 */
import { ADMINS, requireRole } from "../../http/auth";
import { BODY_LIMITS } from "../../http/body-limits";
import { mediaType, readBodyLimited, readJsonLimited, unsupportedMediaType } from "../../http/body";
import { createRouter } from "../../http/create-app";
import { validationFailed } from "../../http/errors";
import { describePhoto, restorableVersion } from "../photos/photos.service";
import { deleteStudent, importRoster, listStudents, parseRosterCsv, requireStudent, toStudent } from "./students.service";
import * as routes from "./students.routes";

const origin = (url: string) => new URL(url).origin;

export const studentsRouter = createRouter();
studentsRouter.use("/v1/students", requireRole(...ADMINS));
studentsRouter.use("/v1/students/*", requireRole(...ADMINS));

// Documented from its route definition but validated here, row by row: one bad row is a problem
// in the answer, not a 400 for the whole roster, and CSV and JSON rows share one row schema.
studentsRouter.openAPIRegistry.registerPath(routes.importStudentsRoute);
studentsRouter.post("/v1/students/import", async (c) => {
  const { org, sub } = c.get("principal");
  const type = mediaType(c.req.raw);
  let rows: { row: number; values: Record<string, unknown> }[];
  if (type === "application/json") {
    const body = (await readJsonLimited(c.req.raw, BODY_LIMITS.roster.bytes)) as { students?: unknown };
    if (!body || typeof body !== "object" || !Array.isArray(body.students)) {
      throw validationFailed([{ path: "students", message: "Expected an array of students" }], "request body");
    }
    rows = body.students.map((values, i) => ({
      row: i + 1,
      values: values && typeof values === "object" ? (values as Record<string, unknown>) : {},
    }));
  } else if (["text/csv", "text/plain", "application/csv", "application/vnd.ms-excel"].includes(type)) {
    const bytes = await readBodyLimited(c.req.raw, BODY_LIMITS.roster.bytes, BODY_LIMITS.roster.what);
    rows = parseRosterCsv(new TextDecoder().decode(bytes));
  } else {
    throw unsupportedMediaType(type, "text/csv or application/json");
  }
  return c.json(await importRoster(c.env.DB, org, sub, rows), 200);
});

studentsRouter.openapi(routes.listStudentsRoute, async (c) => {
  const { org } = c.get("principal");
  const q = c.req.valid("query");
  return c.json(await listStudents(c.env.DB, org, { q: q.q, hasPhoto: q.has_photo, limit: q.limit, cursor: q.cursor }), 200);
});

studentsRouter.openapi(routes.getStudentRoute, async (c) => {
  const { org } = c.get("principal");
  const student = await requireStudent(c.env.DB, org, c.req.valid("param").id);
  const [photo, restorable] = await Promise.all([describePhoto(c.env, origin(c.req.url), student), restorableVersion(c.env.DB, student)]);
  return c.json({ ...toStudent(student), photo, can_restore: restorable !== null }, 200);
});

studentsRouter.openapi(routes.deleteStudentRoute, async (c) => {
  const { org, sub } = c.get("principal");
  await deleteStudent(c.env, org, c.req.valid("param").id, sub);
  return c.body(null, 204);
});
