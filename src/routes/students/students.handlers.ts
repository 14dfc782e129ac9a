import { createRouter } from "../../http/create-app";
import { ADMINS, requireRole } from "../../http/auth";
import { discardBody, mediaType, readBodyLimited, readJsonLimited, unsupportedMediaType } from "../../http/body";
import { badRequest, conflict, validationFailed } from "../../http/errors";
import { processPortrait } from "../../services/imaging";
import { BODY_LIMITS } from "../../http/body-limits";
import {
  deleteStudent,
  deleteStudentPhoto,
  describePhoto,
  newVersionId,
  requireStudent,
  restorableVersion,
  restoreStudentPhoto,
  setStudentPhoto,
} from "../../services/photos";
import { auditStatement } from "../../services/audit";
import { importStudents, listStudents, parseRosterCsv, toStudent } from "../../services/students";
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
    const result = await importStudents(c.env.DB, org, rows);
    const { created, updated, unchanged } = result;
    if (created || updated) {
      await auditStatement(c.env.DB, { org, actor: sub, action: "roster.import", details: { created, updated, unchanged, problems: result.problems.length } }).run();
    }
    return c.json(result, 200);
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

studentsRouter.openapi(routes.putPhotoRoute, async (c) => {
  const { org, sub } = c.get("principal");
  const { id } = c.req.valid("param");
  const student = await requireStudent(c.env.DB, org, id);
  if (student.photo_opt_out) {
    await discardBody(c.req.raw.body);
    throw conflict("opted_out", "This student's family opted out of photos, so no photo can be stored. Change photo_opt_out in the roster first.");
  }
  const bytes = await readBodyLimited(c.req.raw, BODY_LIMITS.image.bytes, BODY_LIMITS.image.what);
  if (bytes.byteLength === 0) throw badRequest("validation_failed", "The request body is empty: send the image file as the body.", [{ path: "body", message: "Empty body" }]);
  const processed = processPortrait(bytes);
  await setStudentPhoto(c.env, org, id, processed, { actor: sub, source: "api", version: newVersionId() });
  const updated = await requireStudent(c.env.DB, org, id);
  return c.json({ photo: (await describePhoto(c.env, origin(c.req.url), updated))! }, 200);
});

studentsRouter.openapi(routes.deletePhotoRoute, async (c) => {
  const { org, sub } = c.get("principal");
  await deleteStudentPhoto(c.env.DB, org, c.req.valid("param").id, sub);
  return c.body(null, 204);
});

studentsRouter.openapi(routes.restorePhotoRoute, async (c) => {
  const { org, sub } = c.get("principal");
  const { id } = c.req.valid("param");
  await restoreStudentPhoto(c.env.DB, org, id, sub);
  const student = await requireStudent(c.env.DB, org, id);
  return c.json({ photo: (await describePhoto(c.env, origin(c.req.url), student))! }, 200);
});
