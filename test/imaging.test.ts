import { describe, expect, it } from "vitest";
import { ApiError, toApiError } from "../src/http/errors";
import { colourWasmBytes } from "../src/imaging/colour";
import { ImagingError } from "../src/imaging/errors";
import { inspectImage } from "../src/imaging/header";
import { decodeBaselineJpeg, planeSize, readBaselineJpeg, type BaselineJpeg } from "../src/imaging/jpeg/decoder";
import { IMAGE_LIMITS } from "../src/imaging/limits";
import { setLeakedBytesForTests, WASM_MEMORY_BUDGET, wasmMemoryBytes } from "../src/imaging/photon";
import { PHOTO_SIZES, processPortrait, type PhotoSize } from "../src/imaging/pipeline";
import { orientation } from "../src/imaging/geometry";
import { isWebp, orientationToApply, orientationTransform, orientedSize, SNIFF_BYTES } from "../src/web/lib/orientation";
import { cmykProfile, DISPLAY_P3, iccJpegPayloads, iccProfile } from "./helpers/icc";
import {
  BLACK,
  BLUE,
  commentSegment,
  concat,
  decodeJpeg,
  encodeBaselineJpeg,
  encodeJpeg,
  encodePng,
  exifSegment,
  exifTiff,
  FOREIGN_FILES,
  gradient,
  GRAY,
  GREEN,
  iccSegment,
  insertJpegSegments,
  jpegMarkers,
  jpegSegments,
  near,
  orientedJpeg,
  orientedPng,
  orientedWebp,
  PNG_SIGNATURE,
  pngChunk,
  portraitJpeg,
  portraitPng,
  portraitRaster,
  quadrants,
  raster,
  realFile,
  RED,
  segment,
  solid,
  WHITE,
  xmpSegment,
  YELLOW,
  zlib,
  type Color,
  type JpegScan,
  type Raster,
  type Sampling,
  withJpegScans,
} from "./helpers/images";

const MiB = 1024 * 1024;
const FUZZ_N = Number((import.meta as any).env?.VITE_FUZZ_N ?? 25);

/**
 * Runs fn and returns the ImagingError it throws as the API answers it (toApiError: status, code,
 * message, details, headers). Fails on success or on any other error, e.g. a WASM RuntimeError.
 */
function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ImagingError) return toApiError(err)!;
    throw new Error(`expected an ImagingError, got ${String(err)}`);
  }
  throw new Error("expected an ImagingError, but it succeeded");
}

function renditions(bytes: Uint8Array): Record<PhotoSize, Raster> & { info: ReturnType<typeof inspectImage>; raw: Record<PhotoSize, Uint8Array> } {
  const out = processPortrait(bytes);
  return {
    info: out.info,
    raw: out.renditions,
    thumb: decodeJpeg(out.renditions.thumb),
    card: decodeJpeg(out.renditions.card),
    full: decodeJpeg(out.renditions.full),
  };
}

/** The colors at the four corners, sampled `inset` (a fraction of the size) inside. */
function expectCorners(r: Raster, [tl, tr, bl, br]: Color[], inset = 0.1) {
  const x0 = r.width * inset,
    x1 = r.width * (1 - inset),
    y0 = r.height * inset,
    y1 = r.height * (1 - inset);
  const got = [
    [x0, y0],
    [x1, y0],
    [x0, y1],
    [x1, y1],
  ].map(([x, y], i) => near(r, x!, y!, [tl, tr, bl, br][i]!, 60));
  expect(got, `corners of ${r.width}×${r.height}`).toEqual([true, true, true, true]);
}

/** Replaces the width/height in a JPEG's frame header (the rest of the file is left as it is). */
function withJpegSize(jpeg: Uint8Array, width: number, height: number): Uint8Array {
  const out = jpeg.slice();
  const sof = jpegSegments(out).find((s) => s.marker >= 0xc0 && s.marker <= 0xc2)!;
  new DataView(out.buffer).setUint16(sof.start + 5, height);
  new DataView(out.buffer).setUint16(sof.start + 7, width);
  return out;
}

