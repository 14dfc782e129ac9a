/**
 * ICC profiles for tests, built from their published definitions (primaries, white point, tone
 * curve) as ICC v2 matrix/TRC display profiles, and an independent colour-managed reference:
 * the same colorimetry computed here in plain JS (no LittleCMS), so a test compares the pipeline
 * against the standards' numbers rather than against the engine it uses.
 */
export type Xy = readonly [number, number];
/** A tone curve: a pure gamma, or the sRGB piecewise curve (IEC 61966-2-1). */
export type Trc = { gamma: number } | "srgb";
export type RgbSpace = { name: string; red: Xy; green: Xy; blue: Xy; white: Xy; trc: Trc };

const D65: Xy = [0.3127, 0.329];
const D50: Xy = [0.3457, 0.3585];

export const SRGB: RgbSpace = { name: "sRGB IEC61966-2.1", red: [0.64, 0.33], green: [0.3, 0.6], blue: [0.15, 0.06], white: D65, trc: "srgb" };
export const DISPLAY_P3: RgbSpace = { name: "Display P3", red: [0.68, 0.32], green: [0.265, 0.69], blue: [0.15, 0.06], white: D65, trc: "srgb" };
/** Adobe RGB (1998): gamma 563/256. */
export const ADOBE_RGB: RgbSpace = {
  name: "Adobe RGB (1998)",
  red: [0.64, 0.33],
  green: [0.21, 0.71],
  blue: [0.15, 0.06],
  white: D65,
  trc: { gamma: 563 / 256 },
};
/** ProPhoto RGB (ROMM): D50 white, gamma 1.8. */
export const PROPHOTO: RgbSpace = {
  name: "ProPhoto RGB",
  red: [0.7347, 0.2653],
  green: [0.1596, 0.8404],
  blue: [0.0366, 0.0001],
  white: D50,
  trc: { gamma: 1.8 },
};

