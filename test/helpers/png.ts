/**
 * PNG (and oriented WebP) fixtures: a tiny pure-JS PNG encoder (zlib through CompressionStream),
 * chunks, eXIf orientation. Re-exported by ./images, which tests import. The CRC and the Adam7
 * pass table are the production ones (src/imaging): one home for a spec constant; the real
 * ImageMagick-interlaced file in REAL_FILES still checks the table independently.
 */
import { crc32 } from "../../src/imaging/crc32";
import { ADAM7 } from "../../src/imaging/png/decoder";
import { ascii, concat, exifTiff, portraitRaster, storeForOrientation, type Raster } from "./images";

/** One PNG chunk: length, type, data, CRC. */
export function pngChunk(type: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
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

/** A PNG of the raster (filter 0 on every row, one IDAT). */
export async function encodePng(r: Raster, o: PngOptions = {}): Promise<Uint8Array> {
  const colorType = o.colorType ?? 6;
  const depth = o.bitDepth ?? 8;
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType];
  const bps = depth / 8;
  // The passes (one, or Adam7's seven): each a sub-picture of every dx-th pixel of every dy-th row.
  const passes = (o.interlace ? ADAM7 : [[0, 0, 1, 1] as [number, number, number, number]])
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