function ihdr(width: number, height: number, depth = 8, colorType = 2, interlace = 0): Uint8Array {
  const d = new Uint8Array(13);
  const dv = new DataView(d.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  d.set([depth, colorType, 0, 0, interlace], 8);
  return pngChunk("IHDR", d);
}

/** A PNG whose header claims width×height (its image data is a stub: only inspectImage is run on it). */
function pngHeaderOnly(width: number, height: number, depth = 8, colorType = 2, interlace = 0): Uint8Array {
  return concat([
    PNG_SIGNATURE,
    ihdr(width, height, depth, colorType, interlace),
    pngChunk("IDAT", Uint8Array.of(0x78, 0x9c, 3, 0, 0, 0, 0, 1)),
    pngChunk("IEND"),
  ]);
}

/** Pads a JPEG with comment segments (after SOI) up to about `total` bytes. */
function padJpeg(jpeg: Uint8Array, total: number): Uint8Array {
  const segments: Uint8Array[] = [];
  let size = jpeg.length;
  while (size + 4 < total) {
    const n = Math.min(65533, total - size - 4);
    segments.push(commentSegment("x".repeat(n)));
    size += n + 4;
  }
  return insertJpegSegments(jpeg, segments);
}

function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Memory first: WASM memory only grows, so these numbers are this file's peak.
describe("memory", () => {
  it("photon's costliest decode at the limits and LittleCMS together stay inside the WASM memory budget, and repeated work does not grow it", async () => {
    // photon's costliest decode (bench/memory.mjs): a progressive JPEG at the pixel limit, padded
    // to the byte limit (the file is copied into WASM memory too).
    const side = Math.floor(Math.sqrt(IMAGE_LIMITS.whole.maxPixels));
    const progressive = padJpeg(
      encodeBaselineJpeg(side, side, (x, y) => [x & 255, y & 255, (x * y) & 255], { sampling: "444", quality: 90, progressive: true }),
      IMAGE_LIMITS.whole.maxBytes - 16,
    );
    expect(progressive.length).toBeGreaterThan(IMAGE_LIMITS.whole.maxBytes - 70_000);
    expect(inspectImage(progressive)).toMatchObject({ width: side, height: side });
    // Photos with embedded profiles bring LittleCMS's own WASM memory into the same isolate.
    const p3 = insertJpegSegments(
      portraitJpeg(640, 800),
      iccJpegPayloads(iccProfile(DISPLAY_P3)).map((p) => segment(0xe2, p)),
    );
    const cmyk = insertJpegSegments(
      realFile("cmykJpeg"),
      iccJpegPayloads(cmykProfile()).map((p) => segment(0xe2, p)),
      false,
    );
    const plainPng = await portraitPng(640, 800);
    const wasmBytes = async () => (await wasmMemoryBytes()) + colourWasmBytes();
    const before = await wasmBytes();

    let t = Date.now();
    const out = processPortrait(progressive);
    const limitMs = Date.now() - t;
    const photonAfterLimit = await wasmMemoryBytes();
    expect(decodeJpeg(out.renditions.full)).toMatchObject({ width: 800, height: 800 });
    processPortrait(p3);
    processPortrait(cmyk);
    expect(colourWasmBytes()).toBeGreaterThan(0);
    const afterFirst = await wasmBytes();
    for (let i = 0; i < 3; i++) {
      processPortrait(progressive);
      processPortrait(p3);
      processPortrait(cmyk);
      processPortrait(portraitJpeg(640, 800));
      processPortrait(plainPng);
    }
    const after = await wasmBytes();
    t = Date.now();
    processPortrait(portraitJpeg(640, 800));
    const smallMs = Date.now() - t;
    console.log(
      JSON.stringify({
        at: "imaging memory",
        limit_image: `${side}x${side} progressive JPEG`,
        limit_image_bytes: progressive.length,
        wasm_mib_before: before / MiB,
        photon_mib_after_limit_image: photonAfterLimit / MiB,
        lcms_mib: colourWasmBytes() / MiB,
        wasm_mib_after_profiled: afterFirst / MiB,
        wasm_mib_after_all: after / MiB,
        budget_mib: WASM_MEMORY_BUDGET / MiB,
        ms_limit_image: limitMs,
        ms_640x800_jpeg: smallMs,
      }),
    );
    expect(afterFirst).toBeLessThanOrEqual(WASM_MEMORY_BUDGET);
    expect(after).toBeLessThanOrEqual(WASM_MEMORY_BUDGET);
    // Later images reuse the memory the first ones grew: no creep.
    expect(after - afterFirst).toBeLessThanOrEqual(8 * MiB);
  });

  it("standard JPEGs and PNGs use no WASM memory at all, up to the largest accepted JPEG (50 MP, 20 MB)", async () => {
    // 8160×6120 = 49.9 MP, padded with comments up to the byte limit.
    const w = 8160;
    const h = 6120;
    const jpeg = padJpeg(
      encodeBaselineJpeg(w, h, (x, y) => [(x >> 5) & 255, (y >> 5) & 255, 128 + ((x ^ y) & 31)], { sampling: "420", quality: 80 }),
      IMAGE_LIMITS.maxBytes - 16,
    );
    expect(jpeg.length).toBeLessThanOrEqual(IMAGE_LIMITS.maxBytes);
    expect(jpeg.length).toBeGreaterThan(IMAGE_LIMITS.maxBytes - 70_000);
    expect(inspectImage(jpeg)).toMatchObject({ width: w, height: h });
    const png = await portraitPng(1200, 1500);
    const before = await wasmMemoryBytes();
    const t = Date.now();
    const out = processPortrait(jpeg);
    const ms = Date.now() - t;
    processPortrait(png);
    expect(await wasmMemoryBytes()).toBe(before);
    expect(decodeJpeg(out.renditions.full)).toMatchObject({ width: 800, height: 600 });
    console.log(JSON.stringify({ at: "imaging largest baseline JPEG", size: `${w}x${h}`, bytes: jpeg.length, ms, wasm_mib: before / MiB }));
  });

  it("refuses an image past the limits before decoding it (no memory is spent)", async () => {
    const before = await wasmMemoryBytes();
    const progressive = withJpegSize(realFile("progressiveJpeg"), 3000, 4000);
    expect(apiError(() => processPortrait(progressive)).status).toBe(413);
    expect(apiError(() => processPortrait(withJpegSize(portraitJpeg(64, 80), 10000, 6000))).status).toBe(413);
    expect(apiError(() => processPortrait(pngHeaderOnly(3000, 4000))).status).toBe(413);
    expect(await wasmMemoryBytes()).toBe(before);
  });
});

describe("inspectImage: what the file is", () => {
  const refused: [string, RegExp, RegExp][] = [
    ["heic", /HEIC image \(iPhone format\)/, /Save it as JPEG or PNG/],
    ["avif", /AVIF image/, /Save it as JPEG or PNG/],
    ["gif", /GIF image/, /Save it as JPEG or PNG/],
    ["svg", /SVG drawing/, /Export it as JPEG or PNG/],
    ["pdf", /PDF document/, /as JPEG or PNG/],
    ["tiff", /TIFF image/, /Save it as JPEG or PNG/],
    ["bmp", /BMP \(Windows bitmap\)/, /Save it as JPEG or PNG/],
    ["zip", /ZIP archive/, /Unzip it/],
  ];
  for (const [name, message, advice] of refused) {
    it(`refuses ${name} with 415 unsupported_type naming it`, () => {
      const file = FOREIGN_FILES[name]!();
      for (const fn of [() => inspectImage(file), () => processPortrait(file)]) {
        const err = apiError(fn);
        expect(err.status).toBe(415);
        expect(err.code).toBe("unsupported_type");
        expect(err.message).toMatch(message);
        expect(err.message).toMatch(advice);
      }
    });
  }

  it("refuses random bytes, text and HTML as not an image", () => {
    const rnd = prng(7);
    const random = Uint8Array.from({ length: 2000 }, () => Math.floor(rnd() * 256));
    random[0] = 0x13;
    expect(apiError(() => processPortrait(random))).toMatchObject({ status: 415, code: "unsupported_type", message: expect.stringMatching(/not an image/) });
    const csv = new TextEncoder().encode("email,file\nann@school.org,ann.jpg\n");
    expect(apiError(() => inspectImage(csv))).toMatchObject({ status: 415, message: expect.stringMatching(/text file/) });
    const html = new TextEncoder().encode("<!DOCTYPE html><html><body>Not found</body></html>");
    expect(apiError(() => inspectImage(html))).toMatchObject({ status: 415, message: expect.stringMatching(/web page/) });
  });

  it("refuses an empty file with 422", () => {
    expect(apiError(() => processPortrait(new Uint8Array(0)))).toMatchObject({
      status: 422,
      code: "image_unreadable",
      message: expect.stringMatching(/empty/),
    });
  });

  it("reads type and size of JPEG (baseline, progressive, CMYK, gray), PNG and WebP from the header", () => {
    expect(inspectImage(portraitJpeg(300, 400))).toEqual({ type: "jpeg", width: 300, height: 400, orientation: 1 });
    for (const name of ["progressiveJpeg", "jpeg420", "cmykJpeg", "grayJpeg"] as const)
      expect(inspectImage(realFile(name))).toEqual({ type: "jpeg", width: 64, height: 80, orientation: 1 });
    for (const name of ["png16", "interlacedPng", "palettePng", "grayPng"] as const)
      expect(inspectImage(realFile(name))).toEqual({ type: "png", width: 64, height: 80, orientation: 1 });
    for (const name of ["lossyWebp", "losslessWebp", "alphaWebp", "alphaLosslessWebp"] as const)
      expect(inspectImage(realFile(name))).toEqual({ type: "webp", width: 64, height: 80, orientation: 1 });
  });

  it("reads the EXIF orientation in both byte orders and reports the displayed size", () => {
    const display = quadrants(40, 60);
    for (let o = 1; o <= 8; o++) {
      for (const littleEndian of [false, true]) {
        const info = inspectImage(orientedJpeg(display, o, { littleEndian }));
        expect(info).toEqual({ type: "jpeg", width: 40, height: 60, orientation: o });
      }
    }
    // An Exif segment that is not the first APP segment, and one with a GPS IFD, still count.
    const withOthers = insertJpegSegments(encodeJpeg(solid(30, 20, GRAY)), [iccSegment(), exifSegment({ orientation: 6, gps: true })]);
    expect(inspectImage(withOthers)).toEqual({ type: "jpeg", width: 20, height: 30, orientation: 6 });
  });

  it("ignores a malformed orientation rather than failing", () => {
    const bad = insertJpegSegments(encodeJpeg(solid(30, 20, GRAY)), [segment(0xe1, concat([new TextEncoder().encode("Exif\0\0MM\0*\xff\xff\xff\xff")]))]);
    expect(inspectImage(bad).orientation).toBe(1);
    expect(inspectImage(insertJpegSegments(encodeJpeg(solid(30, 20, GRAY)), [exifSegment({ orientation: 9 })])).orientation).toBe(1);
  });

  it("413 past the pixel limit, naming the image's size and the limit", () => {
    // Standard JPEGs: 50 megapixels (12 MP phone photos pass, as the 48 MP ones).
    expect(inspectImage(withJpegSize(portraitJpeg(64, 80), 3000, 4000))).toMatchObject({ width: 3000, height: 4000 });
    expect(inspectImage(withJpegSize(portraitJpeg(64, 80), 8064, 6048))).toMatchObject({ width: 8064, height: 6048 });
    const err = apiError(() => inspectImage(withJpegSize(portraitJpeg(64, 80), 10000, 6000)));
    expect(err).toMatchObject({ status: 413, code: "image_too_large" });
    expect(err.message).toContain("10000×6000");
    expect(err.message).toContain("60.0 megapixels");
    expect(err.message).toContain(`the limit is ${(IMAGE_LIMITS.maxPixels / 1e6).toFixed(1)} megapixels`);
    // Progressive JPEGs are decoded whole by photon: 3 MP, and the message says what to do.
    const progressive = apiError(() => inspectImage(withJpegSize(realFile("progressiveJpeg"), 4032, 3024)));
    expect(progressive).toMatchObject({ status: 413, code: "image_too_large" });
    expect(progressive.message).toContain("This photo is 4032×3024 pixels (12.19 megapixels); the limit for progressive JPEGs is 3.0 megapixels.");
    expect(progressive.message).toMatch(/Save it as a standard JPEG \(not progressive\), or at a smaller size/);
    const png = apiError(() => inspectImage(pngHeaderOnly(2100, 2000)));
    expect(png).toMatchObject({ status: 413, code: "image_too_large" });
    expect(png.message).toContain("2100×2000");
    expect(png.message).toMatch(/Save it as a JPEG, or at a smaller size/);
    // 16-bit PNGs need more memory to decode, so their limit is lower and says so: inflated in JS,
    // 16 MB of image data (2.8 MP of RGB, 2.1 MP of RGBA); interlaced ones, decoded by photon, 2.82 MP.
    const png16 = apiError(() => inspectImage(pngHeaderOnly(2000, 1950, 16)));
    expect(png16.message).toMatch(/for a 16-bit PNG is 2\.8 megapixels/);
    expect(apiError(() => inspectImage(pngHeaderOnly(1500, 1500, 16, 6))).message).toMatch(/for a 16-bit PNG is 2\.1 megapixels/);
    expect(apiError(() => inspectImage(pngHeaderOnly(2000, 1950, 16, 2, 1))).message).toMatch(/for an interlaced 16-bit PNG is 2\.82 megapixels/);
    expect(inspectImage(pngHeaderOnly(2000, 1950, 8, 6))).toMatchObject({ width: 2000, height: 1950 });
    const justOver = apiError(() => inspectImage(pngHeaderOnly(2001, 2000)));
    expect(justOver.message).toContain("This photo is 2001×2000 pixels (4,002,000 pixels); the limit for PNG images is 4.0 megapixels (4,000,000 pixels)");
    // Just under the limit passes the size check (the stub image data is not looked at by inspectImage).
    expect(inspectImage(pngHeaderOnly(2000, 2000))).toMatchObject({ width: 2000, height: 2000 });
    // The same picture interlaced is decoded by photon, whose limit (3 MP) leaves room in the WASM
    // budget for LittleCMS; PNGs decoded in JS keep their 4 MP.
    const interlaced = apiError(() => inspectImage(pngHeaderOnly(2000, 2000, 8, 2, 1)));
    expect(interlaced).toMatchObject({ status: 413, code: "image_too_large", details: { pixels: 4_000_000, max_pixels: 3_000_000 } });
    expect(interlaced.message).toContain("This photo is 2000×2000 pixels (4.0 megapixels); the limit for interlaced PNGs is 3.0 megapixels.");
    expect(inspectImage(pngHeaderOnly(1732, 1732, 8, 2, 1))).toMatchObject({ width: 1732, height: 1732 });
  });

  it("a progressive CMYK JPEG (the costliest to decode) has a lower pixel limit", () => {
    const cmyk = realFile("cmykJpeg");
    const sof = jpegSegments(cmyk).find((x) => x.marker === 0xc0)!;
    const progressive = withJpegSize(cmyk, 2000, 1700);
    progressive[sof.start + 1] = 0xc2;
    const err = apiError(() => inspectImage(progressive));
    expect(err).toMatchObject({ status: 413, code: "image_too_large" });
    expect(err.message).toMatch(/the limit for a progressive CMYK JPEG is 2\.38 megapixels/);
  });

  it("refuses an animated WebP with 415", () => {
    const webp = realFile("alphaWebp");
    expect(String.fromCharCode(...webp.subarray(12, 16))).toBe("VP8X");
    webp[20]! |= 0x02;
    expect(apiError(() => inspectImage(webp))).toMatchObject({ status: 415, code: "unsupported_type", message: expect.stringMatching(/animated WebP/) });
  });

  it("413 past the longest-side limit", () => {
    const err = apiError(() => inspectImage(withJpegSize(portraitJpeg(64, 80), IMAGE_LIMITS.maxSide + 1, 10)));
    expect(err).toMatchObject({ status: 413, code: "image_too_large" });
    expect(err.message).toContain(`the limit is ${IMAGE_LIMITS.maxSide} pixels on the longest side`);
    const png = apiError(() => inspectImage(pngHeaderOnly(IMAGE_LIMITS.png.maxSide + 1, 10)));
    expect(png).toMatchObject({ status: 413, code: "image_too_large" });
    expect(png.message).toContain(`the limit for PNG images is ${IMAGE_LIMITS.png.maxSide} pixels on the longest side`);
  });

  it("413 past the byte limit, naming the size and the limit", () => {
    const big = padJpeg(portraitJpeg(64, 80), IMAGE_LIMITS.maxBytes + 5000);
    const err = apiError(() => processPortrait(big));
    expect(err).toMatchObject({ status: 413, code: "image_too_large" });
    // Just past the limit, rounding would make both "20 MB": the exact numbers are given.
    expect(err.message).toContain(`This photo is ${big.length.toLocaleString("en-US")} bytes; the limit is 20 MB (20,971,520 bytes)`);
    expect(err.details).toMatchObject({ bytes: big.length, max_bytes: IMAGE_LIMITS.maxBytes });
    const huge = apiError(() => inspectImage(padJpeg(portraitJpeg(64, 80), 25.5 * MiB)));
    expect(huge.message).toMatch(/^This photo is 25\.5 MB; the limit is 20 MB\. /);
    // A standard JPEG of 12 MB is fine; a PNG (inflated whole) is limited to 8 MB, pictures photon
    // decodes (copied into WASM memory) to 6 MB.
    expect(inspectImage(padJpeg(portraitJpeg(64, 80), 12 * MiB))).toMatchObject({ width: 64, height: 80 });
    const png = concat([
      PNG_SIGNATURE,
      ihdr(64, 80),
      pngChunk("tEXt", new Uint8Array(9 * MiB)),
      pngChunk("IDAT", Uint8Array.of(0x78, 0x9c, 3, 0, 0, 0, 0, 1)),
      pngChunk("IEND"),
    ]);
    const pngErr = apiError(() => inspectImage(png));
    expect(pngErr).toMatchObject({ status: 413, code: "image_too_large", details: { bytes: png.length, max_bytes: IMAGE_LIMITS.png.maxBytes } });
    expect(pngErr.message).toMatch(/^This PNG file is 9 MB; the limit for PNG images is 8 MB\. Save it as a JPEG/);
    const pngOf7Mb = (interlace: number) =>
      concat([
        PNG_SIGNATURE,
        ihdr(64, 80, 8, 2, interlace),
        pngChunk("tEXt", new Uint8Array(7 * MiB)),
        pngChunk("IDAT", Uint8Array.of(0x78, 0x9c, 3, 0, 0, 0, 0, 1)),
        pngChunk("IEND"),
      ]);
    expect(inspectImage(pngOf7Mb(0))).toMatchObject({ width: 64, height: 80 });
    const interlacedErr = apiError(() => inspectImage(pngOf7Mb(1)));
    expect(interlacedErr).toMatchObject({ status: 413, code: "image_too_large", details: { max_bytes: IMAGE_LIMITS.whole.maxBytes } });
    expect(interlacedErr.message).toMatch(/^This PNG file is 7 MB; the limit for interlaced PNGs is 6 MB\. Save it as a JPEG/);
  });

  it("422 for zero dimensions", () => {
    expect(apiError(() => inspectImage(withJpegSize(portraitJpeg(64, 80), 0, 80)))).toMatchObject({ status: 422, code: "image_unreadable" });
    expect(apiError(() => inspectImage(pngHeaderOnly(0, 10)))).toMatchObject({ status: 422, code: "image_unreadable" });
  });
});

describe("damaged files never reach the decoder as a crash", () => {
  const isUnreadable = (fn: () => unknown) => expect(apiError(fn)).toMatchObject({ status: 422, code: "image_unreadable" });

  it("truncated JPEG (no end marker, cut scan data) → 422", () => {
    const jpeg = portraitJpeg(320, 400);
    for (const cut of [3, 20, 200, Math.floor(jpeg.length / 2), jpeg.length - 2]) isUnreadable(() => processPortrait(jpeg.subarray(0, cut)));
    isUnreadable(() => processPortrait(realFile("progressiveJpeg").subarray(0, 400)));
    const message = apiError(() => processPortrait(jpeg.subarray(0, jpeg.length / 2))).message;
    expect(message).toMatch(/incomplete/);
  });

  it("truncated or inconsistent PNG → 422", async () => {
    const png = await portraitPng(200, 250);
    for (const cut of [8, 20, 40, Math.floor(png.length / 2), png.length - 12, png.length - 1]) isUnreadable(() => processPortrait(png.subarray(0, cut)));
    // A flipped byte: the chunk checksum no longer matches.
    const flipped = png.slice();
    flipped[png.length - 40]! ^= 0x55;
    isUnreadable(() => processPortrait(flipped));
    // Chunk lengths that run past the end; a missing IHDR; IDAT missing.
    const runaway = png.slice();
    new DataView(runaway.buffer).setUint32(33, 0x7fff0000);
    isUnreadable(() => processPortrait(runaway));
    isUnreadable(() => processPortrait(concat([PNG_SIGNATURE, pngChunk("IEND")])));
    isUnreadable(() => processPortrait(concat([PNG_SIGNATURE, ihdr(10, 10), pngChunk("IEND")])));
    // Impossible colour type / bit depth.
    const idat = pngChunk("IDAT", await zlib(new Uint8Array(10)));
    isUnreadable(() => processPortrait(concat([PNG_SIGNATURE, ihdr(10, 10, 16, 3), idat, pngChunk("IEND")])));
  });

  it("PNG whose compressed data is broken but checksums are right → 422, without a decoder panic", async () => {
    const w = 600,
      h = 700;
    const raw = new Uint8Array((w * 3 + 1) * h).map((_, i) => (i % (w * 3 + 1) === 0 ? 0 : (i * 31) & 0xff));
    const z = await zlib(raw);
    const garbage = z.slice();
    for (let p = Math.floor(z.length * 0.5); p < z.length - 10; p++) garbage[p] = (p * 7919) & 0xff;
    const badFilter = raw.slice();
    badFilter[(w * 3 + 1) * 10] = 9;
    const before = await wasmMemoryBytes();
    for (const data of [garbage, z.subarray(0, z.length >> 1), await zlib(raw.subarray(0, raw.length - 100)), await zlib(badFilter)]) {
      isUnreadable(() => processPortrait(concat([PNG_SIGNATURE, ihdr(w, h), pngChunk("IDAT", data), pngChunk("IEND")])));
    }
    // photon never saw them: a panic would have leaked memory.
    expect(await wasmMemoryBytes()).toBe(before);
    // The same file, intact, is fine.
    expect(processPortrait(concat([PNG_SIGNATURE, ihdr(w, h), pngChunk("IDAT", z), pngChunk("IEND")])).info).toMatchObject({ width: w, height: h });
  });

  it("after decoder panics have leaked too much memory, refuses big photos with a retryable 503 (small ones, and anything photon does not decode, still work)", async () => {
    const interlaced = await encodePng(portraitRaster(1500, 1900), { colorType: 2, interlace: true });
    try {
      setLeakedBytesForTests(60 * MiB);
      const err = apiError(() => processPortrait(interlaced));
      expect(err).toMatchObject({ status: 503, code: "image_service_busy", headers: { "Retry-After": "60" } });
      expect(processPortrait(await encodePng(portraitRaster(320, 400), { colorType: 2, interlace: true })).info.width).toBe(320);
      // Standard JPEGs and PNGs are decoded in JS: no WASM memory, no 503.
      expect(processPortrait(portraitJpeg(1600, 2000)).info.width).toBe(1600);
      expect(processPortrait(await portraitPng(1600, 2000)).info.width).toBe(1600);
    } finally {
      setLeakedBytesForTests(0);
    }
  });

  // realFile("progressiveJpeg") is libjpeg's usual progression: DC of all three components at
  // Al = 1, then AC bands of each component, then the refinements (DC Ah = 1 → Al = 0 …).
  const damagedProgressive = (edit: (scans: JpegScan[]) => JpegScan[]) => withJpegScans(realFile("progressiveJpeg"), edit);
  /** Refused by the header check as damaged, before photon sees it (not its decode failure). */
  const refusedAsDamaged = (bytes: Uint8Array, what: RegExp) => {
    const err = apiError(() => processPortrait(bytes));
    expect(err).toMatchObject({ status: 422, code: "image_unreadable", details: { reason: "corrupt" } });
    expect(err.message).toMatch(what);
    expect(err.message).toMatch(/damaged/);
  };

  it("a progressive JPEG whose scans skip a bit (DC first scan at Al = 0, then refined from Ah = 1) → 422, not wrong colours", () => {
    // photon decodes this one without complaint, with every DC doubled: red comes out as (190, 64, 65).
    const bytes = damagedProgressive((scans) => scans.map((s, i) => (i === 0 ? { ...s, al: 0 } : s)));
    refusedAsDamaged(bytes, /progressive scans that do not fit together/);
    // The same file as it was is fine.
    expectCorners(renditions(realFile("progressiveJpeg")).full, [RED, GREEN, BLUE, YELLOW]);
  });

  it("progressive JPEGs whose scans do not fit the frame or each other → 422 before decoding", () => {
    // A component left out of the DC scan, whose AC scans then come first.
    refusedAsDamaged(
      damagedProgressive((scans) => scans.map((s, i) => (i === 0 ? { ...s, components: s.components.slice(0, 2) } : s))),
      /detail before/,
    );
    // Only the DC scan of two of the three components: the third has no image data at all.
    refusedAsDamaged(
      damagedProgressive((scans) => [{ ...scans[0]!, components: scans[0]!.components.slice(0, 2) }]),
      /without any image data/,
    );
    // The DC scan's components out of the frame's order (photon panics on it).
    refusedAsDamaged(
      damagedProgressive((scans) => scans.map((s, i) => (i === 0 ? { ...s, components: [s.components[0]!, s.components[2]!, s.components[1]!] } : s))),
      /out of order/,
    );
    // An AC band coded twice (the second AC scan of a component overlaps the first).
    refusedAsDamaged(
      damagedProgressive((scans) => scans.map((s, i) => (i === 4 ? { ...s, ss: 5 } : s))),
      /do not fit together/,
    );
    // A refinement of the AC coefficients that does not continue where the previous scan stopped.
    refusedAsDamaged(
      damagedProgressive((scans) => scans.map((s, i) => (i === 5 ? { ...s, ah: 3, al: 2 } : s))),
      /do not fit together/,
    );
    // AC scans moved to other bands, leaving coefficients 1…59 of a component never coded (their
    // data would be decoded into the wrong coefficients).
    refusedAsDamaged(
      damagedProgressive((scans) => scans.map((s, i) => (i === 3 || i === 8 ? { ...s, ss: 60 } : s))),
      /leave part of the picture out/,
    );
    // An AC scan of another component's data (the selector edited): that component's band is then coded twice.
    refusedAsDamaged(
      damagedProgressive((scans) => scans.map((s, i) => (i === 2 ? { ...s, components: [[scans[3]!.components[0]![0], s.components[0]![1]]] } : s))),
      /do not fit together/,
    );
  });

  it("truncated WebP or RIFF size mismatch → 422", () => {
    for (const name of ["lossyWebp", "losslessWebp", "alphaWebp"] as const) {
      const webp = realFile(name);
      for (const cut of [12, 20, 30, webp.length - 1]) isUnreadable(() => processPortrait(webp.subarray(0, cut)));
      const lying = webp.slice();
      new DataView(lying.buffer).setUint32(4, webp.length + 100, true);
      isUnreadable(() => processPortrait(lying));
    }
  });

  it("flipped and cut bytes anywhere give a result or an ImagingError, never a RuntimeError", async () => {
    const rnd = prng(42);
    const sources = [
      portraitJpeg(120, 150),
      realFile("progressiveJpeg"),
      await portraitPng(120, 150),
      realFile("palettePng"),
      realFile("lossyWebp"),
      realFile("losslessWebp"),
    ];
    let failures = 0;
    for (const src of sources) {
      for (let i = 0; i < FUZZ_N; i++) {
        const bad = src.slice(0, i % 5 === 0 ? Math.floor(rnd() * src.length) : src.length);
        for (let k = 0; k < 3; k++) bad[Math.floor(rnd() * bad.length)] = Math.floor(rnd() * 256);
        try {
          processPortrait(bad);
        } catch (err) {
          expect(err, String(err)).toBeInstanceOf(ImagingError);
          expect([413, 415, 422]).toContain(toApiError(err)!.status);
          failures++;
        }
      }
    }
    expect(failures).toBeGreaterThan(0);
  });
});

describe("processPortrait", () => {
  it("exports the sizes", () => {
    expect(PHOTO_SIZES).toEqual(["thumb", "card", "full"]);
  });

  // The displayed picture has red/green on top and blue/yellow below; each file stores it
  // transformed the other way and tagged, so only a pipeline applying the tag gets it right.
  for (let o = 1; o <= 8; o++) {
    it(`applies EXIF orientation ${o}`, () => {
      const display = quadrants(200, 300, RED, GREEN, BLUE, YELLOW);
      const r = renditions(orientedJpeg(display, o, { littleEndian: o % 2 === 0, gps: o === 6 }));
      expect(r.info).toEqual({ type: "jpeg", width: 200, height: 300, orientation: o });
      expect([r.full.width, r.full.height]).toEqual([200, 300]);
      expectCorners(r.full, [RED, GREEN, BLUE, YELLOW]);
      // The crops keep the same orientation (and the top of the picture).
      expectCorners(r.card, [RED, GREEN, BLUE, YELLOW]);
      expectCorners(r.thumb, [RED, GREEN, BLUE, YELLOW]);
    });
  }

  it("applies the orientation of a PNG eXIf chunk", async () => {
    const r = renditions(await orientedPng(quadrants(200, 300), 6));
    expect(r.info).toMatchObject({ width: 200, height: 300, orientation: 6 });
    expectCorners(r.full, [RED, GREEN, BLUE, YELLOW]);
  });

  it("applies the orientation of a WebP EXIF chunk as sharp (libvips) writes it", () => {
    const webp = realFile("exifWebp");
    const r = renditions(webp);
    expect(r.info).toEqual({ type: "webp", width: 64, height: 80, orientation: 6 });
    expectCorners(r.full, [RED, GREEN, BLUE, YELLOW]);
    expectCorners(r.card, [RED, GREEN, BLUE, YELLOW]);
    expectCorners(r.thumb, [RED, GREEN, BLUE, YELLOW], 0.15);
    // Without the VP8X flag that announces it, the EXIF chunk does not count (as for libwebp and libvips).
    const unflagged = webp.slice();
    unflagged[20]! &= ~0x08;
    expect(inspectImage(unflagged)).toEqual({ type: "webp", width: 80, height: 64, orientation: 1 });
  });

  // The stored picture is the 64×80 quadrants (red, green / blue, yellow); each orientation shows
  // its corners elsewhere (tl, tr, bl, br as displayed).
  const WEBP_CORNERS: Record<number, Color[]> = {
    2: [GREEN, RED, YELLOW, BLUE], // mirrored
    3: [YELLOW, BLUE, GREEN, RED], // turned 180°
    4: [BLUE, YELLOW, RED, GREEN], // flipped
    5: [RED, BLUE, GREEN, YELLOW], // transposed
    6: [BLUE, RED, YELLOW, GREEN], // turned 90° clockwise
    7: [YELLOW, GREEN, BLUE, RED], // transversed
    8: [GREEN, YELLOW, RED, BLUE], // turned 90° counter-clockwise
  };
  // (Orientation 1 changes nothing to see; the sharp-made file above checks that an unflagged chunk counts as 1.)
  for (let o = 2; o <= 8; o++) {
    it(`applies WebP EXIF orientation ${o} (lossy and lossless, with and without the "Exif" prefix)`, () => {
      const swap = o >= 5;
      for (const name of ["lossyWebp", "losslessWebp"] as const) {
        const r = renditions(orientedWebp(realFile(name), 64, 80, o, { exifPrefix: name === "lossyWebp" }));
        expect(r.info, name).toEqual({ type: "webp", width: swap ? 80 : 64, height: swap ? 64 : 80, orientation: o });
        expectCorners(r.full, WEBP_CORNERS[o]!);
      }
    });
  }

  // The admin page resizes large pictures before sending them, and Chromium ignores a WebP's EXIF
  // orientation: the page reads it with the server's parser and turns the picture itself (issue 9).
  it("the admin page reads a WebP's orientation with the server's parser, and draws each orientation as the server's geometry does", () => {
    for (let o = 1; o <= 8; o++) {
      for (const name of ["lossyWebp", "losslessWebp"] as const) {
        const webp = orientedWebp(realFile(name), 64, 80, o, { exifPrefix: name === "lossyWebp" });
        expect(orientationToApply(webp), `${name} ${o}`).toBe(o);
        expect(isWebp(webp.subarray(0, SNIFF_BYTES))).toBe(true);
      }
      // The browser applies a JPEG's and a PNG's orientation itself: the page must not do it twice.
      expect(orientationToApply(orientedJpeg(quadrants(40, 60), o))).toBe(1);
      // Every stored pixel lands where the server's resampler writes it (geometry.ts orientation()).
      const [sw, sh] = [3, 2];
      const [width, height] = orientedSize(o, sw, sh);
      const [a, b, c, d, e, f] = orientationTransform(o, width, height);
      const layout = orientation(o, sw, sh);
      for (let y = 0; y < sh; y++)
        for (let x = 0; x < sw; x++) {
          const X = Math.floor(a * (x + 0.5) + c * (y + 0.5) + e);
          const Y = Math.floor(b * (x + 0.5) + d * (y + 0.5) + f);
          expect(Y * width + X, `orientation ${o}, stored (${x}, ${y})`).toBe(layout.base + x * layout.col + y * layout.row);
        }
    }
    // Without the VP8X flag the EXIF chunk does not count, for the page as for the server.
    expect(orientationToApply(orientedWebp(realFile("lossyWebp"), 64, 80, 6, { flag: false }))).toBe(1);
    // A WebP the parser refuses is sent as it is (the server explains): no orientation applied.
    expect(orientationToApply(realFile("lossyWebp").subarray(0, 30))).toBe(1);
  });

  const sizes: [string, number, number, [number, number]][] = [
    ["portrait", 1200, 1500, [800, 1000]],
    ["tall portrait", 600, 1500, [400, 1000]],
    ["landscape", 1500, 1000, [800, 533]],
    ["square", 900, 900, [800, 800]],
    ["small (never upscaled)", 300, 200, [300, 200]],
    ["tiny", 7, 9, [7, 9]],
  ];
  for (const [name, w, h, full] of sizes) {
    it(`output sizes for a ${name} ${w}×${h} source`, () => {
      const out = processPortrait(portraitJpeg(w, h));
      const dims = Object.fromEntries(PHOTO_SIZES.map((s) => [s, ((r) => [r.width, r.height])(decodeJpeg(out.renditions[s]))]));
      expect(dims).toEqual({ thumb: [128, 128], card: [320, 400], full });
      expect(out.info).toEqual({ type: "jpeg", width: w, height: h, orientation: 1 });
    });
  }

  it("portrait crops keep the top of the picture (the face), with a little headroom", () => {
    // Red band on the top 20%, blue band on the bottom 20%, gray between.
    const tall = raster(400, 1200, (_, y) => (y < 240 ? RED : y >= 960 ? BLUE : GRAY));
    const r = renditions(encodeJpeg(tall));
    expect([r.full.width, r.full.height]).toEqual([333, 1000]);
    // The thumb starts inside the red band (a centered crop would show only gray)…
    expect(near(r.thumb, 64, 4, RED)).toBe(true);
    expect(near(r.thumb, 64, 120, GRAY)).toBe(true);
    // …but not at the very top: some of the band is cut as headroom. Red covers the top ~100/333 of the thumb.
    const redRows = Array.from({ length: 128 }, (_, y) => near(r.thumb, 64, y, RED)).filter(Boolean).length;
    expect(redRows).toBeGreaterThan(25);
    expect(redRows).toBeLessThan(60);
    expect(near(r.card, 160, 10, RED)).toBe(true);
    expect(near(r.card, 160, 395, BLUE)).toBe(false);
  });

  it("landscape crops are centered horizontally", () => {
    const wide = raster(1200, 400, (x) => (x < 400 ? RED : x < 800 ? GREEN : BLUE));
    const r = renditions(encodeJpeg(wide));
    expectCorners(r.thumb, [GREEN, GREEN, GREEN, GREEN]);
    expectCorners(r.card, [GREEN, GREEN, GREEN, GREEN]);
    expectCorners(r.full, [RED, BLUE, RED, BLUE]);
  });

  it("outputs carry no metadata at all (EXIF, GPS, XMP, ICC, comments)", () => {
    const input = insertJpegSegments(portraitJpeg(300, 400), [
      exifSegment({ orientation: 1, gps: true, make: "SecretCam" }),
      xmpSegment(),
      iccSegment(),
      commentSegment("student 123 home address"),
    ]);
    const text = (b: Uint8Array) => Array.from(b, (c) => String.fromCharCode(c)).join("");
    expect(text(input)).toContain("SecretCam");
    const out = processPortrait(input);
    for (const size of PHOTO_SIZES) {
      const bytes = out.renditions[size];
      const markers = jpegMarkers(bytes);
      const allowed = new Set([0xd8, 0xe0, 0xdb, 0xc0, 0xc1, 0xc2, 0xc4, 0xdd, 0xda, 0xd9]);
      expect(
        markers.filter((m) => !allowed.has(m)).map((m) => m.toString(16)),
        size,
      ).toEqual([]);
      expect(markers[0]).toBe(0xd8);
      expect(markers.at(-1)).toBe(0xd9);
      const app0 = jpegSegments(bytes).find((s) => s.marker === 0xe0);
      if (app0) expect(text(bytes.subarray(app0.start + 4, app0.start + 9))).toBe("JFIF\0");
      for (const needle of ["Exif", "SecretCam", "ICC_PROFILE", "acsp", "ns.adobe.com", "home address"]) expect(text(bytes)).not.toContain(needle);
    }
  });

  it("gives transparent pixels a white background, semi-transparent ones blended on white", async () => {
    const img = raster(100, 100, (x, y) => (y < 50 ? (x < 50 ? [255, 0, 0, 255] : [0, 0, 0, 0]) : x < 50 ? [0, 0, 0, 128] : [0, 0, 255, 0]));
    for (const bytes of [await encodePng(img, { colorType: 6 }), await encodePng(img, { colorType: 6, bitDepth: 16 })]) {
      const r = renditions(bytes);
      expect(near(r.full, 25, 25, RED, 30)).toBe(true);
      expect(near(r.full, 75, 25, WHITE, 10)).toBe(true);
      expect(near(r.full, 75, 75, WHITE, 10)).toBe(true);
      expect(near(r.full, 25, 75, [127, 127, 127], 12)).toBe(true);
    }
    // WebP with alpha (lossy + ALPH, and lossless): red top-left quadrant, the rest transparent.
    for (const name of ["alphaWebp", "alphaLosslessWebp"] as const) {
      const r = renditions(realFile(name));
      expectCorners(r.full, [RED, WHITE, WHITE, WHITE]);
    }
  });

  it("decodes WebP (lossy and lossless), progressive/CMYK/gray JPEG, 16-bit/palette/gray/interlaced PNG", () => {
    const gray = (c: Color): Color => {
      const v = Math.round(0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]);
      return [v, v, v];
    };
    for (const name of ["lossyWebp", "losslessWebp", "progressiveJpeg", "jpeg420", "cmykJpeg", "png16", "palettePng", "interlacedPng"] as const) {
      const r = renditions(realFile(name));
      expect(r.info, name).toMatchObject({ width: 64, height: 80 });
      expectCorners(r.full, [RED, GREEN, BLUE, YELLOW]);
      expectCorners(r.thumb, [RED, GREEN, BLUE, YELLOW], 0.15);
    }
    for (const name of ["grayJpeg", "grayPng"] as const) expectCorners(renditions(realFile(name)).full, [RED, GREEN, BLUE, YELLOW].map(gray));
  });

  it("PNG in every colour type decodes with the right colours", async () => {
    const src = quadrants(80, 100, RED, GREEN, BLUE, [255, 255, 255]);
    for (const colorType of [0, 2, 4, 6] as const) {
      for (const bitDepth of [8, 16] as const) {
        const r = renditions(await encodePng(src, { colorType, bitDepth }));
        const expected =
          colorType === 0 || colorType === 4
            ? [RED, GREEN, BLUE, WHITE]
                .map((c) => [Math.round(0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]), 0, 0] as Color)
                .map((c): Color => [c[0], c[0], c[0]])
            : [RED, GREEN, BLUE, WHITE];
        expectCorners(r.full, expected);
      }
    }
  });

  it("keeps a photo's look: full-size output of a portrait is close to the source, JPEG is compact", () => {
    const src = gradient(800, 1000);
    const out = processPortrait(encodeJpeg(src, 95));
    const full = decodeJpeg(out.renditions.full);
    let diff = 0;
    for (let i = 0; i < full.data.length; i += 4)
      diff += Math.abs(full.data[i]! - src.data[i]!) + Math.abs(full.data[i + 1]! - src.data[i + 1]!) + Math.abs(full.data[i + 2]! - src.data[i + 2]!);
    expect(diff / (800 * 1000 * 3)).toBeLessThan(3);
    const photo = processPortrait(portraitJpeg(1200, 1500));
    expect(photo.renditions.full.length).toBeLessThan(150_000);
    expect(photo.renditions.thumb.length).toBeLessThan(20_000);
  });

  it("a black-and-white picture stays neutral (no colour cast)", () => {
    const r = renditions(encodeJpeg(quadrants(300, 400, BLACK, WHITE, WHITE, BLACK)));
    expectCorners(r.card, [BLACK, WHITE, WHITE, BLACK]);
  });

  it("exifTiff helper builds what the parser reads (sanity of the fixtures)", () => {
    expect(exifTiff({ orientation: 3, littleEndian: true }).subarray(0, 2)).toEqual(Uint8Array.of(0x49, 0x49));
  });
});

