/**
 * Image fixtures for tests: JPEGs from raw RGBA (jpeg-js), PNGs from a tiny pure-JS encoder
 * (zlib through CompressionStream), EXIF/GPS/comment/ICC injection, decoding back to pixels,
 * and simple builders (`portraitJpeg`) other tests use to upload a valid photo.
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
  const make = new TextEncoder().encode((o.make ?? "PasspixTestCam") + "\0");
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
// PNG

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One PNG chunk: length, type, data, CRC. */
export function pngChunk(type: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc(out.subarray(4, 8 + data.length)));
  return out;
}

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** zlib (RFC 1950) compression through CompressionStream("deflate"). */
export async function zlib(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export type PngOptions = {
  /** 0 gray, 2 RGB, 4 gray+alpha, 6 RGBA (default 6; 2 when `alpha` is false). */
  colorType?: 0 | 2 | 4 | 6;
  bitDepth?: 8 | 16;
  /** Extra chunks placed before IDAT (e.g. eXIf, iCCP, tEXt). */
  before?: Uint8Array[];
  /** Adam7 interlacing (photon decodes these; the others are decoded in JS). */
  interlace?: boolean;
};

const ADAM7_PASSES: [number, number, number, number][] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** A PNG of the raster (filter 0 on every row, one IDAT). */
export async function encodePng(r: Raster, o: PngOptions = {}): Promise<Uint8Array> {
  const colorType = o.colorType ?? 6;
  const depth = o.bitDepth ?? 8;
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType];
  const bps = depth / 8;
  // The passes (one, or Adam7's seven): each a sub-picture of every dx-th pixel of every dy-th row.
  const passes = (o.interlace ? ADAM7_PASSES : [[0, 0, 1, 1] as [number, number, number, number]])
    .map(([x0, y0, dx, dy]) => ({
      x0,
      y0,
      dx,
      dy,
      w: r.width > x0 ? Math.ceil((r.width - x0) / dx) : 0,
      h: r.height > y0 ? Math.ceil((r.height - y0) / dy) : 0,
    }))
    .filter((p) => p.w > 0 && p.h > 0);
  const raw = new Uint8Array(passes.reduce((n, p) => n + p.h * (1 + p.w * channels * bps), 0));
  let o2 = 0;
  for (const pass of passes) {
    for (let py = 0; py < pass.h; py++) {
      const y = pass.y0 + py * pass.dy;
      raw[o2++] = 0;
      for (let px2 = 0; px2 < pass.w; px2++) {
        const x = pass.x0 + px2 * pass.dx;
        const i = (y * r.width + x) * 4;
        const px = r.data;
        const gray = Math.round(0.299 * px[i]! + 0.587 * px[i + 1]! + 0.114 * px[i + 2]!);
        const vals =
          colorType === 0
            ? [gray]
            : colorType === 4
              ? [gray, px[i + 3]!]
              : colorType === 2
                ? [px[i]!, px[i + 1]!, px[i + 2]!]
                : [px[i]!, px[i + 1]!, px[i + 2]!, px[i + 3]!];
        for (const v of vals) {
          raw[o2++] = v;
          if (bps === 2) raw[o2++] = v;
        }
      }
    }
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, r.width);
  dv.setUint32(4, r.height);
  ihdr[8] = depth;
  ihdr[9] = colorType;
  ihdr[12] = o.interlace ? 1 : 0;
  return concat([PNG_SIGNATURE, pngChunk("IHDR", ihdr), ...(o.before ?? []), pngChunk("IDAT", await zlib(raw)), pngChunk("IEND")]);
}

/** A valid portrait photo as PNG (RGB, no alpha). */
export async function portraitPng(width = 640, height = 800, o: { seed?: number } = {}): Promise<Uint8Array> {
  return encodePng(portraitRaster(width, height, o.seed ?? 0), { colorType: 2 });
}

/**
 * A simple-format WebP (one VP8 or VP8L chunk) of width×height rewritten in the extended format
 * (VP8X) with an EXIF chunk carrying `orientation` after the image data, where writers put it.
 * `exifPrefix` starts the chunk with JPEG's "Exif\0\0" (as libvips writes it); `flag: false`
 * leaves the VP8X flag that announces the EXIF chunk unset.
 */
