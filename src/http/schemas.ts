/** The contract's error body as an OpenAPI schema, and the error responses a route documents. */
import { z } from "@hono/zod-openapi";

export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "validation_failed" }),
      message: z.string().openapi({ example: "The request body is not valid: student_ids: Too big" }),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 411 | 413 | 415 | 422 | 429;

/** The error answers a route documents, each with the one error body. */
export const errors = (...codes: ErrorStatus[]) =>
  Object.fromEntries(codes.map((c) => [c, { description: "Error", content: { "application/json": { schema: ErrorResponse } } }]));