// ---------------------------------------------------------------------------------------------
// Standard (baseline) JPEGs: the streaming decoder

/** Where stored pixel (sx, sy) of a sw×sh picture is displayed under EXIF orientation o. */
function displayedAt(o: number, sx: number, sy: number, sw: number, sh: number): [number, number] {
  switch (o) {
    case 2:
      return [sw - 1 - sx, sy];
    case 3:
      return [sw - 1 - sx, sh - 1 - sy];
    case 4:
      return [sx, sh - 1 - sy];
    case 5:
      return [sy, sx];
    case 6:
      return [sh - 1 - sy, sx];
    case 7:
      return [sh - 1 - sy, sw - 1 - sx];
    case 8:
      return [sy, sw - 1 - sx];
    default:
      return [sx, sy];
  }
}

/**
 * A photo-like W×H picture (as displayed): the four quadrants red, green / blue, yellow, shaded by
 * a gentle gradient, with fine texture (so the decoder and resampler have detail to get right).
 */
function quadrantPhoto(W: number, H: number) {
  const base = [RED, GREEN, BLUE, YELLOW];
  return (x: number, y: number): Color => {
    const q = base[(y < H / 2 ? 0 : 2) + (x < W / 2 ? 0 : 1)]!;
    const shade = 0.15;
    const g = [(255 * x) / W, (255 * y) / H, 128];
    const t = 6 * Math.sin(x / 3.1) * Math.sin(y / 4.7);
    return [0, 1, 2].map((c) => Math.max(0, Math.min(255, Math.round((1 - shade) * q[c]! + shade * g[c]! + t)))) as unknown as Color;
  };
}