type M3 = number[][];
const mul = (a: M3, b: M3): M3 => a.map((r) => b[0]!.map((_, j) => r.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const apply = (m: M3, v: number[]) => m.map((r) => r.reduce((s, x, k) => s + x * v[k]!, 0));
function inv(m: M3): M3 {
  const [a, b, c] = m[0]! as [number, number, number];
  const [d, e, f] = m[1]! as [number, number, number];
  const [g, h, i] = m[2]! as [number, number, number];
  const A = e * i - f * h,
    B = -(d * i - f * g),
    C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [
    [A / det, -(b * i - c * h) / det, (b * f - c * e) / det],
    [B / det, (a * i - c * g) / det, -(a * f - c * d) / det],
    [C / det, -(a * h - b * g) / det, (a * e - b * d) / det],
  ];
}
const xyToXYZ = ([x, y]: Xy) => [x / y, 1, (1 - x - y) / y];

/** Linear RGB → XYZ (relative to the space's own white). */
function rgbToXyz(s: RgbSpace): M3 {
  const P = [xyToXYZ(s.red), xyToXYZ(s.green), xyToXYZ(s.blue)];
  const cols: M3 = [0, 1, 2].map((r) => [P[0]![r]!, P[1]![r]!, P[2]![r]!]);
  const S = apply(inv(cols), xyToXYZ(s.white));
  return cols.map((r) => r.map((v, j) => v * S[j]!));
}

const BRADFORD: M3 = [
  [0.8951, 0.2664, -0.1614],
  [-0.7502, 1.7135, 0.0367],
  [0.0389, -0.0685, 1.0296],
];
/** Chromatic adaptation from white `from` to white `to` (Bradford, as ICC.1 Annex E and LittleCMS). */
function adapt(from: Xy, to: Xy): M3 {
  const s = apply(BRADFORD, xyToXYZ(from));
  const d = apply(BRADFORD, xyToXYZ(to));
  return mul(
    inv(BRADFORD),
    mul(
      [
        [d[0]! / s[0]!, 0, 0],
        [0, d[1]! / s[1]!, 0],
        [0, 0, d[2]! / s[2]!],
      ],
      BRADFORD,
    ),
  );
}

const decode = (t: Trc, v: number) => (t === "srgb" ? (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4) : v ** t.gamma);
const encodeSrgb = (v: number) => (v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055);

/**
 * The colour-managed reference: `rgb` (0–255) in `space` as sRGB 0–255 (unrounded, clipped),
 * relative colorimetric (each white to the other, Bradford-adapted through the D50 PCS).
 */
export function toSrgb(space: RgbSpace, rgb: readonly number[]): number[] {
  const lin = rgb.map((v) => decode(space.trc, v / 255));
  const m = mul(inv(mul(adapt(D65, D50), rgbToXyz(SRGB))), mul(adapt(space.white, D50), rgbToXyz(space)));
  return apply(m, lin).map((v) => 255 * encodeSrgb(Math.min(1, Math.max(0, v))));
}

// ---------------------------------------------------------------------------------------------
// ICC v2 writer (ICC.1:2001-04): header, tag table, desc, wtpt, r/g/bXYZ, r/g/bTRC

const s15 = (v: number) => Math.round(v * 65536) | 0;

function xyzTag(v: number[]): Uint8Array {
  const b = new DataView(new ArrayBuffer(20));
  b.setUint32(0, 0x58595a20); // 'XYZ '
  v.forEach((x, i) => b.setInt32(8 + 4 * i, s15(x)));
  return new Uint8Array(b.buffer);
}

function descTag(name: string): Uint8Array {
  const text = new TextEncoder().encode(name + "\0");
  const b = new Uint8Array(12 + text.length + 4 + 4 + 67);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x64657363); // 'desc'
  v.setUint32(8, text.length);
  b.set(text, 12);
  return b;
}

/** Header (`classSpacePcs`: bytes 12–23, e.g. "mntrRGB XYZ "), tag table and tags. */
function assemble(classSpacePcs: string, tags: [string, Uint8Array][]): Uint8Array {
  let size = 128 + 4 + 12 * tags.length;
  const offsets = tags.map(([, data]) => {
    const at = size;
    size += (data.length + 3) & ~3;
    return at;
  });
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, size);
  v.setUint32(8, 0x02100000); // version 2.1
  out.set(new TextEncoder().encode(classSpacePcs), 12);
  out.set(new TextEncoder().encode("acsp"), 36);
  xyToXYZ(D50).forEach((x, i) => v.setInt32(68 + 4 * i, s15(x))); // PCS illuminant
  v.setUint32(128, tags.length);
  tags.forEach(([sig, data], i) => {
    out.set(new TextEncoder().encode(sig), 132 + 12 * i);
    v.setUint32(136 + 12 * i, offsets[i]!);
    v.setUint32(140 + 12 * i, data.length);
    out.set(data, offsets[i]!);
  });
  return out;
}

/** A display-class RGB → XYZ matrix/TRC profile of `space` (colorants adapted to D50). */
export function iccProfile(space: RgbSpace): Uint8Array {
  const toD50 = mul(adapt(space.white, D50), rgbToXyz(space));
  const trcTag = () => {
    if (space.trc === "srgb") {
      // 'para' function type 3: Y = (aX + b)^g for X ≥ d, cX below.
      const b = new DataView(new ArrayBuffer(32));
      b.setUint32(0, 0x70617261);
      b.setUint16(8, 3);
      [2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045].forEach((x, i) => b.setInt32(12 + 4 * i, s15(x)));
      return new Uint8Array(b.buffer);
    }
    const b = new DataView(new ArrayBuffer(14));
    b.setUint32(0, 0x63757276); // 'curv', one entry: a u8Fixed8 gamma
    b.setUint32(8, 1);
    b.setUint16(12, Math.round(space.trc.gamma * 256));
    return new Uint8Array(b.buffer);
  };
  const col = (j: number) => [toD50[0]![j]!, toD50[1]![j]!, toD50[2]![j]!];
  const trc = trcTag();
  return assemble("mntrRGB XYZ ", [
    ["desc", descTag(space.name)],
    ["wtpt", xyzTag(xyToXYZ(D50))],
    ["rXYZ", xyzTag(col(0))],
    ["gXYZ", xyzTag(col(1))],
    ["bXYZ", xyzTag(col(2))],
    ["rTRC", trc],
    ["gTRC", trc],
    ["bTRC", trc],
  ]);
}

