import { createApp } from "./http/create-app";
import { limitRequestBodies } from "./http/body-limits";
import { auditRouter } from "./features/audit/audit.handlers";
import { healthRouter } from "./features/health/health.handlers";
import { imagesRouter } from "./features/images/images.handlers";
import { integrationRouter } from "./features/integration/integration.handlers";
import { meRouter } from "./features/me/me.handlers";
import { orgRouter } from "./features/org/org.handlers";
import { pagesRouter } from "./features/pages/pages.handlers";
import { photosRouter } from "./features/photos/photos.handlers";
import { studentsRouter } from "./features/students/students.handlers";
import { uploadsRouter } from "./features/uploads/uploads.handlers";

export const app = createApp();

// API answers hold student data: never cached by browsers or proxies.
app.use("/v1/*", async (c, next) => {
  await next();
  c.header("Cache-Control", "no-store");
  c.header("X-Content-Type-Options", "nosniff");
});

app.use("/v1/*", limitRequestBodies);

const routers = [healthRouter, studentsRouter, photosRouter, imagesRouter, integrationRouter, meRouter, auditRouter, uploadsRouter, orgRouter];
for (const router of routers) app.route("/", router);
app.route("/", pagesRouter);

app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
app.doc31("/openapi.json", {
  openapi: "3.1.0",
  info: {
    title: "passpix",
    version: "1.0.0",
    description: "Student profile pictures for digital hall passes. Every /v1 route takes `Authorization: Bearer <JWT>`.",
  },
  security: [{ bearer: [] }],
});
