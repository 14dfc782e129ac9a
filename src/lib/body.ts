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
  // With a declared length the bytes go straight into one buffer: a 20 MB photo is held once, not
  // as chunks plus their joined copy.
  let out = new Uint8Array(declared !== null ? Number(declared) : 64 * 1024);
  let total = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (total + value.byteLength > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(what, null, limit);
    }
    if (total + value.byteLength > out.byteLength) {
      const grown = new Uint8Array(Math.min(limit, Math.max(out.byteLength * 2, total + value.byteLength)));
      grown.set(out.subarray(0, total));
      out = grown;
    }
    out.set(value, total);
    total += value.byteLength;
  }
  return total === out.byteLength ? out : out.subarray(0, total);
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
