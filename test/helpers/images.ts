/**
 * Image fixtures for tests: JPEGs from raw RGBA (jpeg-js), EXIF/GPS/comment/ICC injection,
 * decoding back to pixels, real files in other formats, and simple builders (`portraitJpeg`)
 * other tests use to upload a valid photo. PNGs (./png) and baseline JPEGs (./baseline-jpeg)
 * are re-exported from here, so tests import every fixture from this one module.
 */
import jpeg from "jpeg-js";

export type Raster = { width: number; height: number; data: Uint8Array }; // RGBA, 4 bytes a pixel
export type Color = readonly [number, number, number] | readonly [number, number, number, number];

export const RED: Color = [255, 0, 0];
export const GREEN: Color = [0, 255, 0];
export const BLUE: Color = [0, 0, 255];
export const YELLOW: Color = [255, 255, 0];
export const WHITE: Color = [255, 255, 255];
export const BLACK: Color = [0, 0, 0];
export const GRAY: Color = [128, 128, 128];

// ---------------------------------------------------------------------------------------------
// Rasters

export function raster(width: number, height: number, pixel: (x: number, y: number) => Color): Raster {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = pixel(x, y);
      const i = (y * width + x) * 4;
      data[i] = c[0];
      data[i + 1] = c[1];
      data[i + 2] = c[2];
      data[i + 3] = c[3] ?? 255;
    }
  }
  return { width, height, data };
}

export function solid(width: number, height: number, color: Color): Raster {
  return raster(width, height, () => color);
}

/** Four colored quadrants: top-left, top-right, bottom-left, bottom-right. */
export function quadrants(width: number, height: number, tl: Color = RED, tr: Color = GREEN, bl: Color = BLUE, br: Color = YELLOW): Raster {
  const hw = width / 2;
  const hh = height / 2;
  return raster(width, height, (x, y) => (y < hh ? (x < hw ? tl : tr) : x < hw ? bl : br));
}

/** A smooth, photo-like gradient (compresses like a real photo would, roughly). */
export function gradient(width: number, height: number): Raster {
  return raster(width, height, (x, y) => [
    Math.round((255 * x) / Math.max(1, width - 1)),
    Math.round((255 * y) / Math.max(1, height - 1)),
    Math.round(128 + 100 * Math.sin((x + y) / 37)),
  ]);
}

/**
 * A picture stored so that applying EXIF `orientation` to it shows `display`: a viewer that
 * honours the tag sees `display`. (Each stored pixel is scattered from the displayed one.)
 */
export function storeForOrientation(display: Raster, orientation: number): Raster {
  const W = display.width;
  const H = display.height;
  const swap = orientation >= 5;
  const sw = swap ? H : W;
  const sh = swap ? W : H;
  const out = new Uint8Array(sw * sh * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      // Where the displayed pixel (x, y) lives in the stored picture (EXIF 2.3, tag 0x0112).
      let sx: number, sy: number;
      switch (orientation) {
        case 2:
          [sx, sy] = [sw - 1 - x, y];
          break;
        case 3:
          [sx, sy] = [sw - 1 - x, sh - 1 - y];
          break;
        case 4:
          [sx, sy] = [x, sh - 1 - y];
          break;
        case 5:
          [sx, sy] = [y, x];
          break; // transpose
        case 6:
          [sx, sy] = [y, sh - 1 - x];
          break; // stored picture must be turned 90° clockwise
        case 7:
          [sx, sy] = [sw - 1 - y, sh - 1 - x];
          break; // transverse
        case 8:
          [sx, sy] = [sw - 1 - y, x];
          break; // turned 90° counter-clockwise
        default:
          [sx, sy] = [x, y];
      }
      out.set(display.data.subarray((y * W + x) * 4, (y * W + x) * 4 + 4), (sy * sw + sx) * 4);
    }
  }
  return { width: sw, height: sh, data: out };
}

/** The color at (x, y). */
export function pixelAt(r: Raster, x: number, y: number): [number, number, number, number] {
  const i = (Math.floor(y) * r.width + Math.floor(x)) * 4;
  return [r.data[i]!, r.data[i + 1]!, r.data[i + 2]!, r.data[i + 3]!];
}

/** True when every channel of the pixel at (x, y) is within `tolerance` of `c`. */
export function near(r: Raster, x: number, y: number, c: Color, tolerance = 40): boolean {
  const p = pixelAt(r, x, y);
  return Math.abs(p[0] - c[0]) <= tolerance && Math.abs(p[1] - c[1]) <= tolerance && Math.abs(p[2] - c[2]) <= tolerance;
}