/** Area-average resize of an RGBA raster (exact pixel coverage): the reference for colours. */
function areaResize(src: Raster, tw: number, th: number): Float64Array {
  const { width: w, height: h } = src;
  const sx = w / tw;
  const sy = h / th;
  const rows = new Float64Array(h * tw * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < tw; x++) {
      const a = x * sx;
      const b = a + sx;
      let r = 0,
        g = 0,
        bl = 0;
      for (let i = Math.floor(a); i < Math.min(w, Math.ceil(b)); i++) {
        const wt = Math.min(b, i + 1) - Math.max(a, i);
        const p = (y * w + i) * 4;
        r += src.data[p]! * wt;
        g += src.data[p + 1]! * wt;
        bl += src.data[p + 2]! * wt;
      }
      const o = (y * tw + x) * 3;
      rows[o] = r / sx;
      rows[o + 1] = g / sx;
      rows[o + 2] = bl / sx;
    }
  }
  const out = new Float64Array(tw * th * 3);
  for (let y = 0; y < th; y++) {
    const a = y * sy;
    const b = a + sy;
    for (let i = Math.floor(a); i < Math.min(h, Math.ceil(b)); i++) {
      const wt = (Math.min(b, i + 1) - Math.max(a, i)) / sy;
      for (let k = 0; k < tw * 3; k++) out[y * tw * 3 + k]! += rows[i * tw * 3 + k]! * wt;
    }
  }
  return out;
}

