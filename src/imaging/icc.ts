/**
 * Embedded ICC profiles: where each format keeps them, and what a profile says about itself
 * (its colour space, and whether it is just sRGB). Pure byte reading, no colour engine: the
 * transform is colour.ts's.
 *
 *   JPEG  APP2 segments "ICC_PROFILE\0" + sequence number + count, the profile split across them
 *         (a profile larger than one segment's 64 KB spans several, in any order)
 *   PNG   the iCCP chunk: name, NUL, compression method 0, then the zlib-compressed profile
 *   WebP  the ICCP chunk of an extended (VP8X) file
 *
 * Anything malformed here (a missing chunk of a split profile, bad zlib…) yields `{ broken }`
 * rather than an error: a photo is never refused for its profile (the caller falls back to sRGB
 * and logs it).
 */
import { inflateSync } from "node:zlib";
import { ascii, concatBytes, u16be, u32be, u32le } from "./bytes";
import type { ImageHeader } from "./image-info";

export type EmbeddedProfile = { bytes: Uint8Array } | { broken: string } | null;

/** Profiles are a few KB (matrix/TRC) to a few MB (CMYK LUTs); past this the file is not a sane one. */
const MAX_PROFILE_BYTES = 4 * 1024 * 1024;

/**
 * The profile embedded in a file readImageHeader accepted (its structure is already checked; a
 * PNG's iCCP chunk is the one its header found: png/header.ts walks the chunks once).
 */
export function readEmbeddedProfile(b: Uint8Array, header: Pick<ImageHeader, "type" | "png">): EmbeddedProfile {
  if (header.type === "jpeg") return jpegProfile(b);
  if (header.type === "png") return pngProfile(header.png?.iccp ?? null);
  return webpProfile(b);
}

function jpegProfile(b: Uint8Array): EmbeddedProfile {
  const chunks = new Map<number, Uint8Array>();
  let count = 0;
  for (let pos = 2; pos + 4 <= b.length; ) {
    if (b[pos] !== 0xff) {
      pos = b.indexOf(0xff, pos);
      if (pos < 0) break;
      continue;
    }
    const marker = b[pos + 1]!;
    if (marker === 0xff) {
      pos++;
      continue;
    }
    // Metadata segments all come before the first scan.
    if (marker === 0xda || marker === 0xd9) break;
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      pos += 2;
      continue;
    }
    const len = u16be(b, pos + 2);
    const start = pos + 4;
    const end = pos + 2 + len;
    if (len < 2 || end > b.length) break;
    if (marker === 0xe2 && len >= 16 && ascii(b, start, 12) === "ICC_PROFILE\0") {
      const seq = b[start + 12]!;
      const n = b[start + 13]!;
      if (seq === 0 || n === 0 || seq > n || (count !== 0 && n !== count)) return { broken: "inconsistent ICC_PROFILE segment numbering" };
      count = n;
      if (chunks.has(seq)) return { broken: `ICC_PROFILE segment ${seq} appears twice` };
      chunks.set(seq, b.subarray(start + 14, end));
    }
    pos = end;
  }
  if (count === 0) return null;
  const parts: Uint8Array[] = [];
  for (let i = 1; i <= count; i++) {
    const part = chunks.get(i);
    if (!part) return { broken: `ICC_PROFILE segment ${i} of ${count} is missing` };
    parts.push(part);
  }
  return checked(concatBytes(parts));
}

