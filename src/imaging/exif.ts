/**
 * EXIF orientation from a TIFF block (a JPEG's Exif APP1, a PNG's eXIf, a WebP's EXIF chunk).
 * Pure, no node or Worker imports: the pages import it too (through webp/header.ts).
 */
import { ascii, u16be, u16le, u32be, u32le } from "./bytes";

/**
 * The orientation (1..8) in a TIFF block (the payload of an Exif APP1 segment or a PNG eXIf
 * chunk) spanning [t, end): IFD0 tag 0x0112. Anything malformed means 1.
 */
export function exifOrientation(b: Uint8Array, t: number, end: number): number {
  if (t + 8 > end) return 1;
  const order = ascii(b, t, 2);
  if (order !== "II" && order !== "MM") return 1;
  const le = order === "II";
  const r16 = (p: number) => (le ? u16le(b, p) : u16be(b, p));
  const r32 = (p: number) => (le ? u32le(b, p) : u32be(b, p));
  if (r16(t + 2) !== 42) return 1;
  const ifd = t + r32(t + 4);
  if (ifd + 2 > end || ifd < t + 8) return 1;
  const count = r16(ifd);
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + 12 * i;
    if (e + 12 > end) return 1;
    if (r16(e) !== 0x0112) continue;
    const type = r16(e + 2);
    const value = type === 3 ? r16(e + 8) : type === 4 ? r32(e + 8) : 0;
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

/**
 * The orientation in a PNG eXIf or WebP EXIF chunk's data [data, end): a TIFF block, which some
 * writers (libvips, so sharp, among them) wrongly start with JPEG's "Exif\0\0" prefix.
 */
export function exifChunkOrientation(b: Uint8Array, data: number, end: number): number {
  return exifOrientation(b, ascii(b, data, 6) === "Exif\0\0" ? data + 6 : data, end);
}