/** Mean absolute difference per channel between a decoded rendition and a reference (RGB floats). */
function meanAbsError(r: Raster, ref: Float64Array): number {
  let e = 0;
  for (let i = 0, p = 0; i < ref.length; i += 3, p += 4)
    e += Math.abs(r.data[p]! - ref[i]!) + Math.abs(r.data[p + 1]! - ref[i + 1]!) + Math.abs(r.data[p + 2]! - ref[i + 2]!);
  return e / ref.length;
}

describe("12 MP photos: standard JPEGs decoded at reduced scale, within the memory budget", () => {
  const cases: [string, number, number, Sampling, number, number][] = [
    // name, stored width × height, sampling, restart interval, EXIF orientation
    ["3000×4000 4:2:0", 3000, 4000, "420", 0, 1],
    ["4000×3000 4:2:2", 4000, 3000, "422", 0, 1],
    ["4032×3024 4:2:0 with restart markers, turned by EXIF orientation 6", 4032, 3024, "420", 63, 6],
  ];
  for (const [name, sw, sh, sampling, restartInterval, o] of cases) {
    it(`accepts a ${name} photo: right size, orientation and colours, no WASM memory`, async () => {
      const swap = o >= 5;
      const W = swap ? sh : sw;
      const H = swap ? sw : sh;
      const photo = quadrantPhoto(W, H);
      const stored = (x: number, y: number) => photo(...displayedAt(o, x, y, sw, sh));
      const segments = o === 1 ? [] : [exifSegment({ orientation: o })];
      const jpeg = encodeBaselineJpeg(sw, sh, stored, { sampling, restartInterval, quality: 92, segments });
      expect(inspectImage(jpeg)).toEqual({ type: "jpeg", width: W, height: H, orientation: o });

      const before = await wasmMemoryBytes();
      const t = Date.now();
      const r = renditions(jpeg);
      const ms = Date.now() - t;
      expect(await wasmMemoryBytes()).toBe(before);

      const full = W > H ? [800, Math.round((800 * H) / W)] : [Math.round((1000 * W) / H), 1000];
      expect([r.full.width, r.full.height]).toEqual(full);
      expect([r.card.width, r.card.height, r.thumb.width, r.thumb.height]).toEqual([320, 400, 128, 128]);
      expectCorners(r.full, [RED, GREEN, BLUE, YELLOW]);
      expectCorners(r.card, [RED, GREEN, BLUE, YELLOW]);
      expectCorners(r.thumb, [RED, GREEN, BLUE, YELLOW]);

      // Colours against jpeg-js's full-size decode of the same file, turned the same way and
      // area-averaged to the same size.
      const ref = decodeJpeg(jpeg);
      const upright = { width: W, height: H, data: new Uint8Array(W * H * 4) };
      for (let y = 0; y < sh; y++) {
        for (let x = 0; x < sw; x++) {
          const [dx, dy] = displayedAt(o, x, y, sw, sh);
          upright.data.set(ref.data.subarray((y * sw + x) * 4, (y * sw + x) * 4 + 4), (dy * W + dx) * 4);
        }
      }
      const expected = areaResize(upright, r.full.width, r.full.height);
      const mae = meanAbsError(r.full, expected);
      console.log(JSON.stringify({ at: "imaging 12 MP", name, jpeg_bytes: jpeg.length, ms, mae: +mae.toFixed(2), full: full.join("x") }));
      expect(mae).toBeLessThan(3);
    });
  }
});

