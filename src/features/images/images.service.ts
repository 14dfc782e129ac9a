import { ApiError } from "../../http/errors";
import { photoKey } from "../../storage/keys";
import { verifyPhotoSignature, type PhotoRef } from "../photos/signed-urls";
import { isServedVersion } from "./images.repo";

const forbidden = () => new ApiError(403, "invalid_signature", "This image link is invalid or has expired. Reload the page to get a fresh one.");
const gone = () => new ApiError(404, "not_found", "This photo is no longer available.");

// The edge cache holds immutable bytes per version; whether a version may still be served is
// asked of D1 (the nearest read replica) on every request, so a deleted photo stops everywhere
// at once, give or take replica lag (typically well under a second).
const CACHE_ORIGIN = "https://passpix-image-cache.internal";

export type ImageRequest = {
  org: string;
  studentId: string;
  version: string;
  file: string;
  exp: string | undefined;
  sig: string | undefined;
  ifNoneMatch: string | undefined;
};

/** The answer to a signed image URL: checks the signature and that the version is still served, then the bytes (edge cache first). */
export async function serveImage(env: Env, ctx: { waitUntil(promise: Promise<unknown>): void }, req: ImageRequest): Promise<Response> {
  const { org, studentId, version } = req;
  const size = /^(thumb|card|full)\.jpg$/.exec(req.file)?.[1] as PhotoRef["size"] | undefined;
  const exp = Number(req.exp);
  const sig = req.sig ?? "";
  const nowSec = Math.floor(Date.now() / 1000);
  if (!size || !Number.isInteger(exp) || exp <= nowSec) throw forbidden();
  const ref: PhotoRef = { org, studentId, version, size };
  if (!(await verifyPhotoSignature(env.URL_SIGNING_SECRET, ref, exp, sig))) throw forbidden();

  const key = photoKey(org, studentId, version, size);
  const cache = typeof caches !== "undefined" ? caches.default : null;
  const cacheKey = new Request(`${CACHE_ORIGIN}/${key}`);
  const [current, cached] = await Promise.all([isServedVersion(env.DB.withSession("first-unconstrained"), org, studentId, version), cache?.match(cacheKey)]);
  if (!current) {
    await cached?.body?.cancel();
    throw gone();
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
  if (req.ifNoneMatch?.split(",").some((t) => t.trim() === etag || t.trim() === `W/${etag}`)) {
    await cached?.body?.cancel();
    return new Response(null, { status: 304, headers });
  }
  if (cached?.body) return new Response(cached.body, { status: 200, headers });

  const object = await env.PHOTOS.get(key);
  if (!object) throw gone();
  const bytes = await object.arrayBuffer();
  if (cache) {
    ctx.waitUntil(cache.put(cacheKey, new Response(bytes, { headers: { "Content-Type": "image/jpeg", "Cache-Control": "public, max-age=86400" } })));
  }
  headers.set("Content-Length", String(bytes.byteLength));
  return new Response(bytes, { status: 200, headers });
}
