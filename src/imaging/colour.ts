/**
 * Colour management: an embedded ICC profile (Display P3, Adobe RGB, ProPhoto…) is applied with
 * LittleCMS 2 (lcms-wasm's build), so the served sRGB JPEG looks as the original does in a
 * colour-managed viewer. No profile, or an sRGB one, costs nothing: LittleCMS is not even
 * instantiated.
 *
 * Where: on the full rendition's planes, after decoding and resizing (≤ 800×1000), two rows at a
 * time (one row of 4:2:0 chroma): Y/Cb/Cr → RGB → profile → sRGB → Y/Cb/Cr. Transforming the
 * resized picture rather than every source pixel costs the same whatever the photo's size (a
 * 12 MP photo is transformed as 0.8 MP), and needs no change to the decoders; the resampler
 * averages in the file's encoding rather than in sRGB, which shifts nothing on flat areas and
 * ≤ 1–2 levels on edges between saturated colours.
 *
 * Intent: relative colorimetric. Matrix/TRC profiles (P3, Adobe RGB, ProPhoto: what cameras and
 * phones write) only define the colorimetric intents, so this is what every colour-managed
 * viewer (Chrome/Skia, Safari/ColorSync, libvips) shows for them: in-gamut colours exact, the
 * rest clipped to sRGB's gamut; white maps to white.
 *
 * lcms-wasm's emscripten glue cannot load in workerd (it sniffs for a browser or Node and reads
 * the .wasm file at run time, and Workers compile no WASM from bytes); the module is imported
 * statically (wrangler compiles it at deploy time, as photon's) and instantiated here with the
 * few imports LittleCMS's C code needs. Its memory: 16 MB at start (the build reserves a 15 MB
 * stack), growing by the transforms cached below, never past COLOUR_WASM_BUDGET (its share of
 * WASM_MEMORY_BUDGET).
 */
import lcmsWasm from "lcms-wasm/dist/lcms.wasm";
import type { Planes } from "./planes";
import { chromaSize } from "./planes";
import type { ImageHeader } from "./image-info";
import type { ImageType } from "./sniff";
import { isSrgbProfile, profileColourSpace, readEmbeddedProfile } from "./icc";

// lcms2.h: COLORSPACE_SH(PT_RGB) | CHANNELS_SH(3) | BYTES_SH(1)
const TYPE_RGB_8 = (4 << 16) | (3 << 3) | 1;
// COLORSPACE_SH(PT_GRAY) | CHANNELS_SH(1) | BYTES_SH(1)
const TYPE_GRAY_8 = (3 << 16) | (1 << 3) | 1;
// COLORSPACE_SH(PT_CMYK) | CHANNELS_SH(4) | BYTES_SH(1): ink amounts, 0 = none
const TYPE_CMYK_8 = (6 << 16) | (4 << 3) | 1;
const INTENT_RELATIVE_COLORIMETRIC = 1;

type Lcms = {
  memory: WebAssembly.Memory;
  malloc(n: number): number;
  free(p: number): void;
  cmsOpenProfileFromMem(p: number, n: number): number;
  cmsCloseProfile(h: number): number;
  cmsCreate_sRGBProfile(): number;
  cmsCreateTransform(input: number, inFormat: number, output: number, outFormat: number, intent: number, flags: number): number;
  cmsDeleteTransform(t: number): void;
  cmsDoTransform(t: number, src: number, dst: number, pixels: number): void;
};

let lcms: Lcms | undefined;

