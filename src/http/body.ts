import { createMiddleware } from "hono/factory";
import { ApiError } from "./errors";

const mb = (n: number) => `${Math.round((n / 1048576) * 10) / 10} MB`;

export function tooLarge(what: string, size: number | null, limit: number) {
  return new ApiError(
    413,
    what === "image" ? "image_too_large" : "too_large",
    size === null ? `This ${what} is larger than the limit of ${mb(limit)}.` : `This ${what} is ${mb(size)}; the limit is ${mb(limit)}.`,
    { size, limit },
  );
}

/**
 * How much of a refused body is read and thrown away before the answer goes out. Answering while
 * the client is still sending and then closing makes the socket reset: measured against `wrangler
 * dev` with node's http client, a 120 MB chunked body cut after the 20 MB image limit ended in
 * ECONNRESET/EPIPE after 32–44 MB, usually before the client had read the 413 (a declared 120 MB
 * body: after 0.2–9 MB, or a proxy's 500). Read to its end, the client finishes sending and reads
 * the answer. The bounds keep a huge or stalled body from holding the request: 512 MB is past every
 * Workers plan's request limit (100–500 MB, which the platform enforces before us), and a body that
 * stops arriving is given up on.
 */
export const DRAIN_LIMITS = { bytes: 512 * 1024 * 1024, idleMs: 10_000, totalMs: 120_000 } as const;

/**
 * Reads and discards the rest of a body within DRAIN_LIMITS, then cancels whatever is left.
 * Never throws: it only runs on the way to an error answer. Returns the bytes discarded.
 */
export async function discardBody(
  body: ReadableStream<Uint8Array> | ReadableStreamDefaultReader<Uint8Array> | null | undefined,
  limits: { bytes: number; idleMs: number; totalMs: number } = DRAIN_LIMITS,
): Promise<number> {
  if (!body) return 0;
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    reader = "getReader" in body ? body.getReader() : body;
  } catch {
    return 0; // already locked by a reader elsewhere, which owns it
  }
  const started = Date.now();
  let drained = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    while (drained < limits.bytes) {
      const wait = Math.min(limits.idleMs, limits.totalMs - (Date.now() - started));
      if (wait <= 0) break;
      const stalled = new Promise<"stalled">((resolve) => (timer = setTimeout(() => resolve("stalled"), wait)));
      const next = await Promise.race([reader.read(), stalled]);
      clearTimeout(timer);
      if (next === "stalled" || next.done) break;
      drained += next.value.byteLength;
    }
  } catch {
    // the client went away: nothing left to drain
  } finally {
    clearTimeout(timer);
  }
  await reader.cancel().catch(() => {});
  return drained;
}

/** Refuses a body whose declared length is over the limit, draining it first (see DRAIN_LIMITS). */
async function refuseDeclared(req: Request, limit: number, what: string) {
  const declared = req.headers.get("Content-Length");
  if (declared === null || !(Number(declared) > limit)) return;
  // Past the drain bound the body would be cut anyway: no point reading any of it.
  if (Number(declared) <= DRAIN_LIMITS.bytes) await discardBody(req.body);
  else await req.body?.cancel().catch(() => {});
  throw tooLarge(what, Number(declared), limit);
}

/**
 * Reads a request body into memory up to `limit` bytes. Decides from Content-Length first, then
 * counts while reading for bodies without a length; either way an oversized body is drained
 * before the 413 (see DRAIN_LIMITS) so the client can read it.
 */
export async function readBodyLimited(req: Request, limit: number, what = "request body"): Promise<Uint8Array> {
  await refuseDeclared(req, limit, what);
  if (!req.body) return new Uint8Array();
  const declared = req.headers.get("Content-Length");
  // With a declared length the bytes go straight into one buffer: a 20 MB photo is held once, not
  // as chunks plus their joined copy.
  let out = new Uint8Array(declared !== null ? Number(declared) : 64 * 1024);
  let total = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (total + value.byteLength > limit) {
      out = new Uint8Array(); // let the bytes read so far go while the rest drains
      await discardBody(reader);
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

/**
 * For every write route: refuses oversized bodies before anything parses them. A body without a
 * length is counted while read (readBodyLimited, which drains what is over) and handed on from memory.
 */
export const limitBody = (limit: number, what = "request body") =>
  createMiddleware(async (c, next) => {
    if (!c.req.raw.body || c.req.header("Content-Length") !== undefined) {
      await refuseDeclared(c.req.raw, limit, what);
      return next();
    }
    const bytes = await readBodyLimited(c.req.raw, limit, what);
    c.req.raw = new Request(c.req.raw, { body: bytes });
    return next();
  });
