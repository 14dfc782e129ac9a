/** What the bytes are, from their content alone (never the file name). Pure: the pages may import it. */
import { ascii, startsWith } from "./bytes";

export type ImageType = "jpeg" | "png" | "webp";

/** How each accepted type is named in messages. */
export const KIND_NAMES: Record<ImageType, string> = { jpeg: "JPEG", png: "PNG", webp: "WebP" };

/** The media types of the accepted types, named in unsupported_type's facts. */
export const ACCEPTED_TYPES = ["image/jpeg", "image/png", "image/webp"];

const SAVE_AS = "Save it as JPEG or PNG and upload it again.";
type Sniffed = { kind: ImageType } | { kind: "other"; name: string; message: string };

function other(name: string, message: string): Sniffed {
  return { kind: "other", name, message };
}

/** What the bytes are, from their content alone. */
export function sniffImageType(b: Uint8Array): Sniffed {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return { kind: "jpeg" };
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: "png" };
  if (ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === "WEBP") return { kind: "webp" };

  if (ascii(b, 4, 4) === "ftyp") {
    const boxSize = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    const end = Math.min(b.length, Math.max(16, Math.min(boxSize, 256)));
    const brands = [ascii(b, 8, 4)];
    for (let p = 16; p + 4 <= end; p += 4) brands.push(ascii(b, p, 4));
    const has = (...xs: string[]) => brands.some((x) => xs.includes(x));
    if (has("avif", "avis")) return other("avif", `This file is an AVIF image. ${SAVE_AS}`);
    if (has("heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs", "mif1", "msf1", "mif2"))
      return other("heic", `This file is a HEIC image (iPhone format). ${SAVE_AS}`);
    if (has("crx ")) return other("raw", `This file is a camera RAW image (Canon CR3). Export it as JPEG and upload that.`);
    if (has("jxl ")) return other("jxl", `This file is a JPEG XL image. ${SAVE_AS}`);
    if (has("qt  ", "isom", "iso2", "mp41", "mp42", "M4V ", "3gp4", "3gp5", "avc1", "dash"))
      return other("video", "This file is a video, not a photo. Upload a JPEG or PNG photo.");
    return other("isobmff", `This file is not a JPEG, PNG or WebP image (it looks like a HEIF/MP4-family file). ${SAVE_AS}`);
  }
  if (ascii(b, 0, 6) === "GIF87a" || ascii(b, 0, 6) === "GIF89a") return other("gif", `This file is a GIF image. ${SAVE_AS}`);
  if (ascii(b, 0, 5) === "%PDF-") return other("pdf", "This file is a PDF document, not a photo. Export the photo from it as JPEG or PNG and upload that.");
  if (
    startsWith(b, [0x49, 0x49, 0x2a, 0x00]) ||
    startsWith(b, [0x4d, 0x4d, 0x00, 0x2a]) ||
    startsWith(b, [0x49, 0x49, 0x2b, 0x00]) ||
    startsWith(b, [0x4d, 0x4d, 0x00, 0x2b])
  )
    return other("tiff", `This file is a TIFF image (or a camera RAW file). ${SAVE_AS}`);
  if (ascii(b, 0, 2) === "BM" && b.length >= 26 && [12, 40, 52, 56, 64, 108, 124].includes(b[14]! | (b[15]! << 8)))
    return other("bmp", `This file is a BMP (Windows bitmap) image. ${SAVE_AS}`);
  if (ascii(b, 0, 4) === "PK\x03\x04" || ascii(b, 0, 4) === "PK\x05\x06")
    return other(
      "zip",
      "This file is a ZIP archive (or an Office document), not a photo. Unzip it and upload the photos inside, or use a bulk upload for archives.",
    );
  if (startsWith(b, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20])) return other("jp2", `This file is a JPEG 2000 image. ${SAVE_AS}`);
  if (startsWith(b, [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20]) || startsWith(b, [0xff, 0x0a]))
    return other("jxl", `This file is a JPEG XL image. ${SAVE_AS}`);
  if (startsWith(b, [0x00, 0x00, 0x01, 0x00]) && b.length > 6) return other("ico", `This file is an icon (ICO), not a photo. ${SAVE_AS}`);
  if (ascii(b, 0, 4) === "8BPS") return other("psd", `This file is a Photoshop document (PSD). ${SAVE_AS}`);
  if (ascii(b, 0, 4) === "RIFF") return other("riff", "This file is an audio/video (RIFF) file, not a photo. Upload a JPEG or PNG photo.");
  if (startsWith(b, [0x1f, 0x8b])) return other("gzip", "This file is a compressed (gzip) archive, not a photo. Upload a JPEG or PNG photo.");
  if (ascii(b, 0, 4) === "Rar!" || startsWith(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]))
    return other("archive", "This file is a compressed archive (RAR/7z), not a photo. Upload a JPEG or PNG photo, or a ZIP archive in a bulk upload.");
  if (startsWith(b, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))
    return other("office", "This file is an Office document, not a photo. Save the photo itself as JPEG or PNG and upload that.");

  // Text formats: look at the start, skipping a BOM and white space.
  const head = textHead(b);
  if (head !== null) {
    const lower = head.toLowerCase();
    if (lower.startsWith("<svg") || (lower.startsWith("<") && lower.includes("<svg")))
      return other("svg", "This file is an SVG drawing, not a photo. Export it as JPEG or PNG and upload that.");
    if (lower.startsWith("<!doctype html") || lower.startsWith("<html") || lower.startsWith("<head") || lower.startsWith("<body"))
      return other("html", "This file is a web page (HTML), not a photo. Save the photo itself as JPEG or PNG and upload that.");
    return other("text", "This file is a text file, not a photo. Upload a JPEG, PNG or WebP photo.");
  }
  return other("unknown", "This file is not an image we can read. Upload a JPEG, PNG or WebP photo.");
}

/** The first ~1 KB as text when it looks like text (UTF-8/ASCII without control bytes), else null. */
function textHead(b: Uint8Array): string | null {
  let start = 0;
  if (startsWith(b, [0xef, 0xbb, 0xbf])) start = 3;
  const end = Math.min(b.length, start + 1024);
  if (end <= start) return null;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c < 0x09 || (c > 0x0d && c < 0x20) || c === 0x7f) return null;
  }
  // Not fatal: a multi-byte character may be cut at `end`.
  return new TextDecoder("utf-8").decode(b.subarray(start, end)).trimStart();
}