// ---------------------------------------------------------------------------------------------
// JPEG

/** A baseline JPEG (JFIF, 4:4:4, no other metadata) of the raster. */
export function encodeJpeg(r: Raster, quality = 90): Uint8Array {
  const out = jpeg.encode({ width: r.width, height: r.height, data: r.data }, quality);
  return new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
}

/** Decodes a JPEG back to RGBA (for checking outputs). */
export function decodeJpeg(bytes: Uint8Array): Raster {
  const d = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 200, maxMemoryUsageInMB: 1024 });
  return { width: d.width, height: d.height, data: d.data };
}

export type PortraitOptions = {
  /** Varies the colors (and so the bytes) between photos of the same size. */
  seed?: number;
  quality?: number;
};

/** A valid portrait photo: a skin-ish "face" on a blue background, `width`×`height`. */
export function portraitJpeg(width = 640, height = 800, o: PortraitOptions | number = {}): Uint8Array {
  const opts = typeof o === "number" ? { quality: o } : o;
  return encodeJpeg(portraitRaster(width, height, opts.seed ?? 0), opts.quality ?? 85);
}

export function portraitRaster(width: number, height: number, seed = 0): Raster {
  const cx = width / 2;
  const cy = height * 0.38;
  const rx = width * 0.22;
  const ry = height * 0.2;
  const tint = (seed * 47) % 120;
  return raster(width, height, (x, y) => {
    const dx = (x - cx) / rx;
    const dy = (y - cy) / ry;
    if (dx * dx + dy * dy <= 1) return [224, 172, 140];
    if (y > height * 0.62 && Math.abs(x - cx) < width * 0.35) return [40, 40, 60]; // shoulders
    return [70 + Math.round((60 * y) / height), 60 + tint, 190];
  });
}

/** JPEG segments in file order: marker and the byte range of the whole segment. Stops at SOS. */
export function jpegSegments(bytes: Uint8Array): { marker: number; start: number; end: number }[] {
  const out: { marker: number; start: number; end: number }[] = [];
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new Error("not a JPEG");
  out.push({ marker: 0xd8, start: 0, end: 2 });
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) throw new Error(`bad marker at ${p}`);
    const marker = bytes[p + 1]!;
    const len = (bytes[p + 2]! << 8) | bytes[p + 3]!;
    out.push({ marker, start: p, end: p + 2 + len });
    if (marker === 0xda) break;
    p += 2 + len;
  }
  return out;
}

/** Every marker of the file in order, including those after the first scan (more DHT/SOS of progressive files, EOI). */
export function jpegMarkers(bytes: Uint8Array): number[] {
  return jpegMarkerPositions(bytes).map((m) => m.marker);
}

/** jpegMarkers with where each marker (its 0xFF) is. */
function jpegMarkerPositions(bytes: Uint8Array): { marker: number; at: number }[] {
  const markers = [{ marker: 0xd8, at: 0 }];
  let p = 2;
  while (p + 1 < bytes.length) {
    if (bytes[p] !== 0xff) {
      p++; // entropy-coded data
      continue;
    }
    const m = bytes[p + 1]!;
    if (m === 0x00 || m === 0xff || (m >= 0xd0 && m <= 0xd7)) {
      p += m === 0xff ? 1 : 2; // stuffed byte, fill byte, restart marker
      continue;
    }
    markers.push({ marker: m, at: p });
    if (m === 0xd9) break;
    p += 2 + ((bytes[p + 2]! << 8) | bytes[p + 3]!);
  }
  return markers;
}

/**
 * One scan of a JPEG: its header's fields (components as [id, table selectors]) and everything
 * after the header up to the next scan or the end-of-image marker (its entropy-coded data, and
 * the Huffman tables progressive files put between scans).
 */
export type JpegScan = { components: [number, number][]; ss: number; se: number; ah: number; al: number; data: Uint8Array };

/**
 * Rebuilds a JPEG with its scans changed by `edit` (which may change, drop or reorder them): for
 * fixtures of progressive files whose scan headers are damaged. The entropy-coded data is kept
 * as it is, so only a decoder that trusts the headers is fooled by it.
 */
