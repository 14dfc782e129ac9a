/**
 * Pieces more than one feature uses: pagination, cursors, timestamps, the student id pattern.
 * Each defined once, here; a feature's own schemas live in its folder (<f>.schemas.ts).
 */
import { z } from "@hono/zod-openapi";
import { badRequest } from "../http/errors";
import { base64urlToBytes, bytesToBase64url } from "../shared/base64url";

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ description: "Page size, 1–500 (default 50)" }),
  cursor: z.string().max(512).optional().openapi({ description: "The next_cursor of the previous page" }),
});

/** Opaque cursors: base64url of the sort key of the last row returned. */
export function encodeCursor(key: unknown[]): string {
  return bytesToBase64url(new TextEncoder().encode(JSON.stringify(key)));
}

export function decodeCursor(cursor: string | undefined, arity: number): unknown[] | null {
  if (!cursor) return null;
  try {
    const bytes = base64urlToBytes(cursor);
    const key: unknown = bytes ? JSON.parse(new TextDecoder().decode(bytes)) : null;
    if (Array.isArray(key) && key.length === arity) return key;
  } catch {
    // fall through to the error below
  }
  throw badRequest("validation_failed", "The cursor is not valid: pass next_cursor from the previous page unchanged.", [
    { path: "cursor", message: "Invalid cursor" },
  ]);
}

export const nowIso = () => new Date().toISOString();

/** Path ids we mint or accept: safe in R2 keys and URLs without escaping surprises. */
export const STUDENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/;
