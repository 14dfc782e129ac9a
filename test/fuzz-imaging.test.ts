// Property tests (fast-check) of the JS decoders in the image pipeline: the streaming baseline
// JPEG decoder (src/imaging/jpeg/decoder.ts) and the PNG decoder (src/imaging/png/decoder.ts), on
// random and mutated files. Whatever the bytes, processPortrait gives three renditions or throws an
// ImagingError (the API's 413/415/422), never anything else, and never runs long: every loop in the decoders is
// bounded by what the (checked) headers declare.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toApiError } from "../src/http/errors";
import { ImagingError } from "../src/imaging/errors";
import { decodeBaselineJpeg, planeSize, readBaselineJpeg } from "../src/imaging/jpeg/decoder";
import { processPortrait } from "../src/imaging/pipeline";
import {
  BLUE,
  concat,
  decodeJpeg,
  encodeBaselineJpeg,
  encodePng,
  GREEN,
  jpegSegments,
  near,
  pngChunk,
  raster,
  realFile,
  RED,
  withJpegScans,
  YELLOW,
  type Color,
  type Sampling,
} from "./helpers/images";

const RUNS = Number((import.meta as { env?: Record<string, string | undefined> }).env?.VITE_FUZZ_N ?? 150);

/** processPortrait, which must return or throw an ImagingError the API answers with 413/415/422, quickly. */
function outcome(bytes: Uint8Array): "ok" | number {
  const t = Date.now();
  try {
    const out = processPortrait(bytes);
    expect(out.renditions.thumb.length).toBeGreaterThan(0);
    return "ok";
  } catch (err) {
    if (!(err instanceof ImagingError)) throw new Error(`not an ImagingError: ${String(err)}`);
    const status = toApiError(err)!.status;
    expect([413, 415, 422]).toContain(status);
    return status;
  } finally {
    expect(Date.now() - t, "time for one file").toBeLessThan(3000);
  }
}

/** Baseline JPEGs from the test encoder: random size, sampling, restart interval, quality, content. */
const baselineJpeg = fc
  .record({
    w: fc.integer({ min: 1, max: 90 }),
    h: fc.integer({ min: 1, max: 90 }),
    sampling: fc.constantFrom<Sampling>("444", "422", "420", "440", "gray"),
    restartInterval: fc.constantFrom(0, 0, 1, 2, 5),
    quality: fc.integer({ min: 5, max: 100 }),
    seed: fc.integer({ min: 0, max: 1 << 20 }),
  })
  .map(({ w, h, seed, ...o }) => ({
    w,
    h,
    o,
    bytes: encodeBaselineJpeg(w, h, (x, y): Color => [(x * 37 + seed) & 255, (y * 53 + (seed >> 8)) & 255, ((x ^ y) * 11 + seed) & 255], o),
  }));

/** Mutations of a file: byte flips, cuts, inserted markers, overwritten runs. */
type Mutation =
  | { kind: "flip"; at: number; value: number }
  | { kind: "cut"; at: number }
  | { kind: "marker"; at: number; marker: number }
  | { kind: "run"; at: number; len: number; value: number };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("marker" as const), at: fc.nat(), marker: fc.constantFrom(0xd0, 0xd3, 0xd7, 0xd9, 0xda, 0xc4, 0xdb, 0xdd, 0xc0, 0x00, 0xff) }),
  fc.record({ kind: fc.constant("run" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }), value: fc.constantFrom(0x00, 0xff, 0xfe, 0xaa) }),
);

function mutate(src: Uint8Array, ms: Mutation[], from = 0): Uint8Array {
  let b: Uint8Array = src.slice();
  for (const m of ms) {
    const at = from + (m.at % Math.max(1, b.length - from));
    if (m.kind === "flip") b[at] = m.value;
    else if (m.kind === "cut") b = b.slice(0, at);
    else if (m.kind === "marker") b = concat([b.subarray(0, at), Uint8Array.of(0xff, m.marker), b.subarray(at)]);
    else b.fill(m.value, at, Math.min(b.length, at + m.len));
  }
  return b;
}

