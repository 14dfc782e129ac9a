/**
 * A PNG's header: its chunks walked once (CRCs, order, IHDR, palette, transparency, EXIF
 * orientation), checked against the limits, and the chunk data the decoders need kept as views
 * (PngLayout), so neither decoder walks the chunks again.
 */
import { ascii, u32be } from "../bytes";
import { crc32 } from "../crc32";
import { corrupt, truncated, unreadable } from "../errors";
import { exifChunkOrientation } from "../exif";
import { headerOf, type ImageHeader, type PngLayout } from "../image-info";
import { checkWhole, DECODE_COST, IMAGE_LIMITS, WHOLE_KINDS } from "../limits";

const PNG_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const PNG_KNOWN_CRITICAL = new Set(["IHDR", "PLTE", "IDAT", "IEND"]);

export function parsePng(b: Uint8Array): ImageHeader {
  const len = b.length;
  let pos = 8;
  let ihdr: { width: number; height: number; depth: number; colorType: number; interlaced: boolean } | null = null;
  let orientation = 1;
  let palette: Uint8Array | null = null;
  let trns: Uint8Array | null = null;
  let iccp: Uint8Array | null = null;
  const idats: Uint8Array[] = [];
  let idatState: "before" | "in" | "after" = "before";
  let sawEnd = false;

  while (pos < len) {
    if (pos + 12 > len) throw truncated("PNG");
    const size = u32be(b, pos);
    const type = ascii(b, pos + 4, 4);
    if (size > 0x7fffffff) throw corrupt("PNG", "a chunk with an impossible length");
    if (!/^[A-Za-z]{4}$/.test(type)) throw corrupt("PNG", "an invalid chunk");
    const data = pos + 8;
    const end = data + size;
    if (end + 4 > len) throw truncated("PNG");
    if (crc32(b, pos + 4, end) !== u32be(b, end)) throw corrupt("PNG", `a checksum error in its ${type} chunk`);

    if (!ihdr && type !== "IHDR") throw corrupt("PNG", "no header chunk");
    if (idatState === "in" && type !== "IDAT") idatState = "after";

    switch (type) {
      case "IHDR": {
        if (ihdr) throw corrupt("PNG", "two header chunks");
        if (size !== 13) throw corrupt("PNG", "a header chunk of the wrong length");
        const width = u32be(b, data);
        const height = u32be(b, data + 4);
        const depth = b[data + 8]!;
        const colorType = b[data + 9]!;
        if (!PNG_DEPTHS[colorType]?.includes(depth)) throw corrupt("PNG", `an invalid combination of colour type ${colorType} and bit depth ${depth}`);
        if (b[data + 10] !== 0 || b[data + 11] !== 0 || b[data + 12]! > 1) throw corrupt("PNG", "an unknown compression, filter or interlace method");
        if (width > 0x7fffffff || height > 0x7fffffff) throw corrupt("PNG", "impossible dimensions");
        ihdr = { width, height, depth, colorType, interlaced: b[data + 12] === 1 };
        if (ihdr.interlaced)
          checkWhole(
            "png",
            width,
            height,
            len,
            depth === 16 ? DECODE_COST.png16 : DECODE_COST.standard,
            depth === 16 ? WHOLE_KINDS.png16Interlaced : WHOLE_KINDS.pngInterlaced,
          );
        else
          checkWhole(
            "png",
            width,
            height,
            len,
            DECODE_COST.standard,
            depth === 16 ? WHOLE_KINDS.png16 : WHOLE_KINDS.png,
            pngPixelLimit(colorType, depth),
            IMAGE_LIMITS.png,
          );
        break;
      }
      case "PLTE":
        if (idatState !== "before") throw corrupt("PNG", "a palette after the image data");
        if (size === 0 || size % 3 !== 0 || size > 768) throw corrupt("PNG", "an invalid palette");
        palette = b.subarray(data, end);
        break;
      case "tRNS":
        if (idatState !== "before") throw corrupt("PNG", "transparency data after the image data");
        trns = b.subarray(data, end);
        break;
      case "iCCP":
        // Only one before the image data counts (as the PNG spec orders), the first if there are more.
        if (idatState === "before" && iccp === null) iccp = b.subarray(data, end);
        break;
      case "eXIf":
        // Browsers honour the orientation only when the eXIf chunk precedes the image data.
        if (idatState === "before" && orientation === 1) orientation = exifChunkOrientation(b, data, end);
        break;
      case "IDAT":
        if (idatState === "after") throw corrupt("PNG", "image data split by other chunks");
        if (idatState === "before") {
          if (ihdr!.colorType === 3 && !palette) throw corrupt("PNG", "no palette");
          if (size >= 2) {
            const cmf = b[data]!;
            const flg = b[data + 1]!;
            if ((cmf & 0x0f) !== 8 || ((cmf << 8) | flg) % 31 !== 0) throw corrupt("PNG", "invalid compressed image data");
          }
        }
        idats.push(b.subarray(data, end));
        idatState = "in";
        break;
      case "IEND":
        sawEnd = true;
        break;
      default:
        // Uppercase first letter = critical: the decoder must understand it (Apple's CgBI is one).
        if (type.charCodeAt(0) < 0x61 && !PNG_KNOWN_CRITICAL.has(type)) {
          throw unreadable(
            `This PNG uses a non-standard variant (chunk ${type}, e.g. an Apple-optimized PNG) that we cannot read. Open it in a photo editor, save it again as PNG or JPEG, and upload it again.`,
            {
              reason: "unsupported_variant",
            },
          );
        }
    }
    pos = end + 4;
    if (sawEnd) break;
  }
  if (!ihdr) throw truncated("PNG");
  if (idatState === "before") throw sawEnd ? corrupt("PNG", "no image data") : truncated("PNG");
  if (!sawEnd) throw truncated("PNG");
  const hasAlpha = ihdr.colorType === 4 || ihdr.colorType === 6 || trns !== null;
  const layout: PngLayout = { depth: ihdr.depth, colorType: ihdr.colorType, interlaced: ihdr.interlaced, palette, trns, iccp, idats };
  return headerOf(
    "png",
    ihdr.width,
    ihdr.height,
    orientation,
    hasAlpha,
    ihdr.depth === 16 ? DECODE_COST.png16 : DECODE_COST.standard,
    ihdr.interlaced ? "photon" : "png",
    layout,
  );
}

/** Samples a pixel per colour type. */
export const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * A non-interlaced PNG is inflated whole into the JS heap (then decoded row by row): its image
 * data may take at most PNG_RAW_LIMIT (4 MP of 8-bit RGBA), so 16-bit pictures get fewer pixels.
 */
export const PNG_RAW_LIMIT = 16 * 1024 * 1024;
function pngPixelLimit(colorType: number, depth: number): number {
  const bytesPerPixel = ((PNG_CHANNELS[colorType] ?? 4) * depth) / 8;
  return Math.min(IMAGE_LIMITS.png.maxPixels, Math.floor(PNG_RAW_LIMIT / bytesPerPixel / 1000) * 1000);
}
