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
// MARKER_CACHE_MS per isolate. A busy isolate also keeps small objects in memory for
// HOT_CACHE_MS (what made warm thumbnails cheap: no Cache API round trip per request). Worst case
// for a deleted photo: 1 min (cron re-sync after a crash, see photo-objects.ts) + 2 min (edge) +
// 30 s (isolate, filled from the edge copy) + 1 min (browser) = 4.5 min.
export const EDGE_CACHE_SECONDS = 120;
const HOT_CACHE_MS = 30_000;
const HOT_CACHE_MAX_BYTES = 8 * 2 ** 20;
const HOT_OBJECT_MAX_BYTES = 64 * 1024;
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

// Per isolate: recently served objects (thumbnails and cards; a full rendition is rarely small
// enough), oldest first, capped at HOT_CACHE_MAX_BYTES of the isolate's 128 MB.
const hot = new Map<string, { bytes: ArrayBuffer; until: number }>();
let hotBytes = 0;

function hotGet(key: string, nowMs: number) {
  const entry = hot.get(key);
  if (!entry) return null;
  if (entry.until > nowMs) return entry.bytes;
  hot.delete(key);
  hotBytes -= entry.bytes.byteLength;
  return null;
}

function hotPut(key: string, bytes: ArrayBuffer, nowMs: number) {
  if (bytes.byteLength > HOT_OBJECT_MAX_BYTES || hot.has(key)) return;
  for (const [k, e] of hot) {
    if (hotBytes + bytes.byteLength <= HOT_CACHE_MAX_BYTES) break;
    hot.delete(k);
    hotBytes -= e.bytes.byteLength;
  }
  hot.set(key, { bytes, until: nowMs + HOT_CACHE_MS });
  hotBytes += bytes.byteLength;
}

// Per isolate: signatures already verified (a pass view's browsers fetch the same URLs again and
// again). Only a correct signature is remembered, keyed by everything it covers and by itself.
const verified = new Set<string>();

async function signatureOk(secret: string, ref: PhotoRef, exp: number, sig: string) {
  const memo = `${ref.home}/${ref.org}/${ref.studentId}/${ref.version}/${ref.size}/${exp}/${ref.review ? 1 : 0}/${sig}`;
  if (verified.has(memo)) return true;
  if (!(await verifyPhotoSignature(secret, ref, exp, sig))) return false;
  if (verified.size >= 50_000) verified.clear();
  verified.add(memo);
  return true;
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
  if (!(await signatureOk(env.URL_SIGNING_SECRET, ref, exp, sig))) throw forbidden();
  const bucket = photosBucketOf(env, home);
  if (!bucket) throw gone();

  const key = photoKey(org, studentId, version, size);
  const hotKey = `${home}/${key}`;
  const inMemory = hotGet(hotKey, nowMs);
  const cache = typeof caches !== "undefined" ? caches.default : null;
  const cacheKey = edgeCacheKey(home, key);
  const [disabled, cached] = await Promise.all([ref.review ? false : photosDisabled(bucket, org, nowMs), inMemory ? undefined : cache?.match(cacheKey)]);
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
    await cached?.body?.cancel();
    const served = inMemory || cached ? true : (await bucket.head(key)) !== null;
    if (!served) throw gone();
    return new Response(null, { status: 304, headers });
  }
  if (inMemory) return new Response(inMemory, { status: 200, headers });
  if (cached?.body) {
    const bytes = await cached.arrayBuffer();
    hotPut(hotKey, bytes, nowMs);
    return new Response(bytes, { status: 200, headers });
  }

  const object = await bucket.get(key);
  if (!object) throw gone();
  const bytes = await object.arrayBuffer();
  hotPut(hotKey, bytes, nowMs);
  if (cache) {
    ctx.waitUntil(
      cache.put(cacheKey, new Response(bytes, { headers: { "Content-Type": "image/jpeg", "Cache-Control": `public, max-age=${EDGE_CACHE_SECONDS}` } })),
    );
  }
  headers.set("Content-Length", String(bytes.byteLength));
  return new Response(bytes, { status: 200, headers });
}
