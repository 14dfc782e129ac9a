import { createMiddleware } from "hono/factory";
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "./errors";

const mb = (n: number) => `${Math.round((n / 1048576) * 10) / 10} MB`;

export function tooLarge(what: string, size: number | null, limit: number) {
  return new ApiError(
    413,
    what === "image" ? "image_too_large" : "too_large",
    size === null
      ? `This ${what} is larger than the limit of ${mb(limit)}.`
      : `This ${what} is ${mb(size)}; the limit is ${mb(limit)}.`,
    { size, limit },
  );
}

/**
 * Reads a request body into memory up to `limit` bytes. Decides from Content-Length first and
 * cancels the unread body (answering 413 mid-upload without that can surface as a 503 in
 * `wrangler dev`), then counts while reading for bodies without a length.
 */
export async function readBodyLimited(req: Request, limit: number, what = "request body"): Promise<Uint8Array> {
  const declared = req.headers.get("Content-Length");
  if (declared !== null && Number(declared) > limit) {
    await req.body?.cancel().catch(() => {});
    throw tooLarge(what, Number(declared), limit);
  }
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(what, null, limit);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

export async function readJsonLimited(req: Request, limit: number): Promise<unknown> {
  const bytes = await readBodyLimited(req, limit);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new ApiError(400, "validation_failed", "The request body is not valid JSON.", [{ path: "", message: "Invalid JSON" }]);
  }
}

export function mediaType(req: Request) {
  return (req.headers.get("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
}

export function unsupportedMediaType(got: string, expected: string) {
  return new ApiError(415, "unsupported_media_type", `Send the body as ${expected}${got ? ` (it was sent as ${got})` : ""}.`);
}

/** For routes whose body zod validates: refuses oversized bodies before anything parses them. */
export const limitBody = (limit: number, what = "request body") =>
  createMiddleware(async (c, next) => {
    const declared = c.req.header("Content-Length");
    if (declared !== undefined && Number(declared) > limit) {
      await c.req.raw.body?.cancel().catch(() => {});
      throw tooLarge(what, Number(declared), limit);
    }
    return bodyLimit({ maxSize: limit, onError: () => { throw tooLarge(what, null, limit); } })(c, next);
  });