export function withJpegScans(bytes: Uint8Array, edit: (scans: JpegScan[]) => JpegScan[]): Uint8Array {
  const markers = jpegMarkerPositions(bytes);
  const sos = markers.filter((m) => m.marker === 0xda).map((m) => m.at);
  const eoi = markers.find((m) => m.marker === 0xd9)!.at;
  const scans = sos.map((at, i): JpegScan => {
    const ns = bytes[at + 4]!;
    const components = Array.from({ length: ns }, (_, k): [number, number] => [bytes[at + 5 + 2 * k]!, bytes[at + 6 + 2 * k]!]);
    const sel = at + 5 + 2 * ns;
    return {
      components,
      ss: bytes[sel]!,
      se: bytes[sel + 1]!,
      ah: bytes[sel + 2]! >> 4,
      al: bytes[sel + 2]! & 15,
      data: bytes.subarray(sel + 3, sos[i + 1] ?? eoi),
    };
  });
  const parts = [bytes.subarray(0, sos[0])];
  for (const s of edit(scans)) {
    parts.push(segment(0xda, Uint8Array.of(s.components.length, ...s.components.flat(), s.ss, s.se, (s.ah << 4) | s.al)), s.data);
  }
  parts.push(Uint8Array.of(0xff, 0xd9));
  return concat(parts);
}

/** Inserts whole segments (marker included) right after SOI, or after APP0/JFIF when `afterJfif`. */
export function insertJpegSegments(bytes: Uint8Array, segments: Uint8Array[], afterJfif = true): Uint8Array {
  let at = 2;
  if (afterJfif && bytes[2] === 0xff && bytes[3] === 0xe0) at = 4 + ((bytes[4]! << 8) | bytes[5]!);
  return concat([bytes.subarray(0, at), ...segments, bytes.subarray(at)]);
}

export function segment(marker: number, payload: Uint8Array): Uint8Array {
  const len = payload.length + 2;
  if (len > 0xffff) throw new Error("segment too long");
  return concat([Uint8Array.of(0xff, marker, len >> 8, len & 0xff), payload]);
}

export type ExifOptions = {
  orientation?: number;
  littleEndian?: boolean;
  /** Adds a GPS IFD with a latitude/longitude (for testing that it is stripped). */
  gps?: boolean;
  make?: string;
};

/** A TIFF block (what follows "Exif\0\0" in APP1, or a PNG eXIf chunk's payload). */
export function exifTiff(o: ExifOptions = {}): Uint8Array {
  const le = o.littleEndian ?? false;
  const buf = new Uint8Array(512);
  const dv = new DataView(buf.buffer);
  const w16 = (p: number, v: number) => dv.setUint16(p, v, le);
  const w32 = (p: number, v: number) => dv.setUint32(p, v, le);
  buf.set(le ? [0x49, 0x49] : [0x4d, 0x4d], 0);
  w16(2, 42);
  w32(4, 8);
  const make = new TextEncoder().encode(`${o.make ?? "PasspixTestCam"}\0`);
  const entries: [number, number, number, (p: number) => void][] = [];
  // IFD0 at 8; count, entries (12 bytes each), next IFD offset, then data.
  const n = 1 + (o.orientation !== undefined ? 1 : 0) + (o.gps ? 1 : 0);
  const ifd0End = 8 + 2 + 12 * n + 4;
  let data = ifd0End;
  const makeAt = data;
  data += make.length + (make.length & 1);
  const gpsAt = data;
  entries.push([0x010f, 2, make.length, (p) => w32(p, makeAt)]); // Make
  if (o.orientation !== undefined) entries.push([0x0112, 3, 1, (p) => w16(p, o.orientation!)]);
  if (o.gps) entries.push([0x8825, 4, 1, (p) => w32(p, gpsAt)]);
  w16(8, n);
  entries.forEach(([tag, type, count, value], i) => {
    const e = 10 + 12 * i;
    w16(e, tag);
    w16(e + 2, type);
    w32(e + 4, count);
    value(e + 8);
  });
  w32(10 + 12 * n, 0);
  buf.set(make, makeAt);
  let size = data;
  if (o.gps) {
    // GPS IFD: LatitudeRef "N", Latitude 48/1 51/1 30/1, LongitudeRef "E", Longitude 2/1 21/1 7/1.
    const gpsEntries = 4;
    const rationals = gpsAt + 2 + 12 * gpsEntries + 4;
    w16(gpsAt, gpsEntries);
    const put = (i: number, tag: number, type: number, count: number, v: (p: number) => void) => {
      const e = gpsAt + 2 + 12 * i;
      w16(e, tag);
      w16(e + 2, type);
      w32(e + 4, count);
      v(e + 8);
    };
    put(0, 1, 2, 2, (p) => buf.set([0x4e, 0], p));
    put(1, 2, 5, 3, (p) => w32(p, rationals));
    put(2, 3, 2, 2, (p) => buf.set([0x45, 0], p));
    put(3, 4, 5, 3, (p) => w32(p, rationals + 24));
    w32(gpsAt + 2 + 12 * gpsEntries, 0);
    [48, 51, 30, 2, 21, 7].forEach((v, i) => {
      w32(rationals + 8 * i, v);
      w32(rationals + 8 * i + 4, 1);
    });
    size = rationals + 48;
  }
  return buf.slice(0, size);
}

