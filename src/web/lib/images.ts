// Large pictures (a 12 MP phone photo, a 20 MB scan) are made smaller in the browser before they
// are sent: the server accepts at most IMAGE_LIMITS (src/imaging/limits.ts) and a hall pass
// never needs more than a couple of thousand pixels. EXIF orientation is applied (by the browser
// while decoding, or for WebP by orientation.ts while drawing), so the JPEG sent is upright and
// carries no metadata.
import { isWebp, orientationToApply, orientationTransform, orientedSize, SNIFF_BYTES } from "./orientation";

/** Pictures above either limit are resized. */
export const RESIZE_ABOVE = { bytes: 4 * 1024 * 1024, pixels: 2_500_000 };
/** Long side of a resized picture, and its JPEG quality. */
export const RESIZE_TO = { longSide: 2000, quality: 0.9 };
/** Below this size a file cannot hold a picture worth resizing: skip decoding it. */
const DECODE_ABOVE_BYTES = 200 * 1024;

const IMAGE_NAME = /\.(jpe?g|png|webp)$/i;
const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/webp"]);

export const isImageFile = (file: File, name = file.name) => IMAGE_NAME.test(name) || IMAGE_TYPES.has(file.type);

export type Prepared = { blob: Blob; resized: null | { from: [number, number]; to: [number, number] } };

// Decoding a 12 MP picture takes ~50 MB: two at a time is plenty fast and keeps memory in check.
let decoding = 0;
const waiting: Array<() => void> = [];
async function withDecodeSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (decoding >= 2) await new Promise<void>((resolve) => waiting.push(resolve));
  decoding++;
  try {
    return await fn();
  } finally {
    decoding--;
    waiting.shift()?.();
  }
}

/** The bytes to send for `file`: the file itself, or a resized JPEG when it is too large. */
export async function prepareImage(file: File, name = file.name): Promise<Prepared> {
  if (!isImageFile(file, name) || file.size < DECODE_ABOVE_BYTES || typeof createImageBitmap !== "function") {
    return { blob: file, resized: null };
  }
  return withDecodeSlot(async () => {
    let bitmap: ImageBitmap;
    // 1 unless this is a WebP whose orientation the browser would ignore (orientation.ts).
    let orientation = 1;
    try {
      const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
      if (isWebp(head)) orientation = orientationToApply(new Uint8Array(await file.arrayBuffer()));
      bitmap = await createImageBitmap(file, { imageOrientation: orientation === 1 ? "from-image" : "none" });
    } catch {
      // Not decodable here (e.g. a HEIC named .jpg): send it as it is and let the server explain.
      return { blob: file, resized: null };
    }
    try {
      const [width, height] = orientedSize(orientation, bitmap.width, bitmap.height);
      if (width * height <= RESIZE_ABOVE.pixels && file.size <= RESIZE_ABOVE.bytes) return { blob: file, resized: null };
      const scale = Math.min(1, RESIZE_TO.longSide / Math.max(width, height));
      const w = Math.max(1, Math.round(width * scale));
      const hgt = Math.max(1, Math.round(height * scale));
      const blob = await drawJpeg(bitmap, w, hgt, orientation);
      if (!blob) return { blob: file, resized: null };
      return { blob, resized: { from: [width, height], to: [w, hgt] } };
    } finally {
      bitmap.close();
    }
  });
}

async function drawJpeg(bitmap: ImageBitmap, w: number, h: number, orientation: number): Promise<Blob | null> {
  if (typeof OffscreenCanvas === "function") {
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext("2d");
    if (!ctx) return null;
    paint(ctx, bitmap, w, h, orientation);
    return canvas.convertToBlob({ type: "image/jpeg", quality: RESIZE_TO.quality });
  }
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d");
  if (!ctx) return null;
  paint(ctx, bitmap, w, h, orientation);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", RESIZE_TO.quality));
}

/** Draws `bitmap` (stored orientation) into the w×h canvas shown in EXIF orientation `orientation`. */
function paint(ctx: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D, bitmap: ImageBitmap, w: number, h: number, orientation: number) {
  ctx.fillStyle = "#ffffff"; // transparent PNG areas become white, as the server would do
  ctx.fillRect(0, 0, w, h);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.setTransform(...orientationTransform(orientation, w, h));
  const [sw, sh] = orientedSize(orientation, w, h);
  ctx.drawImage(bitmap, 0, 0, sw, sh);
}
