/**
 * The only module that touches photon (WebAssembly): it decodes what the JS decoders do not (WebP,
 * progressive or CMYK JPEG, interlaced PNG) whole into WASM memory, which never shrinks once grown,
 * and keeps the account of what its panics leaked. The decoded pixels are read in place (a view of
 * WASM memory, no copy) into the pipeline's planes.
 */
import { initPhoton, PhotonImage } from "@cf-wasm/photon";
import { COLOUR_WASM_BUDGET } from "./colour";
import { ImagingError, unreadable } from "./errors";
import type { ImageHeader } from "./image-info";
import { decodeMemoryEstimate } from "./limits";
import type { Planes } from "./planes";
import { KIND_NAMES } from "./sniff";
import { RowPlanes } from "./ycbcr";

/**
 * What all the WebAssembly memory of an isolate may reach: photon's and LittleCMS's together,
 * since one isolate can hold both and neither ever shrinks.
 *   photon: ~1.3 MB at start + its worst decode at the limits (IMAGE_LIMITS.whole: 3 MP, the
 *     file, ≤ 6 MB, copied in too) = 50.6 MB measured (a progressive JPEG in workerd,
 *     test/imaging.test.ts "memory"; 49.5–50.2 MB for progressive JPEG and interlaced PNG in
 *     bench/memory.mjs). Estimate: 6 MB + 3 MP × DECODE_COST.standard ≈ 6 + 44 MB.
 *   LittleCMS: at most COLOUR_WASM_BUDGET = 20 MB (16.0–16.3 MB measured), only in isolates that
 *     have seen a photo with a non-sRGB profile.
 *   50.6 + 20 = 70.6 MB ≤ 72 MB. (At the former limits, 4 MP and 8 MB, photon alone reached
 *   67.2 MB, and 83.2 MB with LittleCMS; at 3 MP with 8 MB files, 52.6 MB: 0.6 MB over with
 *   LittleCMS's cap, hence the 6 MB byte limit.)
 * Standard JPEGs (of any accepted size) and non-interlaced PNGs add nothing to it. The JS heap
 * holds at worst the upload (20 MB) and ~3 MB of buffers (JPEG), or the upload (8 MB) and its
 * inflated image data (≤ 16 MB, PNG): with the app, this leaves 20+ MB of the 128 MB isolate even
 * with both WASM memories grown to their limits.
 */
export const WASM_MEMORY_BUDGET = 72 * 1024 * 1024;

/**
 * photon's WASM memory before any work (measured: 1.3 MB). A decoder panic frees nothing it had
 * allocated, so each one leaks up to that decode's memory for the life of the isolate. Past this
 * hard limit (leaks + the next decode) the isolate refuses photos that photon would decode with
 * image_service_busy (retryable: 503) rather than risk the 128 MB limit; other isolates carry on. Files are checked
 * before decoding so that panics are rare (only entropy-coded data damaged in ways the header
 * cannot show).
 */
const WASM_BASE = 1.5 * 1024 * 1024;
// photon's share of the budget (what LittleCMS may not take) plus 16 MB of leaks: with LittleCMS
// at its cap, an isolate's WASM memory stays under 88 MB even after panics.
const WASM_HARD_LIMIT = WASM_MEMORY_BUDGET - COLOUR_WASM_BUDGET + 16 * 1024 * 1024;
let leakedByPanics = 0;
let photonMemory: WebAssembly.Memory | undefined;
void initPhoton.ensure().then((out) => {
  photonMemory = out.memory;
});

/** For tests: pretend decoder panics have leaked this many bytes (0 resets). */
export function setLeakedBytesForTests(bytes: number) {
  leakedByPanics = bytes;
}

/** Bytes of the photon WASM instance's linear memory (it only ever grows); for logs and tests. */
export async function wasmMemoryBytes(): Promise<number> {
  const out = await initPhoton.ensure();
  return out.memory.buffer.byteLength;
}

/** Decodes the whole picture with photon into `full` (resampled and turned as the rows are read). */
export function decodeWithPhoton(bytes: Uint8Array, header: ImageHeader, full: Planes) {
  const decoded = photonDecode(bytes, header);
  try {
    const w = decoded.get_width();
    const h = decoded.get_height();
    if (w !== header.storedWidth || h !== header.storedHeight) {
      throw unreadable(
        `This image's header says ${header.storedWidth}×${header.storedHeight} pixels but its picture is ${w}×${h}; the file is damaged. Save it again as JPEG or PNG and upload it again.`,
      );
    }
    // A view of the decoded pixels inside WASM memory (no copy). No photon call may happen while
    // it is in use: a memory growth would detach it.
    const pixels = decoded.get_image_data().data;
    if (pixels.length !== w * h * 4)
      throw unreadable("This image could not be decoded (unexpected pixel data). Save it again as JPEG or PNG and upload it again.");
    const rows = new RowPlanes(w, h, header.hasAlpha, header.orientation, full);
    for (let y = 0; y < h; y++) rows.push(pixels, y * w * 4, 4);
  } finally {
    decoded.free();
  }
}

function photonDecode(bytes: Uint8Array, header: ImageHeader): PhotonImage {
  const need = decodeMemoryEstimate(header, bytes.length);
  if (leakedByPanics > 0 && WASM_BASE + leakedByPanics + need > WASM_HARD_LIMIT) {
    console.error(JSON.stringify({ at: "imaging.refused_after_panics", leaked_bound: leakedByPanics, need, wasm_bytes: photonMemory?.buffer.byteLength }));
    throw new ImagingError("image_service_busy", "Photos cannot be processed on this server right now. Try again in a minute.", undefined, 60);
  }
  try {
    return PhotonImage.new_from_byteslice(bytes);
  } catch (err) {
    // photon panics (RuntimeError: unreachable) on anything its decoder rejects, leaking what it
    // had allocated: at most this decode's need, and never more than the memory beyond the base.
    const size = photonMemory?.buffer.byteLength ?? Infinity;
    leakedByPanics = Math.max(0, Math.min(leakedByPanics + need, size - WASM_BASE));
    console.warn(
      JSON.stringify({
        at: "imaging.decode_failed",
        type: header.type,
        bytes: bytes.length,
        error: String(err),
        leaked_bound: leakedByPanics,
        wasm_bytes: size,
      }),
    );
    throw unreadable(
      `This ${KIND_NAMES[header.type]} file is damaged and could not be decoded. Open it in a photo editor, save it again as JPEG or PNG, and upload it again.`,
      {
        reason: "decode_failed",
      },
    );
  }
}
