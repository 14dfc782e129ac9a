import { base64urlToBytes, bytesToBase64url } from "../../shared/base64url";
import type { PhotoSize } from "../../imaging/pipeline";

/**
 * What a signed image URL names. `home` picks the bucket (no directory read in /img); `review`
 * URLs are minted for admins, who see photos while the school has them disabled (to review them
 * before enabling), so /img serves them whatever the school's switch says; pass-view URLs
 * (teachers) stop once photos are disabled.
 */
export type PhotoRef = { home: string; org: string; studentId: string; version: string; size: PhotoSize; review?: boolean };

// Signing keys are imported once per isolate, not per URL: a lookup signs up to 500 URLs.
const keys = new Map<string, Promise<CryptoKey>>();
function hmacKey(secret: string) {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, key);
  }
  return key;
}

const toB64Url = (buf: ArrayBuffer) => bytesToBase64url(new Uint8Array(buf));

// An HMAC-SHA-256 signature is 32 bytes: 43 base64url characters, nothing else.
const fromB64Url = (s: string): Uint8Array | null => (/^[A-Za-z0-9_-]{43}$/.test(s) ? base64urlToBytes(s) : null);

const payloadText = (ref: PhotoRef, exp: number) =>
  `img2\n${ref.home}\n${ref.org}\n${ref.studentId}\n${ref.version}\n${ref.size}\n${exp}\n${ref.review ? "review" : "pass"}`;
const payload = (ref: PhotoRef, exp: number) => new TextEncoder().encode(payloadText(ref, exp));

// A pass view asks again for the same students every few seconds, and within an expiry window a
// photo's URL is always the same: it is remembered whole, per (secret, origin, home, school, size,
// expiry, scope) and then per student with its version. A repeat lookup then builds no string and
// computes no HMAC per student: remembering only the signature, keyed by the payload text, left
// building that text, hashing it and building the URL, about a tenth of a 500-id lookup's CPU.
type RememberedUrls = Map<string, { version: string; url: string }>;
const remembered = new Map<string, Map<string, RememberedUrls>>(); // secret → context → student id
let rememberedCount = 0;
const MAX_REMEMBERED = 50_000;

function rememberedFor(bySecret: Map<string, RememberedUrls>, origin: string, ref: PhotoRef, exp: number) {
  const context = `${origin}\n${ref.home}\n${ref.org}\n${ref.size}\n${exp}\n${ref.review ? "review" : "pass"}`;
  let urls = bySecret.get(context);
  if (!urls) {
    urls = new Map();
    bySecret.set(context, urls);
  }
  return urls;
}

/** Rounded up to a 10-minute window, so the same photo gets the same URL (and the browser's cached copy) for a while. */
export function urlExpiry(nowMs: number, ttlSeconds: number) {
  const window = 600;
  return Math.ceil((Math.floor(nowMs / 1000) + ttlSeconds) / window) * window;
}

function imagePath(ref: PhotoRef) {
  return `/img/${ref.home}/${ref.org}/${encodeURIComponent(ref.studentId)}/${ref.version}/${ref.size}.jpg`;
}

export async function signPhotoUrl(secret: string, origin: string, ref: PhotoRef, exp: number) {
  return (await signPhotoUrls(secret, origin, [ref], exp))[0]!;
}

/**
 * Many URLs at once (a pass view: up to 500). Remembered URLs are used synchronously and only the
 * others go to crypto.subtle, in parallel: a repeat lookup costs no promise and no string per URL.
 */
export async function signPhotoUrls(secret: string, origin: string, refs: PhotoRef[], exp: number): Promise<string[]> {
  let bySecret = remembered.get(secret);
  if (!bySecret) {
    bySecret = new Map();
    remembered.set(secret, bySecret);
  }
  const urls = new Array<string>(refs.length);
  const missing: number[] = [];
  // A lookup's refs share home, school, size and scope: the context is looked up once, not per ref.
  let last: PhotoRef | undefined;
  let known: RememberedUrls | undefined;
  for (let i = 0; i < refs.length; i++) {
    const ref = refs[i]!;
    if (!known || !last || ref.home !== last.home || ref.org !== last.org || ref.size !== last.size || !ref.review !== !last.review) {
      known = rememberedFor(bySecret, origin, ref, exp);
      last = ref;
    }
    const hit = known.get(ref.studentId);
    if (hit && hit.version === ref.version) urls[i] = hit.url;
    else missing.push(i);
  }
  if (missing.length) {
    const key = await hmacKey(secret);
    const signed = await Promise.all(missing.map((i) => crypto.subtle.sign("HMAC", key, payload(refs[i]!, exp))));
    if (rememberedCount + missing.length > MAX_REMEMBERED) {
      remembered.clear();
      bySecret = new Map();
      remembered.set(secret, bySecret);
      rememberedCount = 0;
    }
    const into = bySecret;
    missing.forEach((i, j) => {
      const ref = refs[i]!;
      const url = `${origin}${imagePath(ref)}?exp=${exp}${ref.review ? "&scope=review" : ""}&sig=${toB64Url(signed[j]!)}`;
      const at = rememberedFor(into, origin, ref, exp);
      if (!at.has(ref.studentId)) rememberedCount++;
      at.set(ref.studentId, { version: ref.version, url });
      urls[i] = url;
    });
  }
  return urls;
}

/** crypto.subtle.verify compares in constant time. */
export async function verifyPhotoSignature(secret: string, ref: PhotoRef, exp: number, sig: string) {
  const bytes = fromB64Url(sig);
  if (!bytes) return false;
  return crypto.subtle.verify("HMAC", await hmacKey(secret), bytes, payload(ref, exp));
}