/** A display-class grey profile whose tone curve is a pure gamma (1.0: linear light). */
export function grayProfile(gamma: number): Uint8Array {
  const curv = new DataView(new ArrayBuffer(14));
  curv.setUint32(0, 0x63757276);
  curv.setUint32(8, 1);
  curv.setUint16(12, Math.round(gamma * 256));
  return assemble("mntrGRAYXYZ ", [
    ["desc", descTag(`Gray gamma ${gamma}`)],
    ["wtpt", xyzTag(xyToXYZ(D50))],
    ["kTRC", new Uint8Array(curv.buffer)],
  ]);
}

/** The reference for grayProfile(gamma): a grey level (0–255) as sRGB 0–255. */
export function grayToSrgb(gamma: number, v: number): number {
  return 255 * encodeSrgb((v / 255) ** gamma);
}

/**
 * A toy press: ink amounts (0–1) to linear sRGB, (1 − k)·(1 − A·[c, m, y]) with some crosstalk
 * between inks. Bilinear in (c, m, y) and k, so any interpolation of a 2-point grid (LittleCMS's
 * tetrahedral in C, M, Y and linear in K included) reproduces it exactly.
 */
const INKS = [
  [0.8, 0.1, 0.05],
  [0.15, 0.75, 0.1],
  [0.05, 0.2, 0.7],
];
const pressLinear = (ink: readonly number[]) => INKS.map((row) => (1 - ink[3]!) * (1 - row[0]! * ink[0]! - row[1]! * ink[1]! - row[2]! * ink[2]!));

/** The reference for cmykProfile(): ink amounts (0–255, 0 = none) as sRGB 0–255. */
export function pressToSrgb(ink: readonly number[]): number[] {
  return pressLinear(ink.map((v) => v / 255)).map((v) => 255 * encodeSrgb(v));
}

/** An output-class CMYK → XYZ profile of the toy press: an A2B0 lut16 with a 2×2×2×2 grid. */
export function cmykProfile(): Uint8Array {
  const toXyz = mul(adapt(D65, D50), rgbToXyz(SRGB));
  const grid = 2;
  const clut: number[] = [];
  // The first input channel varies slowest.
  for (let c = 0; c < grid; c++)
    for (let m = 0; m < grid; m++)
      for (let y = 0; y < grid; y++) for (let k = 0; k < grid; k++) clut.push(...apply(toXyz, pressLinear([c, m, y, k])).map((v) => Math.round(v * 32768)));
  const lut = new DataView(new ArrayBuffer(52 + 4 * 2 * 2 + clut.length * 2 + 3 * 2 * 2));
  lut.setUint32(0, 0x6d667432); // 'mft2'
  lut.setUint8(8, 4);
  lut.setUint8(9, 3);
  lut.setUint8(10, grid);
  for (let i = 0; i < 3; i++) lut.setInt32(12 + 16 * i, 65536); // identity matrix
  lut.setUint16(48, 2);
  lut.setUint16(50, 2);
  let at = 52;
  const put = (v: number) => {
    lut.setUint16(at, v);
    at += 2;
  };
  for (let i = 0; i < 4; i++) [0, 65535].forEach(put);
  clut.forEach(put);
  for (let i = 0; i < 3; i++) [0, 65535].forEach(put);
  return assemble("prtrCMYKXYZ ", [
    ["desc", descTag("Toy press CMYK")],
    ["wtpt", xyzTag(xyToXYZ(D50))],
    ["A2B0", new Uint8Array(lut.buffer)],
  ]);
}

/** APP2 ICC_PROFILE segment payloads carrying `profile` in `parts` pieces (as large profiles are). */
export function iccJpegPayloads(profile: Uint8Array, parts = 1): Uint8Array[] {
  const step = Math.ceil(profile.length / parts);
  return Array.from({ length: parts }, (_, i) => {
    const piece = profile.subarray(i * step, (i + 1) * step);
    const p = new Uint8Array(14 + piece.length);
    p.set(new TextEncoder().encode("ICC_PROFILE\0"));
    p[12] = i + 1;
    p[13] = parts;
    p.set(piece, 14);
    return p;
  });
}
