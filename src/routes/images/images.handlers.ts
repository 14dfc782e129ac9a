import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../http/create-app";
import { ApiError } from "../../http/errors";
import { photoKey } from "../../storage/keys";
import { verifyPhotoSignature, type PhotoRef } from "../../services/signed-urls";
import { errors } from "../students/students.routes";

const forbidden = () => new ApiError(403, "invalid_signature", "This image link is invalid or has expired. Reload the page to get a fresh one.");

const imageRoute = createRoute({
  method: "get",
  path: "/img/{org}/{student}/{version}/{file}",
  tags: ["Photos"],
  summary: "The bytes behind a signed URL from this API",
  request: {
    params: z.object({ org: z.string(), student: z.string(), version: z.string(), file: z.enum(["thumb.jpg", "card.jpg", "full.jpg"]) }),
    query: z.object({ exp: z.string(), sig: z.string() }),
  },
  responses: {
    200: { description: "JPEG", content: { "image/jpeg": { schema: z.string().openapi({ format: "binary" }) } } },
    304: { description: "Not modified" },
    ...errors(403, 404),
  },
});

// The edge cache holds immutable bytes per version; whether a version may still be served is
// asked of D1 (the nearest read replica) on every request, so a deleted photo stops everywhere
// at once, give or take replica lag (typically well under a second).
const CACHE_ORIGIN = "https://passpix-image-cache.internal";

export const imagesRouter = createRouter();
imagesRouter.openAPIRegistry.registerPath(imageRoute);

imagesRouter.get("/img/:org/:student/:version/:file", async (c) => {
  const { org, version, file } = c.req.param();
  const studentId = decodeURIComponent(c.req.param("student"));
  const size = /^(thumb|card|full)\.jpg$/.exec(file)?.[1] as PhotoRef["size"] | undefined;
  const exp = Number(c.req.query("exp"));
  const sig = c.req.query("sig") ?? "";
  const nowSec = Math.floor(Date.now() / 1000);
  if (!size || !Number.isInteger(exp) || exp <= nowSec) throw forbidden();
  const ref: PhotoRef = { org, studentId, version, size };
  if (!(await verifyPhotoSignature(c.env.URL_SIGNING_SECRET, ref, exp, sig))) throw forbidden();

  const key = photoKey(org, studentId, version, size);
  const cache = typeof caches !== "undefined" ? caches.default : null;
  const cacheKey = new Request(`${CACHE_ORIGIN}/${key}`);
  const [current, cached] = await Promise.all([
    c.env.DB.withSession("first-unconstrained").prepare("SELECT 1 AS ok FROM students WHERE org = ?1 AND id = ?2 AND photo_version = ?3 AND photo_opt_out = 0")
      .bind(org, studentId, version)
      .first<{ ok: number }>(),
    cache?.match(cacheKey),
  ]);
  if (!current) {
    await cached?.body?.cancel();
    throw new ApiError(404, "not_found", "This photo is no longer available.");
  }

  const etag = `"${version}-${size}"`;
  const headers = new Headers({
    "Content-Type": "image/jpeg",
    ETag: etag,
    // Private: student photos never sit in shared caches. The URL is versioned, so the browser may
    // keep the bytes for as long as the URL is valid.
    "Cache-Control": `private, max-age=${Math.max(0, exp - nowSec)}, immutable`,
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Referrer-Policy": "no-referrer",
  });
  if (c.req.header("If-None-Match")?.split(",").some((t) => t.trim() === etag || t.trim() === `W/${etag}`)) {
    await cached?.body?.cancel();
    return new Response(null, { status: 304, headers });
  }
  if (cached?.body) return new Response(cached.body, { status: 200, headers });

  const object = await c.env.PHOTOS.get(key);
  if (!object) throw new ApiError(404, "not_found", "This photo is no longer available.");
  const bytes = await object.arrayBuffer();
  if (cache) {
    c.executionCtx.waitUntil(
      cache.put(cacheKey, new Response(bytes, { headers: { "Content-Type": "image/jpeg", "Cache-Control": "public, max-age=86400" } })),
    );
  }
  headers.set("Content-Length", String(bytes.byteLength));
  return new Response(bytes, { status: 200, headers });
});
