import { ApiError } from "../../http/errors";
import { photosBucketOf } from "../../storage/homes";
import { photoKey, photosDisabledMarkerKey } from "../../storage/keys";
import { verifyPhotoSignature, type PhotoRef } from "../photos/signed-urls";

const forbidden = () => new ApiError(403, "invalid_signature", "This image link is invalid or has expired. Reload the page to get a fresh one.");
const gone = () => new ApiError(404, "not_found", "This photo is no longer available.");

// Serving reads no database row: the signed URL says what may be asked for, and storage says
// whether it is still served. A replaced, deleted or opted-out version's bytes leave the served
// key space at once (src/features/photos/photo-objects.ts), so R2 answers 404 for them; what
// can still show them is bounded by these lifetimes, which together keep the contract's
// "stops being served within 5 minutes": the edge copy (Cache API) lives EDGE_CACHE_SECONDS, a
// browser reuses its copy BROWSER_CACHE_SECONDS and then revalidates (ETag → 304, cheap, and a
// 404 once the photo is gone), and the school's "photos disabled" marker is re-read after
// MARKER_CACHE_MS per isolate. Worst case for a deleted photo: 1 min (cron re-sync after a crash,
// see photo-objects.ts) + 2 min (edge) + 1 min (browser) = 4 min.
export const EDGE_CACHE_SECONDS = 120;
const BROWSER_CACHE_SECONDS = 60;
const MARKER_CACHE_MS = 30_000;
const CACHE_ORIGIN = "https://passpix-image-cache.internal";

/** The edge-cache entry of one served object (its R2 key in its home). */
export const edgeCacheKey = (home: string, key: string) => new Request(`${CACHE_ORIGIN}/${home}/${key}`);

// Per isolate: whether each school has photos disabled, as of `at`. Bounded; cleared when full.
const disabledMarkers = new Map<string, { disabled: Promise<boolean>; at: number }>();

function photosDisabled(bucket: R2Bucket, org: string, nowMs: number) {
  const known = disabledMarkers.get(org);
  if (known && nowMs - known.at < MARKER_CACHE_MS) return known.disabled;
  const disabled = bucket.head(photosDisabledMarkerKey(org)).then(
    (o) => o !== null,
    (err) => {
      disabledMarkers.delete(org); // a failed read is not remembered
      throw err;
    },
  );
  if (disabledMarkers.size >= 10_000) disabledMarkers.clear();
  disabledMarkers.set(org, { disabled, at: nowMs });
  return disabled;
}

export type ImageRequest = {
  home: string;
  org: string;
  studentId: string;
  version: string;
  file: string;
  exp: string | undefined;
  sig: string | undefined;
  scope: string | undefined;
  ifNoneMatch: string | undefined;
};

/** The answer to a signed image URL: signature and expiry, the school's switch (pass-view URLs), then the bytes (edge cache, else R2). */
export async function serveImage(env: Env, ctx: { waitUntil(promise: Promise<unknown>): void }, req: ImageRequest): Promise<Response> {
  const { home, org, studentId, version } = req;
  const size = /^(thumb|card|full)\.jpg$/.exec(req.file)?.[1] as PhotoRef["size"] | undefined;
  const exp = Number(req.exp);
  const sig = req.sig ?? "";
  const nowMs = Date.now();
  const nowSec = Math.floor(nowMs / 1000);
  if (!size || !Number.isInteger(exp) || exp <= nowSec || (req.scope !== undefined && req.scope !== "review")) throw forbidden();
  const ref: PhotoRef = { home, org, studentId, version, size, review: req.scope === "review" };
  if (!(await verifyPhotoSignature(env.URL_SIGNING_SECRET, ref, exp, sig))) throw forbidden();
  const bucket = photosBucketOf(env, home);
  if (!bucket) throw gone();

  const key = photoKey(org, studentId, version, size);
  const cache = typeof caches !== "undefined" ? caches.default : null;
  const cacheKey = edgeCacheKey(home, key);
  const [disabled, cached] = await Promise.all([ref.review ? false : photosDisabled(bucket, org, nowMs), cache?.match(cacheKey)]);
  if (disabled) {
    await cached?.body?.cancel();
    throw gone();
  }

  const etag = `"${version}-${size}"`;
  const headers = new Headers({
    "Content-Type": "image/jpeg",
    ETag: etag,
    // Private: student photos never sit in shared caches. Short, so that a deleted photo leaves
    // the browser too within the bound above; revalidating with the ETag costs a 304.
    "Cache-Control": `private, max-age=${Math.min(BROWSER_CACHE_SECONDS, exp - nowSec)}`,
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Referrer-Policy": "no-referrer",
  });
  if (req.ifNoneMatch?.split(",").some((t) => t.trim() === etag || t.trim() === `W/${etag}`)) {
    // Still served? The edge copy says so until it expires; otherwise ask R2 (a head, no bytes).
    const served = cached ? (await cached.body?.cancel(), true) : (await bucket.head(key)) !== null;
    if (!served) throw gone();
    return new Response(null, { status: 304, headers });
  }
  if (cached?.body) return new Response(cached.body, { status: 200, headers });

  const object = await bucket.get(key);
  if (!object) throw gone();
  const bytes = await object.arrayBuffer();
  if (cache) {
    ctx.waitUntil(
      cache.put(cacheKey, new Response(bytes, { headers: { "Content-Type": "image/jpeg", "Cache-Control": `public, max-age=${EDGE_CACHE_SECONDS}` } })),
    );
  }
  headers.set("Content-Length", String(bytes.byteLength));
  return new Response(bytes, { status: 200, headers });
}
