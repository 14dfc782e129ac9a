import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { COLOUR_WASM_BUDGET, colourWasmBytes } from "../src/imaging/colour";
import { readEmbeddedProfile } from "../src/imaging/icc";
import { WASM_MEMORY_BUDGET, wasmMemoryBytes } from "../src/imaging/photon";
import { processPortrait } from "../src/imaging/pipeline";
import {
  ADOBE_RGB,
  cmykProfile,
  DISPLAY_P3,
  grayProfile,
  grayToSrgb,
  iccJpegPayloads,
  iccProfile,
  pressToSrgb,
  PROPHOTO,
  SRGB,
  toSrgb,
  type RgbSpace,
} from "./helpers/icc";
import {
  concat,
  decodeJpeg,
  encodeBaselineJpeg,
  encodeJpeg,
  encodePng,
  iccSegment,
  insertJpegSegments,
  pngChunk,
  quadrants,
  realFile,
  segment,
  zlib,
  type Color,
  type Raster,
} from "./helpers/images";

const MiB = 1024 * 1024;

/**
 * Flat patches (2×2 quadrants) of portrait colours: two skin tones, foliage, straw. In P3, Adobe
 * RGB and ProPhoto each lands more than 5 levels away from the same numbers read as sRGB, and
 * inside sRGB's gamut (so no clipping: JPEG's Y/Cb/Cr cannot hold colours at the gamut's edge
 * to within the tolerance).
 */
const PATCHES: readonly Color[] = [
  [170, 110, 90],
  [110, 140, 100],
  [150, 100, 80],
  [180, 170, 120],
];
const W = 400;
const H = 500;
/**
 * Tolerance per channel of a patch's mean: JPEG at quality 95 in, the pipeline's quality-84 4:2:0
 * out, 8-bit Y/Cb/Cr round trips on the way (measured: ≤ 1.5 on these patches).
 */
const TOLERANCE = 3;

const picture = (): Raster => quadrants(W, H, ...(PATCHES as [Color, Color, Color, Color]));

/** The mean colour of each quadrant of the served full rendition, away from the edges. */
function patchMeans(jpeg: Uint8Array): number[][] {
  const r = decodeJpeg(jpeg);
  expect(r).toMatchObject({ width: W, height: H });
  return [
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
  ].map(([qx, qy]) => {
    const sum = [0, 0, 0];
    let n = 0;
    for (let y = qy! * (H / 2) + 40; y < (qy! + 1) * (H / 2) - 40; y++)
      for (let x = qx! * (W / 2) + 40; x < (qx! + 1) * (W / 2) - 40; x++, n++) for (let c = 0; c < 3; c++) sum[c]! += r.data[(y * W + x) * 4 + c]!;
    return sum.map((s) => s / n);
  });
}

/** The served colours match the colour-managed reference, and the unconverted ones would not. */
function expectManaged(out: Uint8Array, space: RgbSpace) {
  const means = patchMeans(out);
  PATCHES.forEach((patch, i) => {
    const ref = toSrgb(space, patch);
    const got = means[i]!;
    for (let c = 0; c < 3; c++)
      expect(
        Math.abs(got[c]! - ref[c]!),
        `${space.name} patch ${patch} channel ${c}: got ${got.map((v) => v.toFixed(1))}, reference ${ref.map((v) => v.toFixed(1))}`,
      ).toBeLessThanOrEqual(TOLERANCE);
    // Reading the file's numbers as sRGB (what happened before) is off by more than the tolerance.
    expect(Math.max(...patch.map((v, c) => Math.abs(v - ref[c]!))), `${space.name} patch ${patch} would not tell`).toBeGreaterThan(TOLERANCE + 2);
  });
}

const jpegWith = (space: RgbSpace | null, parts = 1) =>
  insertJpegSegments(encodeJpeg(picture(), 95), space ? iccJpegPayloads(iccProfile(space), parts).map((p) => segment(0xe2, p)) : []);

async function pngWith(space: RgbSpace, interlace = false): Promise<Uint8Array> {
  const iccp = pngChunk("iCCP", concat([new TextEncoder().encode("ICC profile\0\0"), await zlib(iccProfile(space))]));
  return encodePng(picture(), { colorType: 2, interlace, before: [iccp] });
}