describe("baseline JPEG decoder", () => {
  type Plane = { width: number; height: number; data: Uint8Array };
  /** The component planes of a JPEG decoded at scale n/8. */
  function decodePlanes(jpeg: Uint8Array, n: number): Plane[] {
    const j = readBaselineJpeg(jpeg, 65535) as BaselineJpeg;
    expect(j).not.toHaveProperty("unsupported");
    const out = j.components.map((_, c) => {
      const s = planeSize(j, c, n);
      return { ...s, data: new Uint8Array(s.width * s.height) };
    });
    decodeBaselineJpeg(
      jpeg,
      j,
      j.components.map(() => n),
      (c, row, off, y) => out[c]!.data.set(row.subarray(off, off + out[c]!.width), y * out[c]!.width),
    );
    return out;
  }
  const smooth =
    (W: number, H: number) =>
    (x: number, y: number): Color => [
      Math.round(40 + (170 * x) / W),
      Math.round(200 - (150 * y) / H),
      Math.round(128 + 90 * Math.sin(x / 6) * Math.cos(y / 9)),
    ];
  const sizes: [number, number][] = [
    [37, 53],
    [64, 80],
    [129, 67],
  ];
  const samplings: Sampling[] = ["444", "422", "420", "440", "gray"];

  it("at full scale, matches jpeg-js for every sampling and odd sizes; restart markers change nothing", () => {
    for (const sampling of samplings) {
      for (const [w, h] of sizes) {
        const jpeg = encodeBaselineJpeg(w, h, smooth(w, h), { sampling, quality: 90 });
        const [y] = decodePlanes(jpeg, 8);
        expect([y!.width, y!.height]).toEqual([w, h]);
        const ref = decodeJpeg(jpeg);
        let sum = 0;
        let max = 0;
        for (let i = 0; i < w * h; i++) {
          const e = Math.abs(y!.data[i]! - (0.299 * ref.data[4 * i]! + 0.587 * ref.data[4 * i + 1]! + 0.114 * ref.data[4 * i + 2]!));
          sum += e;
          max = Math.max(max, e);
        }
        expect(sum / (w * h), `${sampling} ${w}×${h}`).toBeLessThan(0.75);
        expect(max, `${sampling} ${w}×${h}`).toBeLessThan(4);
        for (const restartInterval of [1, 7]) {
          const withRestarts = decodePlanes(encodeBaselineJpeg(w, h, smooth(w, h), { sampling, quality: 90, restartInterval }), 8);
          expect(
            withRestarts.map((p) => p.data),
            `${sampling} ${w}×${h} restart ${restartInterval}`,
          ).toEqual(decodePlanes(jpeg, 8).map((p) => p.data));
        }
      }
    }
  });

  it("at 1/2, 1/4, 1/8 gives the exact box average of the full decode; at 3/8, 5/8, 6/8, 7/8 close to the area average", () => {
    for (const sampling of ["444", "420"] as const) {
      const [w, h] = [131, 97];
      const jpeg = encodeBaselineJpeg(w, h, smooth(w, h), { sampling, quality: 90, restartInterval: 5 });
      const full = decodePlanes(jpeg, 8);
      for (let n = 1; n < 8; n++) {
        const scaled = decodePlanes(jpeg, n);
        scaled.forEach((p, c) => {
          const f = full[c]!;
          const k = 8 / n;
          // Complete cells only (the last, partial blocks also average the encoder's edge padding).
          const cw = Math.floor(f.width / k);
          const ch = Math.floor(f.height / k);
          let sum = 0;
          let max = 0;
          for (let y = 0; y < ch; y++) {
            for (let x = 0; x < cw; x++) {
              let ref = 0;
              let area = 0;
              for (let sy = Math.floor(y * k); sy < Math.ceil((y + 1) * k); sy++) {
                for (let sx = Math.floor(x * k); sx < Math.ceil((x + 1) * k); sx++) {
                  const a = (Math.min((x + 1) * k, sx + 1) - Math.max(x * k, sx)) * (Math.min((y + 1) * k, sy + 1) - Math.max(y * k, sy));
                  ref += f.data[sy * f.width + sx]! * a;
                  area += a;
                }
              }
              const e = Math.abs(p.data[y * p.width + x]! - ref / area);
              sum += e;
              max = Math.max(max, e);
            }
          }
          const what = `${sampling} component ${c} at ${n}/8`;
          if (n === 1 || n === 2 || n === 4) expect(max, what).toBeLessThan(1.5);
          else expect(sum / (cw * ch), what).toBeLessThan(2.5);
        });
      }
    }
  });

  it("damaged entropy-coded data is a 422, found quickly", () => {
    const isDamaged = (bytes: Uint8Array) => {
      const t = Date.now();
      expect(apiError(() => processPortrait(bytes))).toMatchObject({ status: 422, code: "image_unreadable" });
      expect(Date.now() - t).toBeLessThan(2000);
    };
    const jpeg = encodeBaselineJpeg(96, 96, smooth(96, 96), { sampling: "420", restartInterval: 4 });
    const sos = jpegSegments(jpeg).find((s) => s.marker === 0xda)!;
    // The scan cut short (EOI right after half its data).
    isDamaged(concat([jpeg.subarray(0, sos.end + (jpeg.length - sos.end) / 2), Uint8Array.of(0xff, 0xd9)]));
    // A restart marker missing.
    const rst = jpeg.findIndex((b, i) => i > sos.end && b === 0xff && jpeg[i + 1] === 0xd1);
    isDamaged(concat([jpeg.subarray(0, rst), jpeg.subarray(rst + 2)]));
    // Codes no table has (all ones).
    isDamaged(concat([jpeg.subarray(0, sos.end), new Uint8Array(40).fill(0xfe), jpeg.subarray(sos.end + 40)]));
    // A frame far bigger than its data (a 3000×4000 header on a 96×96 scan): refused at the first MCU row.
    const big = jpeg.slice();
    const sof = jpegSegments(big).find((s) => s.marker === 0xc0)!;
    new DataView(big.buffer).setUint16(sof.start + 5, 4000);
    new DataView(big.buffer).setUint16(sof.start + 7, 3000);
    isDamaged(big);
  });

  it("decodes 4:2:0, 4:2:2, 4:4:0 and grey JPEGs through the whole pipeline with the right colours", () => {
    for (const sampling of samplings) {
      const jpeg = encodeBaselineJpeg(200, 300, (x, y) => [RED, GREEN, BLUE, YELLOW][(y < 150 ? 0 : 2) + (x < 100 ? 0 : 1)]!, {
        sampling,
        restartInterval: sampling === "420" ? 3 : 0,
      });
      const r = renditions(jpeg);
      const grey = (c: Color): Color => {
        const v = Math.round(0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]);
        return [v, v, v];
      };
      const colours = sampling === "gray" ? [RED, GREEN, BLUE, YELLOW].map(grey) : [RED, GREEN, BLUE, YELLOW];
      expectCorners(r.full, colours);
      expectCorners(r.card, colours);
      expectCorners(r.thumb, colours, 0.15);
    }
  });

  it("reads only baseline files; the others go to photon (or are refused) with the same header", () => {
    expect(readBaselineJpeg(realFile("progressiveJpeg"), 65535)).toEqual({ unsupported: "progressive" });
    expect(readBaselineJpeg(realFile("cmykJpeg"), 65535)).toEqual({ unsupported: "4 components" });
    expect(readBaselineJpeg(realFile("jpeg420"), 65535)).toMatchObject({ width: 64, height: 80, hmax: 2, vmax: 2 });
    expect(readBaselineJpeg(realFile("grayJpeg"), 65535)).toMatchObject({ width: 64, height: 80, scanOrder: [0] });
  });
});

