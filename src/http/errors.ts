/**
 * src/http/: the HTTP layer every feature shares — the router factory and the one onError
 * (create-app.ts), the one error type and the one mapping of typed domain errors to it (this
 * file), authentication and roles, body reading and limits, rate limits, CSV answers.
 * Nothing here knows a feature's rules or SQL; features import from here, never the reverse
 * (body-limits.ts reads the size limits the imaging and upload code define).
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ImagingError, type ImagingErrorCode } from "../imaging/errors";
import { MappingError } from "../mapping/errors";

/**
 * The one error type of the API. Throw it anywhere; `onError` in create-app.ts is the only
 * place that turns it into the contract's body `{"error": {"code", "message", "details"}}`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/**
 * The one place that turns typed domain errors (thrown by code that knows nothing of HTTP) into
 * the contract's status, code and message. Null when `err` is not an error the API answers; then
 * onError logs it and answers 500. Each domain error type gets its branch here, nowhere else.
 */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof ImagingError) {
    const headers = err.retryAfterSeconds === undefined ? undefined : { "Retry-After": String(err.retryAfterSeconds) };
    return new ApiError(IMAGING_STATUS[err.code], err.code, err.message, err.facts, headers);
  }
  // A mapping body that is not a table: bytes that are not text at all are the wrong media type;
  // text that is not a table (empty, JSON, a web page) is a mapping we cannot use.
  if (err instanceof MappingError) {
    return err.code === "not_text"
      ? new ApiError(415, "unsupported_media_type", err.message, err.facts)
      : new ApiError(422, "bad_mapping", err.message, err.facts);
  }
  return null;
}

/** The contract's status for each imaging error (API.md): the code and message pass through as they are. */
const IMAGING_STATUS: Record<ImagingErrorCode, ContentfulStatusCode> = {
  unsupported_type: 415,
  image_unreadable: 422,
  image_too_large: 413,
  image_service_busy: 503,
};

export const badRequest = (code: string, message: string, details?: unknown) => new ApiError(400, code, message, details);
export const notFound = (what = "That resource") => new ApiError(404, "not_found", `${what} was not found.`);
export const conflict = (code: string, message: string, details?: unknown) => new ApiError(409, code, message, details);

export type ValidationIssue = { path: string; message: string };

export function validationFailed(issues: ValidationIssue[], where = "request") {
  const list = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
  return new ApiError(400, "validation_failed", `The ${where} is not valid: ${list}`, issues);
}

/** zod issues → `{path, message}` with dotted paths (`student_ids.3`). */
export function zodIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): ValidationIssue[] {
  return issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}