/** An APP1 Exif segment. */
export function exifSegment(o: ExifOptions = {}): Uint8Array {
  return segment(0xe1, concat([new TextEncoder().encode("Exif\0\0"), exifTiff(o)]));
}

/** A COM (comment) segment. */
export function commentSegment(text: string): Uint8Array {
  return segment(0xfe, new TextEncoder().encode(text));
}

/** An APP2 ICC_PROFILE segment with a fake (but recognisable) profile. */
export function iccSegment(): Uint8Array {
  const profile = new Uint8Array(200);
  new DataView(profile.buffer).setUint32(0, 200);
  profile.set(new TextEncoder().encode("acspAPPL"), 36);
  profile.set(new TextEncoder().encode("FAKE-ICC-PROFILE-FOR-TESTS"), 128);
  return segment(0xe2, concat([new TextEncoder().encode("ICC_PROFILE\0"), Uint8Array.of(1, 1), profile]));
}

/** An APP1 XMP segment. */
export function xmpSegment(): Uint8Array {
  return segment(0xe1, new TextEncoder().encode('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'));
}

/** A JPEG of `display` stored with EXIF `orientation` (so a viewer honouring it shows `display`). */
export function orientedJpeg(display: Raster, orientation: number, o: Omit<ExifOptions, "orientation"> & { quality?: number } = {}): Uint8Array {
  return insertJpegSegments(encodeJpeg(storeForOrientation(display, orientation), o.quality ?? 92), [exifSegment({ ...o, orientation })]);
}

// ---------------------------------------------------------------------------------------------
// Other formats (real files made with cwebp, heif-enc, ImageMagick, jpegtran; base64)

const b64 = (s: string) => Uint8Array.from(atob(s.replace(/\s+/g, "")), (c) => c.charCodeAt(0));

/** Files in formats we refuse (real ones where small; minimal valid headers for PDF, BMP and ZIP). */
export const FOREIGN_FILES: Record<string, () => Uint8Array> = {
  heic: () => realFile("heic"),
  avif: () => realFile("avif"),
  gif: () => realFile("gif"),
  svg: () =>
    ascii(
      '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="red"/></svg>\n',
    ),
  pdf: () => ascii("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"),
  tiff: () => realFile("tiff"),
  bmp: () => {
    const b = new Uint8Array(58);
    const dv = new DataView(b.buffer);
    b.set(ascii("BM"), 0);
    dv.setUint32(2, 58, true);
    dv.setUint32(10, 54, true);
    dv.setUint32(14, 40, true);
    dv.setInt32(18, 1, true);
    dv.setInt32(22, 1, true);
    dv.setUint16(26, 1, true);
    dv.setUint16(28, 24, true);
    return b;
  },
  zip: () => concat([ascii("PK\x03\x04"), new Uint8Array(26), ascii("a.jpg")]),
};