// The measurements behind IMAGE_LIMITS and DECODE_COST, opt-in (they decode past the limits, up
// to 12 MP, which only works because miniflare does not enforce the 128 MB limit). WASM memory
// never shrinks, so run one at a time for clean numbers, e.g.:
//   for t in "jpeg 2000x2500" "png 3000x4000"; do VITE_PASSPIX_MEASURE=1 npx vitest run test/imaging.test.ts -t "memory curve $t\$"; done
const MEASURE = Boolean((import.meta as { env?: Record<string, string | undefined> }).env?.VITE_PASSPIX_MEASURE);
describe.skipIf(!MEASURE)("memory curve", () => {
  const kinds = { jpeg: "baseline JPEG 4:4:4", png: "PNG RGB 8-bit", rgba: "PNG RGBA 8-bit", png16: "PNG RGB 16-bit" } as const;
  for (const [w, h] of [
    [640, 800],
    [1200, 1500],
    [2000, 2500],
    [3000, 4000],
  ] as const) {
    for (const kind of Object.keys(kinds) as (keyof typeof kinds)[]) {
      it(`memory curve ${kind} ${w}x${h}`, async () => {
        const { PhotonImage } = await import("@cf-wasm/photon");
        const r = gradient(w, h);
        const bytes = kind === "jpeg" ? encodeJpeg(r, 85) : await encodePng(r, { colorType: kind === "rgba" ? 6 : 2, bitDepth: kind === "png16" ? 16 : 8 });
        const before = await wasmMemoryBytes();
        const t = Date.now();
        const img = PhotonImage.new_from_byteslice(bytes);
        const decodeMs = Date.now() - t;
        img.free();
        const after = await wasmMemoryBytes();
        console.log(
          JSON.stringify({
            kind: kinds[kind],
            size: `${w}x${h}`,
            file_bytes: bytes.length,
            wasm_mib: after / MiB,
            bytes_per_pixel: +((after - before) / (w * h)).toFixed(2),
            decode_ms: decodeMs,
          }),
        );
      });
    }
  }
});
