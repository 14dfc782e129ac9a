/** What a header tells about a picture: the facts the pipeline decides by (pure, types and one constructor). */
import type { ImageType } from "./sniff";

/** `width`/`height` are as displayed, i.e. after the EXIF orientation is applied. */
export type ImageInfo = { type: ImageType; width: number; height: number; orientation: number };

/** Everything the header tells, for the pipeline (the public ImageInfo is a subset). */
export type ImageHeader = ImageInfo & {
  /** Dimensions as stored in the file (before orientation). */
  storedWidth: number;
  storedHeight: number;
  /** Whether the picture may have transparent pixels (flattened onto white). */
  hasAlpha: boolean;
  /** Peak bytes of WASM memory the decoder needs per pixel (see DECODE_COST); photon only. */
  decodeBytesPerPixel: number;
  /**
   * "baseline-jpeg": the streaming JS decoder (IMAGE_LIMITS); "png": a non-interlaced PNG, inflated
   * and decoded row by row in JS (IMAGE_LIMITS.png); "photon": decoded whole by photon
   * (IMAGE_LIMITS.whole).
   */
  decoder: "baseline-jpeg" | "png" | "photon";
  /** PNGs: what the one walk over the chunks found, so the decoders never walk them again. */
  png?: PngLayout;
};

/** A PNG's IHDR facts and its PLTE, tRNS, iCCP and IDAT chunk data (views of the file, no copies). */
export type PngLayout = {
  depth: number;
  colorType: number;
  interlaced: boolean;
  palette: Uint8Array | null;
  trns: Uint8Array | null;
  /** The first iCCP chunk before the image data (the embedded colour profile: icc.ts). */
  iccp: Uint8Array | null;
  idats: Uint8Array[];
};

/** An ImageHeader from the stored size; width/height are turned by the orientation. */
export function headerOf(
  type: ImageType,
  storedWidth: number,
  storedHeight: number,
  orientation: number,
  hasAlpha: boolean,
  bpp: number,
  decoder: ImageHeader["decoder"] = "photon",
  png?: PngLayout,
): ImageHeader {
  const swap = orientation >= 5;
  return {
    type,
    width: swap ? storedHeight : storedWidth,
    height: swap ? storedWidth : storedHeight,
    orientation,
    storedWidth,
    storedHeight,
    hasAlpha,
    decodeBytesPerPixel: bpp,
    decoder,
    ...(png ? { png } : {}),
  };
}