/** A lossless WebP of realFile's quadrants (red, green / blue, yellow) in an extended file carrying `profile`. */
function webpWith(profile: Uint8Array): Uint8Array {
  const vp8l = realFile("losslessWebp").subarray(12);
  const vp8x = new Uint8Array(18);
  vp8x.set(new TextEncoder().encode("VP8X"));
  vp8x[4] = 10;
  vp8x[8] = 0x20; // ICC profile flag
  vp8x[12] = 63; // canvas 64 × 80 (minus one, 24-bit little-endian)
  vp8x[15] = 79;
  const iccp = new Uint8Array(8 + profile.length + (profile.length & 1));
  iccp.set(new TextEncoder().encode("ICCP"));
  new DataView(iccp.buffer).setUint32(4, profile.length, true);
  iccp.set(profile, 8);
  const body = concat([new TextEncoder().encode("WEBP"), vp8x, iccp, vp8l]);
  const riff = new Uint8Array(8);
  riff.set(new TextEncoder().encode("RIFF"));
  new DataView(riff.buffer).setUint32(4, body.length, true);
  return concat([riff, body]);
}

afterEach(() => vi.restoreAllMocks());

describe("colour profiles", () => {
  // First: LittleCMS is not instantiated before a profile needs it (module state is per file).
  it("no profile or an sRGB profile costs nothing: same bytes, no colour engine loaded", () => {
    const plain = processPortrait(jpegWith(null));
    const tagged = processPortrait(jpegWith(SRGB));
    expect(tagged.renditions.full).toEqual(plain.renditions.full);
    expect(tagged.renditions.thumb).toEqual(plain.renditions.thumb);
    expect(colourWasmBytes()).toBe(0);
    // …and the measure is not vacuous: the first profile that needs LittleCMS loads it.
    processPortrait(jpegWith(DISPLAY_P3));
    expect(colourWasmBytes()).toBeGreaterThan(0);
  });

  it("a Display P3 JPEG (profile split over several APP2 segments) is served in sRGB as a colour-managed viewer shows it", () => {
    expectManaged(processPortrait(jpegWith(DISPLAY_P3, 3)).renditions.full, DISPLAY_P3);
  });

  it("an Adobe RGB PNG (iCCP) is converted to sRGB", async () => {
    expectManaged(processPortrait(await pngWith(ADOBE_RGB)).renditions.full, ADOBE_RGB);
  });

  it("a ProPhoto interlaced PNG (decoded by photon) is converted to sRGB", async () => {
    expectManaged(processPortrait(await pngWith(PROPHOTO, true)).renditions.full, PROPHOTO);
  });

  it("a WebP's ICCP profile is applied (photon's path): red in a profile whose red primary is sRGB's blue comes out blue", () => {
    const swapped: RgbSpace = { ...SRGB, name: "swapped primaries", red: SRGB.blue, blue: SRGB.red };
    const profile = iccProfile(swapped);
    const webp = webpWith(profile);
    expect(readEmbeddedProfile(webp, { type: "webp" })).toEqual({ bytes: profile });
    const out = decodeJpeg(processPortrait(webp).renditions.full);
    const at = (x: number, y: number) => Array.from(out.data.subarray((y * out.width + x) * 4, (y * out.width + x) * 4 + 3));
    // Top-left quadrant: the file's (255, 0, 0).
    const ref = toSrgb(swapped, [255, 0, 0]);
    at(12, 15).forEach((v, c) => expect(Math.abs(v - ref[c]!)).toBeLessThanOrEqual(6));
    expect(ref[2]).toBeGreaterThan(250);
  });

  it("CMYK JPEGs (Adobe YCCK, and Adobe CMYK with its inverted inks) go through their CMYK profile to the press's colours in sRGB", () => {
    // realFile's YCCK JPEG: quadrants red, green / blue, yellow made by ImageMagick, whose inks are
    // (0, 1, 1, 0), (1, 0, 1, 0) / (1, 1, 0, 0), (0, 0, 1, 0); stored (libjpeg's YCCK) as the
    // Y/Cb/Cr of the C, M, Y inks taken as R, G, B, and an inverted K (255).
    const ycck = realFile("cmykJpeg");
    const withProfile = (file: Uint8Array) =>
      insertJpegSegments(
        file,
        iccJpegPayloads(cmykProfile()).map((p) => segment(0xe2, p)),
        false,
      );
    const rgb = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [255, 255, 0],
    ];
    const ycc = ([r, g, b]: number[]) => [
      0.299 * r! + 0.587 * g! + 0.114 * b!,
      -0.168736 * r! - 0.331264 * g! + 0.5 * b! + 128,
      0.5 * r! - 0.418688 * g! - 0.081312 * b! + 128,
    ];
    const inks = rgb.map((c) => c.map((v) => 255 - v));
    // The same planes read as Adobe CMYK (APP14 transform 0): every plane holds 255 − ink.
    expect(ycck[17]).toBe(2);
    const adobeCmyk = ycck.slice();
    adobeCmyk[17] = 0;
    const cases: [string, Uint8Array, number[][]][] = [
      ["YCCK", ycck, inks.map((ink) => [...ink, 0])],
      ["Adobe CMYK", adobeCmyk, inks.map((ink) => [...ycc(ink).map((v) => 255 - v), 0])],
    ];
    for (const [what, file, inks] of cases) {
      const out = decodeJpeg(processPortrait(withProfile(file)).renditions.full);
      expect(out).toMatchObject({ width: 64, height: 80 });
      const naive = decodeJpeg(processPortrait(file).renditions.full);
      inks.forEach((ink, i) => {
        const x0 = (i % 2) * 32 + 8;
        const y0 = Math.floor(i / 2) * 40 + 10;
        const mean = (r: Raster) =>
          [0, 1, 2].map((c) => {
            let sum = 0;
            for (let y = y0; y < y0 + 20; y++) for (let x = x0; x < x0 + 16; x++) sum += r.data[(y * r.width + x) * 4 + c]!;
            return sum / 320;
          });
        const ref = pressToSrgb(ink);
        const got = mean(out);
        for (let c = 0; c < 3; c++)
          expect(
            Math.abs(got[c]! - ref[c]!),
            `${what} quadrant ${i} channel ${c}: got ${got.map((v) => v.toFixed(1))}, reference ${ref.map((v) => v.toFixed(1))}`,
          ).toBeLessThanOrEqual(6);
        // Without the profile (the naive conversion, what was served before) it is far off.
        expect(Math.max(...mean(naive).map((v, c) => Math.abs(v - ref[c]!)))).toBeGreaterThan(20);
      });
    }
  });

  it("a grey JPEG with a grey profile (linear light) is converted through its tone curve; on a colour picture the grey profile is ignored", () => {
    const levels = [32, 64, 128, 192];
    const file = insertJpegSegments(
      encodeBaselineJpeg(
        W,
        H,
        (x, y) => {
          const v = levels[(x < W / 2 ? 0 : 1) + (y < H / 2 ? 0 : 2)]!;
          return [v, v, v];
        },
        { sampling: "gray", quality: 95 },
      ),
      iccJpegPayloads(grayProfile(1)).map((p) => segment(0xe2, p)),
    );
    const means = patchMeans(processPortrait(file).renditions.full);
    levels.forEach((v, i) => {
      const ref = grayToSrgb(1, v);
      for (const c of means[i]!) expect(Math.abs(c - ref), `level ${v}: got ${c.toFixed(1)}, reference ${ref.toFixed(1)}`).toBeLessThanOrEqual(TOLERANCE);
      expect(Math.abs(v - ref)).toBeGreaterThan(TOLERANCE + 2);
    });
    const warn = vi.spyOn(console, "warn");
    const colour = jpegWith(null);
    const tagged = insertJpegSegments(
      colour,
      iccJpegPayloads(grayProfile(1)).map((p) => segment(0xe2, p)),
    );
    expect(processPortrait(tagged).renditions.full).toEqual(processPortrait(colour).renditions.full);
    expect(warn.mock.calls.map((c) => String(c[0])).join("\n")).toContain("a grey profile on a colour picture");
  });

  it("a broken profile never fails the photo: its colours are kept as sRGB, and a log line says so", () => {
    const warn = vi.spyOn(console, "warn");
    const plain = processPortrait(jpegWith(null)).renditions.full;
    const p3 = iccProfile(DISPLAY_P3);
    const unreadable = p3.slice();
    new DataView(unreadable.buffer).setUint32(128, 1000); // past LittleCMS's 100-tag limit: it refuses the profile
    const payloads = iccJpegPayloads(p3, 2);
    const cases: [string, Uint8Array][] = [
      ["fake profile", insertJpegSegments(encodeJpeg(picture(), 95), [iccSegment()])],
      [
        "LittleCMS cannot read it",
        insertJpegSegments(
          encodeJpeg(picture(), 95),
          iccJpegPayloads(unreadable).map((p) => segment(0xe2, p)),
        ),
      ],
      ["segment 2 of 2 missing", insertJpegSegments(encodeJpeg(picture(), 95), [segment(0xe2, payloads[0]!)])],
    ];
    for (const [what, file] of cases) {
      warn.mockClear();
      expect(processPortrait(file).renditions.full, what).toEqual(plain);
      expect(warn.mock.calls.map((c) => String(c[0])).join("\n"), what).toContain('"at":"imaging.icc_profile_ignored"');
    }
  });

  it("a profile declaring a huge LUT (64⁴ grid points: 100 MB) is ignored within LittleCMS's memory limit", () => {
    const warn = vi.spyOn(console, "warn");
    const profile = cmykProfile();
    const tags = new DataView(profile.buffer);
    // The A2B0 tag (third in the table): its lut16 grid size byte.
    expect(new TextDecoder().decode(profile.subarray(132 + 24, 136 + 24))).toBe("A2B0");
    profile[tags.getUint32(136 + 24) + 10] = 64;
    const out = processPortrait(
      insertJpegSegments(
        realFile("cmykJpeg"),
        iccJpegPayloads(profile).map((p) => segment(0xe2, p)),
        false,
      ),
    );
    expect(decodeJpeg(out.renditions.full)).toMatchObject({ width: 64, height: 80 });
    expect(warn.mock.calls.map((c) => String(c[0])).join("\n")).toContain('"at":"imaging.icc_profile_ignored"');
    expect(colourWasmBytes()).toBeLessThanOrEqual(COLOUR_WASM_BUDGET);
    // …and a sound profile still works afterwards.
    expectManaged(processPortrait(jpegWith(DISPLAY_P3)).renditions.full, DISPLAY_P3);
  });

  it("damaged profiles (random bytes changed, truncated) never fail the photo: it is served, its profile applied or ignored", () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const small = encodeJpeg(quadrants(48, 64, ...(PATCHES as [Color, Color, Color, Color])), 90);
    const profiles = { p3: iccProfile(DISPLAY_P3), cmyk: cmykProfile(), gray: grayProfile(1.8) };
    fc.assert(
      fc.property(
        fc.constantFrom("p3", "cmyk", "gray"),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }),
        fc.option(fc.nat()),
        (kind, edits, cut) => {
          let profile = profiles[kind as keyof typeof profiles].slice();
          for (const [at, v] of edits) profile[at % profile.length] = v;
          if (cut !== null) profile = profile.subarray(0, 132 + (cut % profile.length));
          const base = kind === "cmyk" ? realFile("cmykJpeg") : small;
          const out = processPortrait(
            insertJpegSegments(
              base,
              iccJpegPayloads(profile).map((p) => segment(0xe2, p)),
              kind !== "cmyk",
            ),
          );
          expect(out.renditions.thumb.length).toBeGreaterThan(100);
        },
      ),
      { numRuns: 150, seed: 9 },
    );
  });

  it("LittleCMS's memory stays flat across photos and profiles, beside photon's budget", async () => {
    for (const space of [DISPLAY_P3, ADOBE_RGB, PROPHOTO]) processPortrait(await pngWith(space));
    const first = colourWasmBytes();
    for (let i = 0; i < 5; i++) for (const space of [DISPLAY_P3, ADOBE_RGB, PROPHOTO]) processPortrait(jpegWith(space));
    const after = colourWasmBytes();
    console.log(
      JSON.stringify({
        at: "colour memory",
        lcms_wasm_mib: after / MiB,
        photon_wasm_mib: (await wasmMemoryBytes()) / MiB,
        lcms_budget_mib: COLOUR_WASM_BUDGET / MiB,
        photon_budget_mib: WASM_MEMORY_BUDGET / MiB,
      }),
    );
    expect(first).toBeGreaterThan(0);
    expect(after).toBe(first);
    expect(after).toBeLessThanOrEqual(COLOUR_WASM_BUDGET);
  });
});