/** The profile in an iCCP chunk's data (the first before the image data, as png/header.ts found it). */
function pngProfile(data: Uint8Array | null): EmbeddedProfile {
  if (!data) return null;
  const nul = data.indexOf(0);
  if (nul < 1 || nul > 79 || data[nul + 1] !== 0) return { broken: "malformed iCCP chunk" };
  try {
    const out = inflateSync(data.subarray(nul + 2), { maxOutputLength: MAX_PROFILE_BYTES });
    return checked(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
  } catch {
    return { broken: "iCCP profile does not inflate" };
  }
}

function webpProfile(b: Uint8Array): EmbeddedProfile {
  // RIFF header (12 bytes), then chunks: FourCC, little-endian size, data padded to even.
  for (let pos = 12; pos + 8 <= b.length; ) {
    const type = ascii(b, pos, 4);
    const size = u32le(b, pos + 4);
    if (type === "ICCP") return checked(b.subarray(pos + 8, Math.min(b.length, pos + 8 + size)));
    pos += 8 + size + (size & 1);
  }
  return null;
}

/** The ICC header's own sanity: declared size matches, and the 'acsp' signature (ICC.1 7.2). */
function checked(p: Uint8Array): EmbeddedProfile {
  if (p.length < 132 || p.length > MAX_PROFILE_BYTES) return { broken: `a profile of ${p.length} bytes` };
  if (ascii(p, 36, 4) !== "acsp") return { broken: "no 'acsp' signature" };
  if (u32be(p, 0) > p.length) return { broken: "truncated profile" };
  return { bytes: p };
}

/** The data colour space of a profile (header bytes 16–19): "RGB ", "GRAY", "CMYK"… */
export function profileColourSpace(p: Uint8Array): string {
  return ascii(p, 16, 4);
}

/**
 * sRGB's colorants as an ICC profile stores them (adapted to D50; IEC 61966-2-1 with the
 * Bradford transform, as every published sRGB profile writes them).
 */
const SRGB_COLORANTS = [
  [0.4361, 0.2225, 0.0139],
  [0.3851, 0.7169, 0.0971],
  [0.1431, 0.0606, 0.7141],
] as const;

/**
 * Whether a profile is (a variant of) sRGB, so that the common case costs nothing: an RGB
 * profile whose rXYZ/gXYZ/bXYZ colorants are sRGB's and whose description names sRGB (Android
 * and many cameras embed one). Anything else, including a profile without colorants (LUT-based),
 * is transformed.
 */
export function isSrgbProfile(p: Uint8Array): boolean {
  if (profileColourSpace(p) !== "RGB ") return false;
  const tags = readTagTable(p);
  if (!tags) return false;
  for (let i = 0; i < 3; i++) {
    const tag = tags.get(["rXYZ", "gXYZ", "bXYZ"][i]!);
    if (!tag || tag.size < 20 || ascii(p, tag.offset, 4) !== "XYZ ") return false;
    for (let k = 0; k < 3; k++) {
      const v = (u32be(p, tag.offset + 8 + 4 * k) | 0) / 65536;
      if (Math.abs(v - SRGB_COLORANTS[i]![k]!) > 0.003) return false;
    }
  }
  return /srgb/i.test(description(p, tags.get("desc")));
}

type Tag = { offset: number; size: number };

function readTagTable(p: Uint8Array): Map<string, Tag> | null {
  const n = u32be(p, 128);
  if (n > 200 || 132 + 12 * n > p.length) return null;
  const tags = new Map<string, Tag>();
  for (let i = 0; i < n; i++) {
    const at = 132 + 12 * i;
    const offset = u32be(p, at + 4);
    const size = u32be(p, at + 8);
    if (offset + size > p.length || size < 8) return null;
    tags.set(ascii(p, at, 4), { offset, size });
  }
  return tags;
}

/** The profile's description: ICC v2 'desc' (ASCII) or v4 'mluc' (UTF-16BE, first record). */
function description(p: Uint8Array, tag: Tag | undefined): string {
  if (!tag) return "";
  const type = ascii(p, tag.offset, 4);
  const end = tag.offset + tag.size;
  if (type === "desc" && tag.size >= 12) {
    const n = u32be(p, tag.offset + 8);
    return ascii(p, tag.offset + 12, Math.min(n, end - tag.offset - 12));
  }
  if (type === "mluc" && tag.size >= 28) {
    const len = u32be(p, tag.offset + 20);
    const off = tag.offset + u32be(p, tag.offset + 24);
    let s = "";
    for (let i = 0; i + 1 < len && off + i + 1 < end; i += 2) s += String.fromCharCode(u16be(p, off + i));
    return s;
  }
  return "";
}