function instantiate(): Lcms {
  let memory: WebAssembly.Memory | undefined;
  const heap = () => new Uint8Array(memory!.buffer);
  const fail = (what: string) => () => {
    throw new Error(`lcms: ${what}`);
  };
  let table: WebAssembly.Table | undefined;
  // emscripten's invoke_* run a function pointer where C++ exceptions could be caught; LittleCMS is
  // C and throws none, so a plain call (any JS error propagates).
  const invoke = (index: number, ...args: number[]) => (table!.get(index) as (...a: number[]) => number)(...args);
  const ENOSYS = 52;
  const env = {
    __assert_fail: fail("assertion failed"),
    abort: fail("abort"),
    emscripten_memcpy_js: (dest: number, src: number, n: number) => heap().copyWithin(dest, src, src + n),
    emscripten_date_now: () => Date.now(),
    emscripten_resize_heap: (requested: number) => {
      if (requested >>> 0 > COLOUR_WASM_BUDGET) return 0;
      const pages = Math.ceil(((requested >>> 0) - memory!.buffer.byteLength) / 65536);
      try {
        memory!.grow(Math.max(0, pages));
        return 1;
      } catch {
        return 0;
      }
    },
    // No file system: LittleCMS only reads profiles from memory here.
    __syscall_openat: () => -ENOSYS,
    __syscall_fcntl64: () => -ENOSYS,
    __syscall_ioctl: () => -ENOSYS,
    __syscall_unlinkat: () => -ENOSYS,
    __syscall_rmdir: () => -ENOSYS,
    _tzset_js: () => {},
    // The creation date LittleCMS stamps on the profiles it builds (sRGB): the epoch will do.
    _gmtime_js: (_lo: number, _hi: number, tm: number) => heap().fill(0, tm, tm + 36),
    invoke_ii: invoke,
    invoke_iii: invoke,
    invoke_v: invoke,
    invoke_vi: invoke,
    invoke_vii: invoke,
    invoke_viii: invoke,
    invoke_viiii: invoke,
    __cxa_find_matching_catch_2: fail("exception"),
    __cxa_find_matching_catch_3: fail("exception"),
    __cxa_begin_catch: fail("exception"),
    __resumeException: fail("exception"),
  };
  const wasi = {
    fd_write: (_fd: number, iov: number, iovcnt: number, written: number) => {
      // Nothing is printed; report everything written so that callers do not loop.
      const v = new DataView(memory!.buffer);
      let n = 0;
      for (let i = 0; i < iovcnt; i++) n += v.getUint32(iov + 8 * i + 4, true);
      v.setUint32(written, n, true);
      return 0;
    },
    fd_read: () => ENOSYS,
    fd_close: () => ENOSYS,
    fd_seek: () => ENOSYS,
  };
  const instance = new WebAssembly.Instance(lcmsWasm, { env, wasi_snapshot_preview1: wasi });
  const x = instance.exports as unknown as Lcms & { __indirect_function_table: WebAssembly.Table; emscripten_stack_init(): void; __wasm_call_ctors(): void };
  memory = x.memory;
  table = x.__indirect_function_table;
  x.emscripten_stack_init();
  x.__wasm_call_ctors();
  return x;
}

/**
 * What LittleCMS's WASM memory may reach: the 16 MB it starts with (the initial memory lcms-wasm's
 * build declares, 15 MB of it its stack; exported by the module, so it cannot be created smaller),
 * the cached transforms (a few hundred KB each, up to ~1 MB for a CMYK LUT) and room to build one:
 * 16.0–16.3 MB measured. A hard limit, not an estimate: growth past it is refused (malloc fails,
 * the cached transforms are dropped and the build retried once, else the profile is ignored), so
 * that a profile declaring a huge LUT cannot take the isolate's memory.
 * It shares WASM_MEMORY_BUDGET (photon.ts) with photon: photon's worst decode at the limits,
 * 50.6 MB measured, + 20 MB = 70.6 MB ≤ 72 MB.
 */
export const COLOUR_WASM_BUDGET = 20 * 1024 * 1024;

/** Bytes of LittleCMS's WASM memory (0 until a profiled photo arrives); for logs and tests. */
export function colourWasmBytes(): number {
  return lcms?.memory.buffer.byteLength ?? 0;
}

type Transform = { handle: number; profile: Uint8Array };

/**
 * Transforms by profile, within the isolate: building one (reading the profile, optimising the
 * pipeline) costs ~1 ms for a matrix profile, tens for a LUT; photos from one camera or phone
 * share their profile. Keyed by a hash, checked against the bytes; the oldest is dropped past
 * MAX_TRANSFORMS.
 */
const transforms = new Map<string, Transform>();
const MAX_TRANSFORMS = 8;