describe("baseline JPEG decoder, property tests", () => {
  it("decodes every valid baseline JPEG (any size, sampling, restart interval, quality) to the right sizes", () => {
    fc.assert(
      fc.property(baselineJpeg, ({ w, h, bytes }) => {
        const out = processPortrait(bytes);
        expect(out.info).toMatchObject({ type: "jpeg", width: w, height: h });
        const full = decodeJpeg(out.renditions.full);
        expect([full.width, full.height]).toEqual([w, h]);
      }),
      { numRuns: RUNS },
    );
  });

  it("agrees with jpeg-js on the luma of every valid baseline JPEG", () => {
    fc.assert(
      fc.property(baselineJpeg, ({ w, h, bytes }) => {
        const j = readBaselineJpeg(bytes, 65535);
        if ("unsupported" in j) throw new Error(j.unsupported);
        const size = planeSize(j, 0, 8);
        const y = new Uint8Array(size.width * size.height);
        decodeBaselineJpeg(
          bytes,
          j,
          j.components.map(() => 8),
          (c, row, off, yy) => {
            if (c === 0) y.set(row.subarray(off, off + size.width), yy * size.width);
          },
        );
        const ref = decodeJpeg(bytes);
        let worst = 0;
        for (let i = 0; i < w * h; i++) {
          const [r, g, b] = [ref.data[4 * i]!, ref.data[4 * i + 1]!, ref.data[4 * i + 2]!];
          // Where jpeg-js had to clamp R, G or B, its luma is not the file's: compare the others.
          if (Math.min(r, g, b) === 0 || Math.max(r, g, b) === 255) continue;
          worst = Math.max(worst, Math.abs(y[i]! - (0.299 * r + 0.587 * g + 0.114 * b)));
        }
        expect(worst).toBeLessThan(3);
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });

  it("mutated baseline JPEGs give renditions or an ImagingError, never a crash or a hang", () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(baselineJpeg, fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.boolean(), ({ bytes }, ms, scanOnly) => {
        // Half the time only the entropy-coded data is touched (headers intact: the decoder's own checks).
        const sos = jpegSegments(bytes).find((s) => s.marker === 0xda)!;
        const r = outcome(mutate(bytes, ms, scanOnly ? sos.end : 0));
        seen.set(String(r), (seen.get(String(r)) ?? 0) + 1);
      }),
      { numRuns: RUNS * 2 },
    );
    // Both outcomes occur (the mutations are not all harmless, nor all fatal).
    expect(seen.get("ok")).toBeGreaterThan(0);
    expect(seen.get("422")).toBeGreaterThan(0);
  });

  it("hostile frame and table headers (sizes, sampling factors, Huffman counts, restart intervals) are refused or bounded", () => {
    const base = encodeBaselineJpeg(48, 40, (x, y) => [x * 5, y * 6, 128], { sampling: "420", restartInterval: 2 });
    const segs = jpegSegments(base);
    const sof = segs.find((s) => s.marker === 0xc0)!;
    const dht = segs.find((s) => s.marker === 0xc4)!;
    const dri = segs.find((s) => s.marker === 0xdd)!;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 16 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 65535 }),
        (width, height, sampling, countAt, count, interval) => {
          const b = base.slice();
          const dv = new DataView(b.buffer);
          dv.setUint16(sof.start + 5, height);
          dv.setUint16(sof.start + 7, width);
          b[sof.start + 11] = sampling; // the first component's H/V
          b[dht.start + 5 + countAt] = count; // one code-length count of the first table
          dv.setUint16(dri.start + 4, interval);
          outcome(b);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it("random bytes behind a JPEG signature are an ImagingError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (tail) => {
        outcome(concat([Uint8Array.of(0xff, 0xd8, 0xff), tail]));
      }),
      { numRuns: RUNS },
    );
  });
});

