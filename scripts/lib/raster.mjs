// Drawing and encoding RGB rasters for the placeholder portraits (scripts/lib/portrait.mjs):
// signed-distance shapes, the anti-aliased canvas they are painted on, a tiny font for initials,
// and a dependency-free PNG encoder. Split from portrait.mjs so each file has one job.
import { crc32, deflateSync } from "node:zlib";

export const clamp01 = (v) => Math.min(1, Math.max(0, v));
/** Math.hypot for two numbers, much faster in V8's hot loops. */
export const len = (x, y) => Math.sqrt(x * x + y * y);

// ---------------------------------------------------------------------------------------------
// Signed distance functions (pixels; negative inside)

/** Ellipse, Inigo Quilez's cheap approximation (good near the edge, which is all we need). */
export function sdEllipse(px, py, cx, cy, rx, ry) {
  const x = (px - cx) / rx;
  const y = (py - cy) / ry;
  const k0 = len(x, y);
  const k1 = len(x / rx, y / ry);
  if (k1 === 0) return -Math.min(rx, ry);
  return (k0 * (k0 - 1)) / k1;
}

/** Rotated ellipse (angle in radians). */
export function sdEllipseRot(px, py, cx, cy, rx, ry, angle) {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const dx = px - cx;
  const dy = py - cy;
  return sdEllipse(dx * c + dy * s, -dx * s + dy * c, 0, 0, rx, ry);
}

