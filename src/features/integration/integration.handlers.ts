/**
 * src/features/integration/: the school's Profile Pictures switch (state, enable, disable) and the
 * retake-day list of students missing a photo. Admins only; the switch's SQL is in integration.repo.ts.
 */
import { ADMINS, requireRole } from "../../http/auth";
import { createRouter } from "../../http/create-app";
import { csvResponse, toCsv } from "../../http/csv-response";
import { listStudentsMissingPhotos } from "../students/students.service";
import { disablePhotos, enablePhotos, getIntegrationState } from "./integration.service";
import * as routes from "./integration.routes";

export const integrationRouter = createRouter();
integrationRouter.use("/v1/integration", requireRole(...ADMINS));
integrationRouter.use("/v1/integration/*", requireRole(...ADMINS));

integrationRouter.openapi(routes.getIntegrationRoute, async (c) => c.json(await getIntegrationState(c.env.DB, c.get("principal").org), 200));

integrationRouter.openapi(routes.enableRoute, async (c) => {
  const { org, sub } = c.get("principal");
  await enablePhotos(c.env.DB, org, sub);
  return c.json(await getIntegrationState(c.env.DB, org), 200);
});

integrationRouter.openapi(routes.disableRoute, async (c) => {
  const { org, sub } = c.get("principal");
  await disablePhotos(c.env.DB, org, sub);
  return c.json(await getIntegrationState(c.env.DB, org), 200);
});

const MISSING_COLUMNS = ["id", "email", "sis_id", "first_name", "last_name", "grade", "homeroom"] as const;

integrationRouter.openapi(routes.missingCsvRoute, async (c) => {
  const rows = await listStudentsMissingPhotos(c.env.DB, c.get("principal").org);
  const csv = toCsv(
    MISSING_COLUMNS,
    rows.map((s) => MISSING_COLUMNS.map((k) => s[k])),
  );
  return csvResponse(csv, "students-missing-photos.csv");
});