describe("progressive JPEG scan headers, property tests", () => {
  // photon decodes progressive JPEGs (whole, in WASM) trusting their scan headers: scans that do not
  // fit the frame or each other make it panic or decode wrong colours, so the header check must
  // refuse every such edit before decoding.
  it("scan headers edited anywhere (Ss, Se, Ah, Al, component selectors) are refused as damaged before decoding, or decode with the right colours", () => {
    const src = realFile("progressiveJpeg"); // 64×80 quadrants: red, green / blue, yellow
    const corners: [number, number, Color][] = [
      [6, 6, RED],
      [57, 6, GREEN],
      [6, 73, BLUE],
      [57, 73, YELLOW],
    ];
    const edit = fc.record({ scan: fc.nat(), field: fc.constantFrom("ss", "se", "ah", "al", "component"), at: fc.nat(), value: fc.nat(63) });
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        const bytes = withJpegScans(src, (scans) => {
          for (const e of edits) {
            const s = scans[e.scan % scans.length]!;
            if (e.field === "component")
              s.components[e.at % s.components.length]![0] = e.value % 5; // frame ids are 1, 2, 3
            else if (e.field === "ah" || e.field === "al") s[e.field] = e.value % 16;
            else s[e.field] = e.value;
          }
          return scans;
        });
        let full;
        try {
          full = decodeJpeg(processPortrait(bytes).renditions.full);
        } catch (err) {
          if (!(err instanceof ImagingError)) throw new Error(`not an ImagingError: ${String(err)}`);
          // Refused by the header check, not by photon failing on it (reason "decode_failed").
          expect(toApiError(err)).toMatchObject({ status: 422, code: "image_unreadable", details: { reason: "corrupt" } });
          seen.set("refused", (seen.get("refused") ?? 0) + 1);
          return;
        }
        for (const [x, y, c] of corners) expect(near(full, x, y, c, 60), `colour at ${x},${y}`).toBe(true);
        seen.set("ok", (seen.get("ok") ?? 0) + 1);
      }),
      { numRuns: RUNS * 2 },
    );
    // Both outcomes occur (some edits leave a consistent file, e.g. a selector set to its own id).
    expect(seen.get("ok")).toBeGreaterThan(0);
    expect(seen.get("refused")).toBeGreaterThan(0);
  });
});

describe("PNG decoder, property tests", () => {
  /** Non-interlaced PNGs of every colour type and depth, random size and content. */
  const png = fc
    .record({
      w: fc.integer({ min: 1, max: 60 }),
      h: fc.integer({ min: 1, max: 60 }),
      colorType: fc.constantFrom(0 as const, 2 as const, 4 as const, 6 as const),
      bitDepth: fc.constantFrom(8 as const, 16 as const),
      seed: fc.integer({ min: 0, max: 255 }),
    })
    .map(({ w, h, seed, ...o }) => ({ w, h, o, raster: raster(w, h, (x, y) => [(x * 9 + seed) & 255, (y * 7) & 255, (x * y) & 255, (x + y + seed) & 255]) }));

  /** A PNG rebuilt from its chunks with valid CRCs, after `edit` changed a chunk's data. */
  function withChunk(bytes: Uint8Array, type: string, edit: (data: Uint8Array) => Uint8Array): Uint8Array {
    const parts: Uint8Array[] = [bytes.subarray(0, 8)];
    for (let p = 8; p + 12 <= bytes.length; ) {
      const size = new DataView(bytes.buffer, bytes.byteOffset).getUint32(p);
      const t = String.fromCharCode(...bytes.subarray(p + 4, p + 8));
      const data = bytes.subarray(p + 8, p + 8 + size);
      parts.push(pngChunk(t, t === type ? edit(data.slice()) : data));
      p += 12 + size;
    }
    return concat(parts);
  }

  it("image data damaged behind valid checksums (compressed stream, filters, lengths) is an ImagingError, never a crash", async () => {
    const samples = await Promise.all(fc.sample(png, 12).map(async (p) => encodePng(p.raster, p.o)));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: samples.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (i, ms, header) => {
        const bytes = samples[i]!;
        // Either the zlib stream (IDAT) or the header (IHDR: size, depth, colour type, interlace) is mutated.
        outcome(withChunk(bytes, header ? "IHDR" : "IDAT", (d) => mutate(d, ms)));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("decodes every valid PNG to the right size", async () => {
    await fc.assert(
      fc.asyncProperty(png, async ({ w, h, o, raster: r }) => {
        const out = processPortrait(await encodePng(r, o));
        expect(out.info).toMatchObject({ type: "png", width: w, height: h });
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});