export function orientedWebp(
  simple: Uint8Array,
  width: number,
  height: number,
  orientation: number,
  o: { exifPrefix?: boolean; flag?: boolean } = {},
): Uint8Array {
  const riffChunk = (fourcc: string, data: Uint8Array) => {
    const head = concat([ascii(fourcc), new Uint8Array(4)]);
    new DataView(head.buffer).setUint32(4, data.length, true);
    return concat([head, data, new Uint8Array(data.length & 1)]);
  };
  const vp8x = new Uint8Array(10);
  vp8x[0] = o.flag === false ? 0 : 0x08;
  const dv = new DataView(vp8x.buffer);
  dv.setUint16(4, width - 1, true); // 24-bit little-endian fields: the top bytes stay 0 here
  dv.setUint16(7, height - 1, true);
  const tiff = exifTiff({ orientation });
  const body = concat([
    ascii("WEBP"),
    riffChunk("VP8X", vp8x),
    simple.subarray(12),
    riffChunk("EXIF", o.exifPrefix ? concat([ascii("Exif\0\0"), tiff]) : tiff),
  ]);
  const riff = concat([ascii("RIFF"), new Uint8Array(4), body]);
  new DataView(riff.buffer).setUint32(4, body.length, true);
  return riff;
}

/** A PNG of `display` stored with an eXIf chunk carrying `orientation`. */
export async function orientedPng(display: Raster, orientation: number): Promise<Uint8Array> {
  return encodePng(storeForOrientation(display, orientation), { colorType: 2, before: [pngChunk("eXIf", exifTiff({ orientation }))] });
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

// ---------------------------------------------------------------------------------------------
// A baseline JPEG encoder for fixtures jpeg-js cannot make: chroma subsampling (4:2:0, 4:2:2,
// 4:4:0), grayscale, restart markers, and pictures too big to hold as a raster (12+ MP: pixels come
// from a function, one MCU row at a time). Deliberately simple and independent of the production
// encoder: a naive float DCT, Annex K quantization tables, and fixed canonical Huffman tables with
// the standard code-length counts (so codes up to 16 bits occur, as in real files).

export type Sampling = "444" | "422" | "420" | "440" | "gray";

export type BaselineJpegOptions = {
  quality?: number;
  sampling?: Sampling;
  /** MCUs between restart markers (0: none). */
  restartInterval?: number;
  /** Inserted after SOI (e.g. exifSegment(...)). */
  segments?: Uint8Array[];
  /**
   * The same coefficients written as a progressive JPEG (SOF2): one DC scan of all components,
   * then one AC scan (1–63) per component, no successive approximation; each block's AC data is
   * then coded as in a baseline scan. 4:4:4 or grey only (a non-interleaved scan then visits the
   * blocks in MCU order) and no restart markers.
   */
  progressive?: boolean;
};

const ZZ = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22,
  15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];
const Q_LUMA = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103,
  77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const Q_CHROMA = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];
/** Code-length counts of ITU T.81 Annex K (DC, AC luminance). */
const DC_COUNTS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const AC_COUNTS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125];
const DC_SYMBOLS = Array.from({ length: 12 }, (_, i) => i);
/** All 162 AC symbols (EOB, ZRL, run/size with size 1–10), likelier ones (short runs, small sizes) first. */
const AC_SYMBOLS = [
  0x00,
  ...Array.from({ length: 160 }, (_, i) => ((i % 16) << 4) | (1 + Math.floor(i / 16))).sort(
    (a, b) => (a >> 4) + (a & 15) * 1.5 - ((b >> 4) + (b & 15) * 1.5) || a - b,
  ),
  0xf0,
];

function huffCodes(counts: number[], symbols: number[]): Map<number, [number, number]> {
  const codes = new Map<number, [number, number]>();
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < counts[len - 1]!; i++) codes.set(symbols[k++]!, [code++, len]);
    code <<= 1;
  }
  return codes;
}
const DC_CODES = huffCodes(DC_COUNTS, DC_SYMBOLS);
const AC_CODES = huffCodes(AC_COUNTS, AC_SYMBOLS);

