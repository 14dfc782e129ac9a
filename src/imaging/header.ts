/**
 * Type, dimensions, EXIF orientation and structure from the bytes, and the limits, before
 * anything is decoded: cheap enough to run on every upload (pure; nothing here touches photon).
 * It also decides the decoder (ImageHeader.decoder), since the limits depend on it.
 */
import { ImagingError, unreadable } from "./errors";
import type { ImageHeader, ImageInfo } from "./image-info";
import { parseJpeg } from "./jpeg/header";
import { checkFileBytes } from "./limits";
import { parsePng } from "./png/header";
import { ACCEPTED_TYPES, sniffImageType } from "./sniff";
import { parseWebp } from "./webp/header";

/**
 * Sniffs the type, reads dimensions and EXIF orientation from the header, checks the file's
 * structure and the limits. Throws the ImagingErrors listed in errors.ts (not image_service_busy).
 */
export function inspectImage(bytes: Uint8Array): ImageInfo {
  const h = readImageHeader(bytes);
  return { type: h.type, width: h.width, height: h.height, orientation: h.orientation };
}

/** inspectImage with the extra facts the pipeline needs. */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length === 0) throw unreadable("The file is empty (0 bytes). Upload the photo again.", { reason: "empty" });
  const sniffed = sniffImageType(bytes);
  if (sniffed.kind === "other") throw new ImagingError("unsupported_type", sniffed.message, { detected_type: sniffed.name, accepted: ACCEPTED_TYPES });
  checkFileBytes(bytes.length);
  return sniffed.kind === "jpeg" ? parseJpeg(bytes) : sniffed.kind === "png" ? parsePng(bytes) : parseWebp(bytes);
}