function fnv1a(b: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return `${b.length}:${(h >>> 0).toString(16)}`;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

/** The transform profile → sRGB, or why there is none. */
function transformFor(profile: Uint8Array, inFormat = TYPE_RGB_8): number | string {
  const key = `${inFormat}:${fnv1a(profile)}`;
  const cached = transforms.get(key);
  if (cached && sameBytes(cached.profile, profile)) {
    transforms.delete(key);
    transforms.set(key, cached); // most recently used last
    return cached.handle;
  }
  const l = (lcms ??= instantiate());
  const built = buildTransform(l, profile, inFormat);
  // Memory is capped: the cached transforms may be what leaves too little to build this one.
  const handle = typeof built === "string" && transforms.size > 0 ? (clearTransforms(l), buildTransform(l, profile, inFormat)) : built;
  if (typeof handle === "string") return handle;
  if (transforms.size >= MAX_TRANSFORMS) {
    const [oldest, t] = transforms.entries().next().value!;
    l.cmsDeleteTransform(t.handle);
    transforms.delete(oldest);
  }
  transforms.set(key, { handle, profile: profile.slice() });
  return handle;
}

function clearTransforms(l: Lcms) {
  for (const t of transforms.values()) l.cmsDeleteTransform(t.handle);
  transforms.clear();
}

function buildTransform(l: Lcms, profile: Uint8Array, inFormat: number): number | string {
  const at = l.malloc(profile.length);
  if (!at) return "out of memory";
  new Uint8Array(l.memory.buffer).set(profile, at);
  const input = l.cmsOpenProfileFromMem(at, profile.length);
  l.free(at);
  if (!input) return "LittleCMS cannot read the profile";
  const srgb = l.cmsCreate_sRGBProfile();
  const handle = l.cmsCreateTransform(input, inFormat, srgb, TYPE_RGB_8, INTENT_RELATIVE_COLORIMETRIC, 0);
  l.cmsCloseProfile(input);
  l.cmsCloseProfile(srgb);
  return handle || "LittleCMS cannot build a transform from the profile to sRGB";
}

/**
 * Converts `planes` (4:2:0 Y/Cb/Cr, JFIF) from the colours of `profile` (RGB, or grey for a grey
 * picture) to sRGB, in place.
 * Returns what was done: "srgb" (nothing to do), "applied", or "ignored: why" for a profile that
 * cannot be applied (the picture is then left as sRGB, as a viewer without colour management
 * shows it: a photo is never refused for its profile).
 */
function applyProfile(planes: Planes, profile: Uint8Array): "srgb" | "applied" | `ignored: ${string}` {
  const space = profileColourSpace(profile);
  const gray = space === "GRAY";
  if (space !== "RGB " && !gray) return `ignored: profiles of colour space ${JSON.stringify(space)} are not applied to RGB pixels`;
  // A grey profile describes grey pixels (its tone curve); on a colour picture it is a mistake.
  if (gray && !(planes.cb.every((v) => v === 128) && planes.cr.every((v) => v === 128))) return "ignored: a grey profile on a colour picture";
  if (isSrgbProfile(profile)) return "srgb";
  let handle: number | string;
  try {
    handle = transformFor(profile, gray ? TYPE_GRAY_8 : TYPE_RGB_8);
  } catch (err) {
    reset();
    return `ignored: ${String(err)}`;
  }
  if (typeof handle === "string") return `ignored: ${handle}`;
  if (gray) transformGray(lcms!, handle, planes);
  else transformPlanes(lcms!, handle, planes);
  return "applied";
}

/** A grey picture (Cb = Cr = 128): its Y through the grey profile's tone curve to sRGB. */
function transformGray(l: Lcms, handle: number, p: Planes) {
  const w = p.width;
  withBuffers(l, 1, w, (src, dst) =>
    rgbRowsToPlanes(p, (y0, rows) => {
      new Uint8Array(l.memory.buffer).set(p.y.subarray(y0 * w, (y0 + rows) * w), src);
      l.cmsDoTransform(handle, src, dst, rows * w);
      return { rgb: new Uint8Array(l.memory.buffer), at: dst };
    }),
  );
}

/**
 * The pipeline's hook: applies the profile embedded in `bytes` (if any) to the decoded `full`
 * planes. A broken or unsupported profile leaves the colours as they are (sRGB) and says so in a
 * log line; it never fails the photo.
 */
export function colourManage(bytes: Uint8Array, header: Pick<ImageHeader, "type" | "png">, full: Planes): void {
  const type = header.type;
  const embedded = readEmbeddedProfile(bytes, header);
  if (!embedded) return;
  let result: string;
  try {
    result = "broken" in embedded ? `ignored: ${embedded.broken}` : applyProfile(full, embedded.bytes);
  } catch (err) {
    // LittleCMS failed past building the transform (out of memory, a trap): keep the photo.
    result = `ignored: ${String(err)}`;
    reset();
  }
  if (result.startsWith("ignored")) logIgnored(type, result.slice(9), "sRGB");
}

/**
 * Forgets the LittleCMS instance after a failure inside it (its heap may be inconsistent after a
 * trap): the next profiled photo starts a fresh one, and this one's memory is garbage.
 */
function reset() {
  lcms = undefined;
  transforms.clear();
}

function logIgnored(type: ImageType, reason: string, treatedAs: string) {
  console.warn(JSON.stringify({ at: "imaging.icc_profile_ignored", type, reason, treated_as: treatedAs }));
}

/** Two rows at a time (a row of chroma): to RGB, through the transform, back to Y/Cb/Cr. */
function transformPlanes(l: Lcms, handle: number, p: Planes) {
  const { width: w, y: Y, cb: CB, cr: CR } = p;
  const cw = chromaSize(w);
  withBuffers(l, 3, w, (src, dst) =>
    rgbRowsToPlanes(p, (y0, rows) => {
      // A view taken after malloc and before the transform: neither grows memory in between.
      const heap = new Uint8Array(l.memory.buffer);
      const c0 = (y0 >> 1) * cw;
      for (let r = 0; r < rows; r++) {
        for (let x = 0, q = src + r * w * 3, i = (y0 + r) * w; x < w; x++, q += 3, i++) {
          const yy = Y[i]!;
          const cb = CB[c0 + (x >> 1)]! - 128;
          const cr = CR[c0 + (x >> 1)]! - 128;
          heap[q] = clamp(yy + 1.402 * cr);
          heap[q + 1] = clamp(yy - 0.344136 * cb - 0.714136 * cr);
          heap[q + 2] = clamp(yy + 1.772 * cb);
        }
      }
      l.cmsDoTransform(handle, src, dst, rows * w);
      return { rgb: new Uint8Array(l.memory.buffer), at: dst };
    }),
  );
}

/** Two rows of input (`channels` bytes a pixel) and of RGB output in LittleCMS's memory, for `use`. */
function withBuffers(l: Lcms, channels: number, w: number, use: (src: number, dst: number) => void) {
  const src = l.malloc(2 * w * channels);
  const dst = l.malloc(2 * w * 3);
  try {
    if (!src || !dst) throw new Error("lcms: out of memory");
    use(src, dst);
  } finally {
    if (src) l.free(src);
    if (dst) l.free(dst);
  }
}

/**
 * Fills `p` (4:2:0 Y/Cb/Cr) from RGB made two rows at a time by `rgbRows(y0, rows)`, which
 * returns where those rows' RGB bytes are. Y per pixel, Cb/Cr from each 2×2 cell's mean colour.
 */
function rgbRowsToPlanes(p: Planes, rgbRows: (y0: number, rows: number) => { rgb: Uint8Array; at: number }) {
  const { width: w, height: h, y: Y, cb: CB, cr: CR } = p;
  const cw = chromaSize(w);
  for (let y0 = 0; y0 < h; y0 += 2) {
    const rows = Math.min(2, h - y0);
    const { rgb: out, at } = rgbRows(y0, rows);
    const c0 = (y0 >> 1) * cw;
    const whole = rows === 2 ? w >> 1 : 0;
    // Whole 2×2 cells: unrolled (this loop is most of the conversion's JS time).
    for (let cx = 0, q = at, i = y0 * w; cx < whole; cx++, q += 6, i += 2) {
      const q2 = q + 3 * w;
      const r0 = out[q]!,
        g0 = out[q + 1]!,
        b0 = out[q + 2]!;
      const r1 = out[q + 3]!,
        g1 = out[q + 4]!,
        b1 = out[q + 5]!;
      const r2 = out[q2]!,
        g2 = out[q2 + 1]!,
        b2 = out[q2 + 2]!;
      const r3 = out[q2 + 3]!,
        g3 = out[q2 + 4]!,
        b3 = out[q2 + 5]!;
      Y[i] = 0.299 * r0 + 0.587 * g0 + 0.114 * b0 + 0.5;
      Y[i + 1] = 0.299 * r1 + 0.587 * g1 + 0.114 * b1 + 0.5;
      Y[i + w] = 0.299 * r2 + 0.587 * g2 + 0.114 * b2 + 0.5;
      Y[i + w + 1] = 0.299 * r3 + 0.587 * g3 + 0.114 * b3 + 0.5;
      const R = (r0 + r1 + r2 + r3) * 0.25,
        G = (g0 + g1 + g2 + g3) * 0.25,
        B = (b0 + b1 + b2 + b3) * 0.25;
      CB[c0 + cx] = clamp(-0.168736 * R - 0.331264 * G + 0.5 * B + 128);
      CR[c0 + cx] = clamp(0.5 * R - 0.418688 * G - 0.081312 * B + 128);
    }
    // Partial cells: the last column of an odd width, or the last row of an odd height.
    for (let cx = whole; cx < cw; cx++) {
      let R = 0,
        G = 0,
        B = 0,
        k = 0;
      for (let r = 0; r < rows; r++) {
        for (let x = 2 * cx; x < Math.min(w, 2 * cx + 2); x++) {
          const q = at + (r * w + x) * 3;
          const r8 = out[q]!,
            g8 = out[q + 1]!,
            b8 = out[q + 2]!;
          Y[(y0 + r) * w + x] = 0.299 * r8 + 0.587 * g8 + 0.114 * b8 + 0.5;
          R += r8;
          G += g8;
          B += b8;
          k++;
        }
      }
      R /= k;
      G /= k;
      B /= k;
      CB[c0 + cx] = clamp(-0.168736 * R - 0.331264 * G + 0.5 * B + 128);
      CR[c0 + cx] = clamp(0.5 * R - 0.418688 * G - 0.081312 * B + 128);
    }
  }
}

/**
 * CMYK JPEGs. `planes` are the file's four components decoded and resized to `full`'s size
 * (C, M, Y, K; or Y, Cb, Cr, K for YCCK). Ink amounts (0 = none) are recovered first: Adobe
 * (Photoshop) files, those with an APP14 segment, store every channel inverted (255 − ink), but
 * YCCK stores the C, M, Y inks as the Y/Cb/Cr of an RGB picture (so the JFIF conversion gives the
 * inks back; libjpeg's YCCK) and only K inverted. Then through the embedded CMYK profile to sRGB, or, without a usable one, the naive
 * R = (1 − C)(1 − K)… that decoders without colour management use (and photon used before).
 */
export function cmykToPlanes(
  planes: readonly Uint8Array[],
  adobeTransform: number,
  profile: Uint8Array | null,
  full: Planes,
): "applied" | "naive" | `ignored: ${string}` {
  const [P0, P1, P2, P3] = planes as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  const w = full.width;
  const inverted = adobeTransform >= 0;
  const ycck = adobeTransform === 2;
  /** The ink amounts of rows y0 … y0 + rows − 1 into `out` at `at`, 4 bytes a pixel. */
  const inks = (out: Uint8Array, at: number, y0: number, rows: number) => {
    for (let i = y0 * w, end = (y0 + rows) * w, q = at; i < end; i++, q += 4) {
      if (ycck) {
        const yy = P0[i]!,
          cb = P1[i]! - 128,
          cr = P2[i]! - 128;
        out[q] = clamp(yy + 1.402 * cr);
        out[q + 1] = clamp(yy - 0.344136 * cb - 0.714136 * cr);
        out[q + 2] = clamp(yy + 1.772 * cb);
      } else if (inverted) {
        out[q] = 255 - P0[i]!;
        out[q + 1] = 255 - P1[i]!;
        out[q + 2] = 255 - P2[i]!;
      } else {
        out[q] = P0[i]!;
        out[q + 1] = P1[i]!;
        out[q + 2] = P2[i]!;
      }
      out[q + 3] = inverted ? 255 - P3[i]! : P3[i]!;
    }
  };
  let why = "no CMYK profile";
  if (profile) {
    const space = profileColourSpace(profile);
    let handle: number | string = `a profile of colour space ${JSON.stringify(space)} on a CMYK JPEG`;
    if (space === "CMYK") {
      try {
        handle = transformFor(profile, TYPE_CMYK_8);
        if (typeof handle === "number") {
          const l = lcms!;
          const t = handle;
          withBuffers(l, 4, w, (src, dst) =>
            rgbRowsToPlanes(full, (y0, rows) => {
              inks(new Uint8Array(l.memory.buffer), src, y0, rows);
              l.cmsDoTransform(t, src, dst, rows * w);
              return { rgb: new Uint8Array(l.memory.buffer), at: dst };
            }),
          );
          return "applied";
        }
      } catch (err) {
        // The naive conversion below rewrites every row of `full`.
        handle = String(err);
        reset();
      }
    }
    why = handle;
  }
  const ink = new Uint8Array(2 * w * 4);
  const rgb = new Uint8Array(2 * w * 3);
  rgbRowsToPlanes(full, (y0, rows) => {
    inks(ink, 0, y0, rows);
    for (let i = 0, q = 0; i < rows * w; i++, q += 4) {
      const white = 255 - ink[q + 3]!;
      rgb[3 * i] = ((255 - ink[q]!) * white) / 255 + 0.5;
      rgb[3 * i + 1] = ((255 - ink[q + 1]!) * white) / 255 + 0.5;
      rgb[3 * i + 2] = ((255 - ink[q + 2]!) * white) / 255 + 0.5;
    }
    return { rgb, at: 0 };
  });
  if (!profile) return "naive";
  logIgnored("jpeg", why, "uncalibrated CMYK");
  return `ignored: ${why}`;
}

const clamp = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0);