const COS8 = Array.from({ length: 64 }, (_, i) => {
  const x = i >> 3;
  const u = i & 7;
  return (u === 0 ? Math.SQRT1_2 : 1) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
});

/**
 * A baseline JPEG of width×height whose pixel (x, y) is `pixel(x, y)` (or a Raster's), encoded as
 * described above. Memory: one MCU row of pixels.
 */
export function encodeBaselineJpeg(width: number, height: number, pixel: ((x: number, y: number) => Color) | Raster, o: BaselineJpegOptions = {}): Uint8Array {
  const px =
    typeof pixel === "function"
      ? pixel
      : (x: number, y: number): Color => {
          const i = (y * pixel.width + x) * 4;
          return [pixel.data[i]!, pixel.data[i + 1]!, pixel.data[i + 2]!];
        };
  const sampling = o.sampling ?? "420";
  const gray = sampling === "gray";
  const [hs, vs] = ({ "444": [1, 1], "422": [2, 1], "420": [2, 2], "440": [1, 2], gray: [1, 1] } as const)[sampling];
  const q = o.quality ?? 90;
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  const qt = [Q_LUMA, Q_CHROMA].map((t) => t.map((v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100)))));

  const out: number[] = [];
  const word = (v: number) => out.push(v >> 8, v & 255);
  word(0xffd8);
  for (const s of o.segments ?? []) out.push(...s);
  word(0xffdb);
  word(2 + 65 * 2);
  qt.forEach((t, i) => out.push(i, ...ZZ.map((z) => t[z]!)));
  const nc = gray ? 1 : 3;
  if (o.progressive && ((sampling !== "444" && !gray) || o.restartInterval)) throw new Error("progressive: 4:4:4 or grey, without restart markers");
  word(o.progressive ? 0xffc2 : 0xffc0);
  word(8 + 3 * nc);
  out.push(8);
  word(height);
  word(width);
  out.push(nc);
  out.push(1, (hs << 4) | vs, 0);
  if (!gray) out.push(2, 0x11, 1, 3, 0x11, 1);
  for (const [cls, counts, symbols] of [
    [0x00, DC_COUNTS, DC_SYMBOLS],
    [0x10, AC_COUNTS, AC_SYMBOLS],
    [0x01, DC_COUNTS, DC_SYMBOLS],
    [0x11, AC_COUNTS, AC_SYMBOLS],
  ] as const) {
    if (gray && cls & 1) continue;
    word(0xffc4);
    word(2 + 17 + symbols.length);
    out.push(cls, ...counts, ...symbols);
  }
  if (o.restartInterval) {
    word(0xffdd);
    word(4);
    word(o.restartInterval);
  }
  const components = gray ? [0] : [0, 1, 2];
  type Scan = { components: number[]; dc: boolean; ac: boolean };
  const scans: Scan[] = o.progressive
    ? [{ components, dc: true, ac: false }, ...components.map((c) => ({ components: [c], dc: false, ac: true }))]
    : [{ components, dc: true, ac: true }];
  let scan = scans[0]!;
  const sos = () => {
    word(0xffda);
    word(6 + 2 * scan.components.length);
    out.push(scan.components.length);
    for (const c of scan.components) out.push(c + 1, c === 0 ? 0x00 : 0x11);
    out.push(scan.dc ? 0 : 1, scan.ac ? 63 : 0, 0);
  };

  // Entropy-coded data.
  let acc = 0;
  let nacc = 0;
  const put = (bits: number, n: number) => {
    for (let i = n - 1; i >= 0; i--) {
      acc = (acc << 1) | ((bits >> i) & 1);
      if (++nacc === 8) {
        out.push(acc);
        if (acc === 0xff) out.push(0);
        acc = 0;
        nacc = 0;
      }
    }
  };
  const flush = () => {
    if (nacc > 0) put((1 << (8 - nacc)) - 1, 8 - nacc);
  };
  const mcuW = 8 * (gray ? 1 : hs);
  const mcuH = 8 * (gray ? 1 : vs);
  const mcusX = Math.ceil(width / mcuW);
  const mcusY = Math.ceil(height / mcuH);
  const pred = [0, 0, 0];
  const block = new Float64Array(64);
  const tmp = new Float64Array(64);
  const encodeBlock = (c: number, sample: (x: number, y: number) => number) => {
    if (!scan.components.includes(c)) return;
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) block[y * 8 + x] = sample(x, y) - 128;
    // Separable DCT-II: rows, then columns.
    for (let y = 0; y < 8; y++)
      for (let u = 0; u < 8; u++) {
        let s = 0;
        for (let x = 0; x < 8; x++) s += block[y * 8 + x]! * COS8[x * 8 + u]!;
        tmp[y * 8 + u] = s / 2;
      }
    const t = qt[c === 0 ? 0 : 1]!;
    const coef = new Array<number>(64);
    for (let v = 0; v < 8; v++)
      for (let u = 0; u < 8; u++) {
        let s = 0;
        for (let y = 0; y < 8; y++) s += tmp[y * 8 + u]! * COS8[y * 8 + v]!;
        coef[v * 8 + u] = Math.round(s / 2 / t[v * 8 + u]!);
      }
    const zz = ZZ.map((z) => coef[z]!);
    const bits = (v: number) => (v === 0 ? 0 : 32 - Math.clz32(Math.abs(v)));
    const diff = zz[0]! - pred[c]!;
    pred[c] = zz[0]!;
    const dcat = bits(diff);
    if (scan.dc) {
      put(...DC_CODES.get(dcat)!);
      if (dcat) put(diff < 0 ? diff - 1 + (1 << dcat) : diff, dcat);
    }
    if (!scan.ac) return;
    let run = 0;
    for (let k = 1; k < 64; k++) {
      const v = zz[k]!;
      if (v === 0) {
        run++;
        continue;
      }
      while (run > 15) {
        put(...AC_CODES.get(0xf0)!);
        run -= 16;
      }
      const cat = bits(v);
      put(...AC_CODES.get((run << 4) | cat)!);
      put(v < 0 ? v - 1 + (1 << cat) : v, cat);
      run = 0;
    }
    if (run > 0) put(...AC_CODES.get(0x00)!);
  };
  // One MCU row of Y/Cb/Cr samples at a time (edge pixels repeated past the picture).
  const rowY = new Float64Array(mcuW * mcusX * mcuH);
  const rowCb = new Float64Array(rowY.length);
  const rowCr = new Float64Array(rowY.length);
  const rw = mcuW * mcusX;
  for (scan of scans) {
    sos();
    pred.fill(0);
    let mcu = 0;
    for (let my = 0; my < mcusY; my++) {
      for (let yy = 0; yy < mcuH; yy++) {
        const y = Math.min(height - 1, my * mcuH + yy);
        for (let xx = 0; xx < rw; xx++) {
          const [r, g, b] = px(Math.min(width - 1, xx), y);
          const i = yy * rw + xx;
          rowY[i] = 0.299 * r + 0.587 * g + 0.114 * b;
          rowCb[i] = -0.168736 * r - 0.331264 * g + 0.5 * b + 128;
          rowCr[i] = 0.5 * r - 0.418688 * g - 0.081312 * b + 128;
        }
      }
      for (let mx = 0; mx < mcusX; mx++) {
        if (o.restartInterval && mcu > 0 && mcu % o.restartInterval === 0) {
          flush();
          out.push(0xff, 0xd0 + ((mcu / o.restartInterval - 1) & 7));
          pred.fill(0);
        }
        mcu++;
        for (let by = 0; by < (gray ? 1 : vs); by++)
          for (let bx = 0; bx < (gray ? 1 : hs); bx++) encodeBlock(0, (x, y) => rowY[(by * 8 + y) * rw + mx * mcuW + bx * 8 + x]!);
        if (!gray) {
          // Chroma: the mean of each hs×vs cell.
          for (const [c, plane] of [
            [1, rowCb],
            [2, rowCr],
          ] as const) {
            encodeBlock(c, (x, y) => {
              let s = 0;
              for (let dy = 0; dy < vs; dy++) for (let dx = 0; dx < hs; dx++) s += plane[(y * vs + dy) * rw + mx * mcuW + x * hs + dx]!;
              return s / (hs * vs);
            });
          }
        }
      }
    }
    flush();
  }
  word(0xffd9);
  return Uint8Array.from(out);
}
