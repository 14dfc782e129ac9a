import { createRoute, z } from "@hono/zod-openapi";
import { errors } from "../../http/schemas";
import { IntegrationState } from "./integration.schemas";

export const getIntegrationRoute = createRoute({
  method: "get",
  path: "/v1/integration",
  tags: ["Integration"],
  summary: "The Profile Pictures integration's state",
  responses: { 200: { description: "State", content: { "application/json": { schema: IntegrationState } } }, ...errors(401, 403) },
});

export const enableRoute = createRoute({
  method: "post",
  path: "/v1/integration/enable",
  tags: ["Integration"],
  summary: "Show photos to teachers",
  responses: { 200: { description: "Enabled", content: { "application/json": { schema: IntegrationState } } }, ...errors(401, 403, 409) },
});

export const disableRoute = createRoute({
  method: "post",
  path: "/v1/integration/disable",
  tags: ["Integration"],
  summary: "Hide photos from teachers (admins still see them)",
  responses: { 200: { description: "Disabled", content: { "application/json": { schema: IntegrationState } } }, ...errors(401, 403) },
});

export const missingCsvRoute = createRoute({
  method: "get",
  path: "/v1/integration/missing.csv",
  tags: ["Integration"],
  summary: "Students without a photo (not opted out), for retake day",
  responses: { 200: { description: "CSV", content: { "text/csv": { schema: z.string() } } }, ...errors(401, 403) },
});