/** Rounded box centred at (cx, cy) with half sizes hx, hy and corner radius r. */
export function sdRoundBox(px, py, cx, cy, hx, hy, r) {
  const qx = Math.abs(px - cx) - hx + r;
  const qy = Math.abs(py - cy) - hy + r;
  return len(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

/**
 * Arc of radius ra and thickness rb around (cx, cy), symmetric about the downward axis
 * (image coordinates), half aperture `half` radians. A smile when centred above the mouth.
 */
export function sdArcDown(px, py, cx, cy, half, ra, rb) {
  const x = Math.abs(px - cx);
  const y = py - cy;
  const sx = Math.sin(half);
  const sy = Math.cos(half);
  return (sy * x > sx * y ? len(x - sx * ra, y - sy * ra) : Math.abs(len(x, y) - ra)) - rb;
}

/** Polynomial smooth minimum: unions two shapes with a rounded join of size k. */
export function smin(a, b, k) {
  const h = clamp01(0.5 + (0.5 * (b - a)) / k);
  return b + (a - b) * h - k * h * (1 - h);
}

/** Capsule (segment a→b with radius r). */
export function sdSegment(px, py, ax, ay, bx, by, r) {
  const pax = px - ax;
  const pay = py - ay;
  const bax = bx - ax;
  const bay = by - ay;
  const h = clamp01((pax * bax + pay * bay) / (bax * bax + bay * bay));
  return len(pax - bax * h, pay - bay * h) - r;
}

// ---------------------------------------------------------------------------------------------
// Canvas

export class Canvas {
  constructor(width, height) {
    this.width = width;
    this.height = height;
    this.rgb = new Float32Array(width * height * 3);
  }

  /** Fills every pixel from colorAt(x, y) → [r, g, b]. */
  paint(colorAt) {
    const { width, height, rgb } = this;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const c = colorAt(x + 0.5, y + 0.5);
        const i = (y * width + x) * 3;
        rgb[i] = c[0];
        rgb[i + 1] = c[1];
        rgb[i + 2] = c[2];
      }
    }
  }

  /**
   * Composites a shape. sdf(x, y) is a distance in pixels; color is [r,g,b] or (x, y, d) → [r,g,b];
   * opacity scales coverage; soft widens the edge (pixels) for blurred shapes like blush or glow.
   * bbox [x0, y0, x1, y1] limits the work.
   */
  fill(sdf, color, { bbox, opacity = 1, soft = 0 } = {}) {
    const { width, height, rgb } = this;
    const edge = Math.max(1, soft);
    const pad = edge + 1;
    const x0 = Math.max(0, Math.floor((bbox ? bbox[0] : 0) - pad));
    const y0 = Math.max(0, Math.floor((bbox ? bbox[1] : 0) - pad));
    const x1 = Math.min(width, Math.ceil((bbox ? bbox[2] : width) + pad));
    const y1 = Math.min(height, Math.ceil((bbox ? bbox[3] : height) + pad));
    const fn = typeof color === "function";
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const px = x + 0.5;
        const py = y + 0.5;
        const d = sdf(px, py);
        if (d >= edge * 0.5) continue;
        let a = clamp01(0.5 - d / edge);
        if (soft) a = a * a * (3 - 2 * a); // smoothstep for soft shapes
        a *= opacity;
        if (a <= 0) continue;
        const c = fn ? color(px, py, d) : color;
        const i = (y * width + x) * 3;
        rgb[i] += (c[0] - rgb[i]) * a;
        rgb[i + 1] += (c[1] - rgb[i + 1]) * a;
        rgb[i + 2] += (c[2] - rgb[i + 2]) * a;
      }
    }
  }

  /** RGBA bytes (what jpeg-js wants), with a touch of dithering noise so gradients do not band. */
  toRgba(noiseSeed = 1) {
    const { width, height, rgb } = this;
    const out = new Uint8Array(width * height * 4);
    let s = noiseSeed >>> 0 || 1;
    for (let p = 0, i = 0, o = 0; p < width * height; p++, i += 3, o += 4) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      const n = ((s >>> 0) / 4294967296 - 0.5) * 1.6;
      out[o] = Math.max(0, Math.min(255, Math.round(rgb[i] + n)));
      out[o + 1] = Math.max(0, Math.min(255, Math.round(rgb[i + 1] + n)));
      out[o + 2] = Math.max(0, Math.min(255, Math.round(rgb[i + 2] + n)));
      out[o + 3] = 255;
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// A tiny 5×7 font for initials

export const FONT = {
  A: "01110100011000111111100011000110001",
  B: "11110100011000111110100011000111110",
  C: "01110100011000010000100001000101110",
  D: "11110100011000110001100011000111110",
  E: "11111100001000011110100001000011111",
  F: "11111100001000011110100001000010000",
  G: "01110100011000010111100011000101111",
  H: "10001100011000111111100011000110001",
  I: "01110001000010000100001000010001110",
  J: "00111000100001000010000101001001100",
  K: "10001100101010011000101001001010001",
  L: "10000100001000010000100001000011111",
  M: "10001110111010110101100011000110001",
  N: "10001110011010110011100011000110001",
  O: "01110100011000110001100011000101110",
  P: "11110100011000111110100001000010000",
  Q: "01110100011000110001101011001001101",
  R: "11110100011000111110101001001010001",
  S: "01111100001000001110000010000111110",
  T: "11111001000010000100001000010000100",
  U: "10001100011000110001100011000101110",
  V: "10001100011000110001100010101000100",
  W: "10001100011000110101101011010101010",
  X: "10001100010101000100010101000110001",
  Y: "10001100010101000100001000010000100",
  Z: "11111000010001000100010001000011111",
  0: "01110100011001110101110011000101110",
  1: "00100011000010000100001000010001110",
  2: "01110100010000100010001000100011111",
  3: "11111000100010000010000011000101110",
  4: "00010001100101010010111110001000010",
  5: "11111100001111000001000011000101110",
  6: "00110010001000011110100011000101110",
  7: "11111000010001000100010000100001000",
  8: "01110100011000101110100011000101110",
  9: "01110100011000101111000010001001100",
};

export function drawText(canvas, text, cx, cy, cell, color) {
  const glyphs = [...text.toUpperCase()].filter((ch) => FONT[ch]);
  if (!glyphs.length) return;
  const gw = 5 * cell;
  const gap = cell * 1.2;
  const total = glyphs.length * gw + (glyphs.length - 1) * gap;
  let left = cx - total / 2;
  const top = cy - 3.5 * cell;
  const r = cell * 0.5;
  for (const ch of glyphs) {
    const bits = FONT[ch];
    const gx = left;
    const on = (c, rr) => c >= 0 && c < 5 && rr >= 0 && rr < 7 && bits[rr * 5 + c] === "1";
    canvas.fill(
      (px, py) => {
        // union of cells, with neighbouring cells bridged so strokes read as continuous lines
        const c = Math.floor((px - gx) / cell);
        const rr = Math.floor((py - top) / cell);
        let d = Infinity;
        for (let dr = -1; dr <= 1; dr++) {
          for (let dc = -1; dc <= 1; dc++) {
            const c2 = c + dc;
            const r2 = rr + dr;
            if (!on(c2, r2)) continue;
            const ccx = gx + (c2 + 0.5) * cell;
            const ccy = top + (r2 + 0.5) * cell;
            d = Math.min(d, len(px - ccx, py - ccy) - r);
            // bridges to right / down / diagonal neighbours
            for (const [bc, br] of [
              [1, 0],
              [0, 1],
              [1, 1],
              [-1, 1],
            ]) {
              if (on(c2 + bc, r2 + br) && !(bc !== 0 && br !== 0 && (on(c2 + bc, r2) || on(c2, r2 + br)))) {
                d = Math.min(d, sdSegment(px, py, ccx, ccy, ccx + bc * cell, ccy + br * cell, r));
              }
            }
          }
        }
        return d;
      },
      color,
      { bbox: [gx - cell, top - cell, gx + gw + cell, top + 8 * cell] },
    );
    left += gw + gap;
  }
}

// ---------------------------------------------------------------------------------------------
// PNG

function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** Encodes RGBA bytes as an 8-bit RGB PNG (filter "Sub" on every row; zlib from node). */
export function encodePng({ width, height, data }) {
  const stride = width * 3;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const o = y * (stride + 1);
    raw[o] = 1; // filter: Sub
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 4;
      for (let ch = 0; ch < 3; ch++) {
        const prev = x > 0 ? data[s - 4 + ch] : 0;
        raw[o + 1 + x * 3 + ch] = (data[s + ch] - prev) & 0xff;
      }
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter method
  ihdr[12] = 0; // no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", deflateSync(raw, { level: 9 })),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}
