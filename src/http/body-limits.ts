import { createMiddleware } from "hono/factory";
import { limitBody } from "./body";
import { IMAGE_LIMITS } from "../imaging/limits";
import { UPLOAD_LIMITS } from "../features/uploads/uploads.service";

/** Every write route's body limit, in one table; anything not listed takes `json`. */
export const BODY_LIMITS = {
  json: { bytes: 64 * 1024, what: "request body" },
  roster: { bytes: 10 * 1024 * 1024, what: "roster" },
  image: { bytes: IMAGE_LIMITS.maxBytes, what: "image" },
  mapping: { bytes: UPLOAD_LIMITS.maxMappingBytes, what: "mapping file" },
  // Workers plans cap request bodies at 100–500 MB; this is past all of them, so the platform answers first.
  archive: { bytes: 1024 * 1024 * 1024, what: "zip file" },
} as const;

const ROUTES: Array<[string, RegExp, keyof typeof BODY_LIMITS]> = [
  ["POST", /^\/v1\/students\/import$/, "roster"],
  ["PUT", /^\/v1\/students\/[^/]+\/photo$/, "image"],
  ["PUT", /^\/v1\/uploads\/[^/]+\/mapping$/, "mapping"],
  ["PUT", /^\/v1\/uploads\/[^/]+\/files\/.+$/, "image"],
  ["PUT", /^\/v1\/uploads\/[^/]+\/archive$/, "archive"],
];

/** The platform's request-body cap on Free and Pro plans: a larger zip never reaches the Worker there. */
const DEFAULT_ARCHIVE_BODY_BYTES = 100 * 1024 * 1024;

/**
 * The largest zip taken whole by PUT …/archive: MAX_ARCHIVE_BODY_BYTES when it is a positive
 * number (a plan with a higher cap may raise it; tests lower it), else the Free/Pro cap.
 */
export function archiveBodyLimit(env: Pick<Env, "MAX_ARCHIVE_BODY_BYTES">): number {
  const n = Number(env.MAX_ARCHIVE_BODY_BYTES);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : DEFAULT_ARCHIVE_BODY_BYTES;
}

export function bodyLimitFor(method: string, path: string) {
  const hit = ROUTES.find(([m, re]) => m === method && re.test(path));
  return BODY_LIMITS[hit?.[2] ?? "json"];
}

/** Refuses an oversized body with 413 before any handler or validator reads it. */
export const limitRequestBodies = createMiddleware(async (c, next) => {
  if (c.req.method === "GET" || c.req.method === "HEAD") return next();
  const limit = bodyLimitFor(c.req.method, c.req.path);
  return limitBody(limit.bytes, limit.what)(c, next);
});
