import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { Context } from "hono";
import { toApiError, validationFailed, zodIssues } from "./errors";
import type { AppEnv } from "./env";

/** A feature router: request validation failures become `validation_failed` naming the zod paths. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    strict: false,
    defaultHook: (result) => {
      if (!result.success) {
        const where = result.target === "query" ? "query" : result.target === "param" ? "path" : "request body";
        throw validationFailed(zodIssues(result.error.issues), where);
      }
    },
  });
}

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** The only place that formats errors: known ones map to their status, the rest are logged and hidden. */
function respondToError(err: Error, c: Context<AppEnv>) {
  const known = toApiError(err);
  if (known) {
    for (const [k, v] of Object.entries(known.headers ?? {})) c.header(k, v);
    return c.json(errorBody(known.code, known.message, known.details), known.status);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    const code = status === 413 ? "too_large" : status === 401 ? "unauthorized" : status === 400 ? "bad_request" : "http_error";
    return c.json(errorBody(code, err.message || "The request could not be handled."), status);
  }
  console.error(JSON.stringify({ at: "unhandled", path: c.req.path, method: c.req.method, error: String(err), stack: err.stack }));
  return c.json(errorBody("internal_error", "Something went wrong on our side. Try again; if it keeps happening, contact support."), 500);
}

export function createApp() {
  const app = createRouter();
  app.onError(respondToError);
  app.notFound((c) => c.json(errorBody("not_found", `There is no ${c.req.method} ${c.req.path}.`), 404));
  return app;
}