export function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Real files, 64×80 quadrants (red, green / blue, yellow) unless noted, made with cjpeg/jpegtran, cwebp, heif-enc and ImageMagick. */
export const REAL_FILES = {
  /** progressive JPEG, 4:2:0 */
  progressiveJpeg:
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBD/wgARCABQAEADASIAAhEBAxEB/8QAGAABAQEBAQAAAAAAAAAAAAAAAAcJBgj/xAAYAQEBAQEBAAAAAAAAAAAAAAAABgkIBf/aAAwDAQACEAMQAAABnIheqQLGInMcCOC204AsYicxwI44F1R2r3zgR6hWVxzz/GllGfI0394DQYZV3AGfI1UhwNBhlXcAf//EABQQAQAAAAAAAAAAAAAAAAAAAGD/2gAIAQEAAQUCIf/EABoRAAICAwAAAAAAAAAAAAAAABdkAOIwoqP/2gAIAQMBAT8BwFlPpSFlPpSDJrS8GTWl8P8A/8QAHREAAAUFAAAAAAAAAAAAAAAAABUXMGJkoaPh4//aAAgBAgEBPwFhGa3H0CM1uPoDqF9A6hfTP//EABQQAQAAAAAAAAAAAAAAAAAAAGD/2gAIAQEABj8CIf/EABQQAQAAAAAAAAAAAAAAAAAAAGD/2gAIAQEAAT8hIf/aAAwDAQACAAMAAAAQ/wD/AH3/AP8Afccf/wAIL74IL77/xAAUEQEAAAAAAAAAAAAAAAAAAABA/9oACAEDAQE/ECTNV//EABQRAQAAAAAAAAAAAAAAAAAAAED/2gAIAQIBAT8QJ3Zn/8QAFBABAAAAAAAAAAAAAAAAAAAAYP/aAAgBAQABPxAh/9k=",
  /** baseline JPEG, 4:2:0 */
  jpeg420:
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBD/wAARCABQAEADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwD50ooor8MP9UwooooA+xqKKK/Ej/mPCiiigD45ooor9tP+nAKKKKAPsaiiivxI/wCY8KKKKAPjmivAqK/1Q/4ky/6nf/lt/wDfB/tV/wATZ/8AUn/8uP8A7ge+0V4FRR/xJl/1O/8Ay2/++A/4mz/6k/8A5cf/AHA/UOivsqiv8dP9df8Apx/5N/8Aan+f/wDxLJ/1NP8Ayh/92PjWivsqij/XX/px/wCTf/ah/wASyf8AU0/8of8A3Y/nyooor/puPuwooooA/oNooor/AJVz9wCiiigD+fKiiiv+qg/DwooooA/oNooor/lXP3AKKKKAP//Z",
  /** Adobe CMYK JPEG */
  cmykJpeg:
    "/9j/7gAOQWRvYmUAZAAAAAAC/9sAQwADAgICAgIDAgICAwMDAwQGBAQEBAQIBgYFBgkICgoJCAkJCgwPDAoLDgsJCQ0RDQ4PEBAREAoMEhMSEBMPEBAQ/9sAQwEDAwMEAwQIBAQIEAsJCxAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ/8AAFAgAUABABAERAAIRAQMRAQQRAP/EABcAAQEBAQAAAAAAAAAAAAAAAAAICgn/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAGAEBAQEBAQAAAAAAAAAAAAAAAAcKCAn/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADgQBAAIRAxEEAAA/AKIXN5VOqYAAACOltacgAAABYqJMxoAAAAjpbWnIAAAAWKiTMaAAAAI6W1pyAAAAFiokzGgAAACOltacgAAABYqJMxoAAAAjpbWnIAAAAdQmcpw0AAAAM+TVQh4AAAA0Gsq64AAAADPk1UIeAAAANBrKuuAAAAAz5NVCHgAAADQayrrgAAAAM+TVQh4AAAA0Gsq64AAAADPk1UIeAAAAP//Z",
  /** grayscale JPEG */
  grayJpeg:
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCABQAEABAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/AOLooor0qiiivNaKKK9KooorzWiiivSqKKK81ooor0qiiivNaKKK9KooorwaiiivsWiiivjqiiivsWiiivjqiiivsWiiivjqiiivsWiiivjqiiivsWiiiv/Z",
  /** lossy WebP (VP8) */
  lossyWebp:
    "UklGRo4AAABXRUJQVlA4IIIAAACQBgCdASpAAFAAPjEUiEKiISEXNAAgAwSgDSqap+AfgBsIfAPwA/Wv+AV/4C5Ci6J1l+r3eHQ3ReI1PGQAAP73omCXy7b7tBlZdT1f+E8N6z4WICB77Zurd4stxf/QHlwAPP5vL68eNxQuhqPVMX//6kGn35kM2pORGwI4j8LA3AAA",
  /** lossless WebP (VP8L) */
  losslessWebp: "UklGRjoAAABXRUJQVlA4TC0AAAAvP8ATAB8gEEjaH3qN+RcQFPk/2vwHXySASIDEk570pIkDpIj+T8Cx6Jvg0DcA",
  /** lossy WebP with alpha (VP8X+ALPH): red top-left quadrant, rest transparent */
  alphaWebp:
    "UklGRqgAAABXRUJQVlA4WAoAAAAQAAAAPwAATwAAQUxQSBYAAAABDzD/ERFCLJjMXzqFzoj+T0AVfPMvVlA4IGwAAADQBQCdASpAAFAAPjEYiUMiIaEU3qwAIAMEsYBpNoAfgBpgPwA/YD+AAEQUaiy7hjSFIBk4oxwAAP73opTifJ7LP2HelHsJ3wN/8J1B+fVMCrwESvoSHn1r//6nIs1jiI2o0AfGZLXYQCAAAAA=",
  /** lossless WebP with alpha: red top-left quadrant, rest transparent */
  alphaLosslessWebp: "UklGRigAAABXRUJQVlA4TBsAAAAvP8ATEA8Q8x/zHwyxYDJ/6RQ6I/o/AVXwzb8A",
  /**
   * lossless WebP written by sharp (libvips) with `.withMetadata({ orientation: 6 })`: stored 80×64
   * (VP8X, ICCP, VP8L, then an EXIF chunk starting "Exif\0\0"), the 64×80 quadrants once turned
   */
  exifWebp:
    "UklGRvYCAABXRUJQVlA4WAoAAAAoAAAATwAAPwAASUNDUOABAAAAAAHgbGNtcwQgAABtbnRyUkdCIFhZWiAH4gADABQACQAOAB1hY3NwTVNGVAAAAABzYXdzY3RybAAAAAAAAAAAAAAAAAAA9tYAAQAAAADTLWhhbmR56b9WWj4BtoMjhVVG90+qAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAApkZXNjAAAA/AAAACRjcHJ0AAABIAAAACJ3dHB0AAABRAAAABRjaGFkAAABWAAAACxyWFlaAAABhAAAABRnWFlaAAABmAAAABRiWFlaAAABrAAAABRyVFJDAAABwAAAACBnVFJDAAABwAAAACBiVFJDAAABwAAAACBtbHVjAAAAAAAAAAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJtbHVjAAAAAAAAAAEAAAAMZW5VUwAAAAYAAAAcAEMAQwAwAABYWVogAAAAAAAA9tYAAQAAAADTLXNmMzIAAAAAAAEMPwAABd3///MmAAAHkAAA/ZL///uh///9ogAAA9wAAMBxWFlaIAAAAAAAAG+gAAA48gAAA49YWVogAAAAAAAAYpYAALeJAAAY2lhZWiAAAAAAAAAkoAAAD4UAALbEcGFyYQAAAAAAAwAAAAJmaQAA8qcAAA1ZAAAT0AAACltWUDhMLgAAAC9PwA8AHyAQSNofeo35FxAU+T/a/AdfJIBIgMSTnvSkjQGkiP5PQOGgaw4DXQNFWElGugAAAEV4aWYAAElJKgAIAAAABgASAQMAAQAAAAYAAAAaAQUAAQAAAFYAAAAbAQUAAQAAAF4AAAAoAQMAAQAAAAIAAAATAgMAAQAAAAEAAABphwQAAQAAAGYAAAAAAAAAOGMAAOgDAAA4YwAA6AMAAAYAAJAHAAQAAAAwMjEwAZEHAAQAAAABAgMAAKAHAAQAAAAwMTAwAaADAAEAAAD//wAAAqAEAAEAAABQAAAAA6AEAAEAAABAAAAAAAAAAA==",
  /** 16-bit RGB PNG */
  png16:
    "iVBORw0KGgoAAAANSUhEUgAAAEAAAABQEAIAAAB2TThRAAAABGdBTUEAALGPC/xhBQAAACBjSFJNAAB6JgAAgIQAAPoAAACA6AAAdTAAAOpgAAA6mAAAF3CculE8AAAABmJLR0T/7//v/+9oKdNKAAAAB3RJTUUH6gsYFTQRUgFuuwAAABBjYU52AAAAIAAAACgAAAAAAAAAANlhTOIAAADZSURBVHja7duxDQNACAAxyP47kx3SWK+cJwCdKNm7edru2xt89AD/rgBYAbACYAXACoAVACsAVgCsAFgBsAJgBcAKgBUAKwBWAKwAWAGwAmAFwAqAFQArAFYArABYAbACYAXACoAVACsAVgCsAFgBsAJgBcAKgBUA25mZlz9t7+529RS/6wKwAmAFwAqAFQArAFYArABYAbACYAXACoAVACsAVgCsAFgBsAJgBcAKgBUAKwBWAKwAWAGwAmAFwAqAFQArAFYArABYAbACYAXACoAVACsAVgDsC7mgCpnsjjxPAAAAJXRFWHRkYXRlOmNyZWF0ZQAyMDI2LTExLTI0VDIxOjUyOjE3KzAwOjAwjLIEawAAACV0RVh0ZGF0ZTptb2RpZnkAMjAyNi0xMS0yNFQyMTo1MjoxNyswMDowMP3vvNcAAAAASUVORK5CYII=",
  /** Adam7-interlaced PNG */
  interlacedPng:
    "iVBORw0KGgoAAAANSUhEUgAAAEAAAABQBAMAAAEsll7gAAAABGdBTUEAALGPC/xhBQAAACBjSFJNAAB6JgAAgIQAAPoAAACA6AAAdTAAAOpgAAA6mAAAF3CculE8AAAAD1BMVEX/AAAA/wAAAP///wD////1Tp3PAAAAAWJLR0QEj2jZUQAAAAd0SU1FB+oLGBU0EVIBbrsAAAAQY2FOdgAAACAAAAAoAAAAAAAAAADZYUziAAAAX0lEQVRIx2NgYBAUZMBGKCkZG2MlyNEBkgcrI8xQUgLpAWslzCDJZNo5g2Q3w6yB2zkoBZSgwBgKBq/AYAmx4SQwWOJ2OAmgA0E0MKpgVAG9FSihAWM0MKpgVAGdFQAALL3/Aap66XEAAAAldEVYdGRhdGU6Y3JlYXRlADIwMjYtMTEtMjRUMjE6NTI6MTcrMDA6MDCMsgRrAAAAJXRFWHRkYXRlOm1vZGlmeQAyMDI2LTExLTI0VDIxOjUyOjE3KzAwOjAw/e+81wAAAABJRU5ErkJggg==",
  /** palette PNG */
  palettePng:
    "iVBORw0KGgoAAAANSUhEUgAAAEAAAABQBAMAAABbkW52AAAABGdBTUEAALGPC/xhBQAAACBjSFJNAAB6JgAAgIQAAPoAAACA6AAAdTAAAOpgAAA6mAAAF3CculE8AAAAD1BMVEX/AAAA/wAAAP///wD////1Tp3PAAAAAWJLR0QEj2jZUQAAAAd0SU1FB+oLGBU0EVIBbrsAAAAQY2FOdgAAACAAAAAoAAAAAAAAAADZYUziAAAAKklEQVRIx+3KMQEAAAjDsFnAAhbw742/FtbcSWAgBoPBUB4WDgwGg6E8PCWG/wE1zyYmAAAAJXRFWHRkYXRlOmNyZWF0ZQAyMDI2LTExLTI0VDIxOjUyOjE3KzAwOjAwjLIEawAAACV0RVh0ZGF0ZTptb2RpZnkAMjAyNi0xMS0yNFQyMTo1MjoxNyswMDowMP3vvNcAAAAASUVORK5CYII=",
  /** grayscale PNG */
  grayPng:
    "iVBORw0KGgoAAAANSUhEUgAAAEAAAABQCAAAAACM1CyZAAAABGdBTUEAALGPC/xhBQAAAAJiS0dEAO+aONzbAAAAB3RJTUUH6gsYFTQRUgFuuwAAABBjYU52AAAAIAAAACgAAAAAAAAAANlhTOIAAABDSURBVFjD7c/BCQAgDANA6wgO43zO6TRuYB8i9HH5JhwkZrtnJX1vjwEAAAAAAAAAVARiJINd/gIAAAAAAAAA4ANwAAXIAkGKXy/ZAAAAJXRFWHRkYXRlOmNyZWF0ZQAyMDI2LTExLTI0VDIxOjUyOjE3KzAwOjAwjLIEawAAACV0RVh0ZGF0ZTptb2RpZnkAMjAyNi0xMS0yNFQyMTo1MjoxNyswMDowMP3vvNcAAAAASUVORK5CYII=",
  /** HEIC */
  heic: "AAAAHGZ0eXBoZWljAAAAAG1pZjFoZWljbWlhZgAAAUBtZXRhAAAAAAAAACFoZGxyAAAAAAAAAABwaWN0AAAAAAAAAAAAAAAAAAAAAA5waXRtAAAAAAABAAAAImlsb2MAAAAAREAAAQABAAAAAAFkAAEAAAAAAAABNgAAACNpaW5mAAAAAAABAAAAFWluZmUCAAAAAAEAAGh2YzEAAAAAwGlwcnAAAACiaXBjbwAAAHZodmNDAQQIAAAAAAAAAAAAHvAA/P36+gAADwMgAAEAF0ABDAH//wQIAAADAJ24AAADAAAeugJAIQABACpCAQEECAAAAwCduAAAAwAAHqAggUTZbqSSmubgQEDAgAAAAwCAAAADAIQiAAEAB0QBwXKwIkAAAAAUaXNwZQAAAAAAAABAAAAAUAAAABBwaXhpAAAAAAMKCgoAAAAWaXBtYQAAAAAAAAABAAEDgQKDAAABPm1kYXQAAAEyKAGvE4BOv7fFT//AP//6Er//////+zfvBzFgj//7KKP/4fM8Py5yUz/7IbPv53z7/5euMtdpsSj5qv/X3QbRWMKYSWi7WqoloukZ17pF13Cj0q+ylRy28olzxJ+N95gA+abwcT2Dve01sO6tN6Fg/nvc2+WKuf2hATbj5m997tYpLOakq8mobeBt4X+y+TBq2Cnv9EVkwNrvw0nKQGcK084c+lud9Z+5bxGpVAazKzz4/8qFz/+/pEdaH64k7NbPMqb67UmStm7U/PKldSs5ix/3f//w///9L//Im8/Yv6yX//836YX////uBrv915SDNMcULZwmAp6zTyaIIxAz7mFcRnAyPn5YYjSyexMiSfu45G0FKkoFUk/Zya75i8M5HycVstpQC0j+j7tjiirXmlP4",
  /** AVIF */
  avif: "AAAAHGZ0eXBhdmlmAAAAAGF2aWZtaWYxbWlhZgAAAOptZXRhAAAAAAAAACFoZGxyAAAAAAAAAABwaWN0AAAAAAAAAAAAAAAAAAAAAA5waXRtAAAAAAABAAAAImlsb2MAAAAAREAAAQABAAAAAAEOAAEAAAAAAAAARwAAACNpaW5mAAAAAAABAAAAFWluZmUCAAAAAAEAAGF2MDEAAAAAamlwcnAAAABLaXBjbwAAABNjb2xybmNseAACAAIABoAAAAAMYXYxQ4EADAAAAAAUaXNwZQAAAAAAAABAAAAAUAAAABBwaXhpAAAAAAMICAgAAAAXaXBtYQAAAAAAAAABAAEEgYIDhAAAAE9tZGF0EgAKBhgVv57AhDI7RQABRRRQoLSA8UFLvU/jqE+A8O9iciItLzKDGl6CT6skWoUrp3IggpB3965b3Asqum5MFR054zFfmnQ=",
  /** GIF */
  gif: "R0lGODlhQABQAPIAAP8AAAD/AAAA////AP///wAAAAAAAAAAACH5BAAAAAAAIf8LSW1hZ2VNYWdpY2sNZ2FtbWE9MC40NTQ1NQAsAAAAAEAAUAAAA/4Iutz+LMhJq70U6t2w/xUnamDpjWhnrlnqsnDgvvE6p7V9j7m58z3QTxQUDjfFzxGZxCxJzcsTEpVOHVXLFZttbRdd7xcQnozBZdmZnF6zy+60+iyPt9d1/J2+H+f5cHqBgGF2g359X3+Ih4qJW4uOjZCPV3ICmJmam5ydmgOgoaKjpKWinqipm6asraOqsKius6yxtqu0uae3vLq+A7y9v7nBt8PExbHHtMnKy67NsM/Q0anTrdXW16bZstul3Z7f4OGc46Tl5ue76Znr7O0C76Hx7vPA9fL3+frz/Pf46gH8ty/fQIMFBSaMd1ChP4QPHb4jGJHhwnYNLVbEeAsxXUaOGz12LAcwAQA7",
  /** TIFF */
  tiff: "SUkqADIAAAB42mNgQAWCaIBhVH5UflR+VH6YyiuhAWM0MCo/Kj8qPyo/XOUBEzD/AQAQAAABAwABAAAAQAAAAAEBAwABAAAAUAAAAAIBAwABAAAABAAAAAMBAwABAAAACAAAAAYBAwABAAAAAwAAAAoBAwABAAAAAQAAABEBBAABAAAACAAAABIBAwABAAAAAQAAABUBAwABAAAAAQAAABYBAwABAAAAUAAAABcBBAABAAAAKQAAABwBAwABAAAAAQAAACkBAwACAAAAAAABAD4BBQACAAAAiAEAAD8BBQAGAAAAWAEAAEABAwAwAAAA+AAAAAAAAAD//wAAAAD/////AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA//8AAP////8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAP//AAD//wAAAAAAAAAAAAAAAAAAAAAAAAAAAACF61EAAACAAMP1qAAAAAACzcxMAAAAAAHNzEwAAACAAM3MTAAAAAACj8L1AAAAABA3GqAAAAAAAiuHCgAAACAA",
} as const;

export function realFile(name: keyof typeof REAL_FILES): Uint8Array {
  return b64(REAL_FILES[name]);
}

export { b64 as fromBase64 };

// PNG and WebP fixtures, and the baseline JPEG encoder, live in their own files (one job each).
export * from "./png";
export * from "./baseline-jpeg";
