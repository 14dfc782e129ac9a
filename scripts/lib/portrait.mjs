#!/usr/bin/env node
// Stylised head-and-shoulders placeholder portraits, pure JS raster (signed-distance shapes with
// anti-aliased edges), encoded with jpeg-js (JPEG) or node:zlib (PNG). Deterministic per seed.
//
//   import { portraitJpeg, portraitPng, renderPortrait } from "./scripts/lib/portrait.mjs";
//   const jpg = portraitJpeg({ width: 640, height: 800, seed: "stu-1001", initials: "AB" });
//
// CLI: node scripts/lib/portrait.mjs --out DIR --count N [--size 640x800] [--format jpg|png]
//      [--start 1] [--quality 88] [--seed-prefix portrait-]
// writes DIR/000001.jpg, DIR/000002.jpg, …
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import jpeg from "jpeg-js";
import { hashSeed, rng } from "./random.mjs";
import { Canvas, clamp01, drawText, encodePng, len, sdArcDown, sdEllipse, sdEllipseRot, sdRoundBox, sdSegment, smin } from "./raster.mjs";

// ---------------------------------------------------------------------------------------------
// Palettes

const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
const mix = (a, b, t) => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
const scale = (c, k) => [c[0] * k, c[1] * k, c[2] * k];

const SKIN = ["#f6d7c3", "#efc3a4", "#e5b08e", "#d69a72", "#c68458", "#a8693f", "#8d5530", "#6f4126", "#56321d"].map(hex);
const HAIR = ["#1c1714", "#2b1d16", "#3b271b", "#55362a", "#6e4a2f", "#8a5a2b", "#a8753a", "#c9a063", "#b5532a", "#7a7470"].map(hex);
// background pairs: [top, bottom], soft studio-like pastels
const BACKDROPS = [
  ["#dfe9f3", "#b8c9dc"],
  ["#e7eef0", "#c3d3d6"],
  ["#eae6f2", "#c9c1dc"],
  ["#f1ebe3", "#d7c8b6"],
  ["#e3efe6", "#bcd3c2"],
  ["#eef0f4", "#c8ccd6"],
  ["#f3e7e9", "#dcc0c6"],
  ["#e2ecf7", "#a9bfd8"],
].map(([a, b]) => [hex(a), hex(b)]);
const SHIRTS = ["#2f4b7c", "#3c6e71", "#7a3b4f", "#4f5d75", "#2d3142", "#8c5e3c", "#3f7d4e", "#6b4e9b", "#c25b4a", "#1f6f8b", "#9a8f7a", "#5c6b73"].map(hex);
const IRIS = ["#2a1c14", "#3a2618", "#4a3222", "#34485a", "#3f5a3a", "#23201f"].map(hex);

// ---------------------------------------------------------------------------------------------
// The portrait

/** Picks the look for a seed (exported so callers can describe or override it). */
export function portraitLook(seed) {
  const r = rng(seed);
  const skinIndex = Math.floor(r.next() * SKIN.length);
  const skin = SKIN[skinIndex];
  // darker hair is more common; light skin tones get a wider range of hair colours
  let hair = r.chance(0.55) ? r.pick(HAIR.slice(0, 4)) : r.pick(HAIR);
  if (skinIndex >= 5 && r.chance(0.8)) hair = r.pick(HAIR.slice(0, 3));
  const style = r.pick(["short", "short", "side", "side", "long", "long", "bob", "bun", "curly", "buzz", "ponytail"]);
  return {
    skin,
    hair,
    style,
    backdrop: r.pick(BACKDROPS),
    shirt: r.pick(SHIRTS),
    collar: r.pick(["crew", "crew", "vneck", "collared", "hoodie"]),
    iris: r.pick(IRIS),
    glasses: r.chance(0.22),
    headTilt: r.range(-0.035, 0.035),
    headW: r.range(0.92, 1.06),
    headH: r.range(0.96, 1.05),
    smile: r.range(0.35, 1),
    part: r.chance(0.5) ? 1 : -1,
    blush: r.range(0.05, 0.16),
    glow: r.range(0.25, 0.5),
    // Face geometry and framing, drawn after the attributes above so that a seed keeps its colours
    // and style. Without them two students of the same skin, hair and style differed only by a few
    // per cent of head size: faces are built from the head's size, so they were the same face.
    // Real faces differ in the spacing, size and height of the eyes, the nose, the mouth and the jaw,
    // and photographers frame each student a little differently.
    eyeSpacing: r.range(0.31, 0.45),
    eyeHeight: r.range(0.02, 0.2),
    eyeSize: r.range(0.8, 1.25),
    browLift: r.range(0.13, 0.24),
    noseLength: r.range(0.28, 0.48),
    noseWidth: r.range(0.7, 1.4),
    mouthHeight: r.range(0.5, 0.68),
    mouthWidth: r.range(0.8, 1.3),
    jaw: r.range(0.04, 0.22),
    frameScale: r.range(0.92, 1.08),
    frameX: r.range(-0.04, 0.04),
    frameY: r.range(-0.03, 0.03),
  };
}

/**
 * Renders a portrait: { width, height, data } with RGBA bytes.
 * Options: width, height (default 640×800), seed (any string/number), initials (optional 1–3
 * characters, drawn as a small badge on the chest), look (overrides for portraitLook()).
 */
export function renderPortrait({ width = 640, height = 800, seed = 1, initials, look: overrides } = {}) {
  width = Math.round(width);
  height = Math.round(height);
  if (!(width >= 16 && height >= 16 && width <= 8000 && height <= 8000)) {
    throw new RangeError(`portrait size must be between 16 and 8000 pixels per side; got ${width}×${height}`);
  }
  const look = { ...portraitLook(seed), ...overrides };
  const cv = new Canvas(width, height);

  // Layout in units of `u`, fitted so the figure fills a 4:5 frame and stays centred in others.
  const u = Math.min(width, height / 1.25) * look.frameScale;
  const cx = width / 2 + look.frameX * width;
  const headCy = height * (0.4 + look.frameY);
  const rx = u * 0.195 * look.headW;
  const ry = u * 0.245 * look.headH;
  const [bgTop, bgBottom] = look.backdrop;

  // 1. Backdrop: vertical gradient, a soft light behind the head, a gentle vignette.
  const glowC = mix(bgTop, [255, 255, 255], 0.55);
  cv.paint((x, y) => {
    const t = y / height;
    let c = mix(bgTop, bgBottom, t * t * (3 - 2 * t));
    const gd = len((x - cx) / (u * 0.55), (y - headCy) / (u * 0.6));
    c = mix(c, glowC, look.glow * clamp01(1 - gd) ** 2);
    const vd = len((x - cx) / width, (y - height * 0.45) / height);
    return scale(c, 1 - 0.22 * clamp01((vd - 0.35) / 0.5) ** 1.5);
  });

  const skin = look.skin;
  const skinShade = scale(skin, 0.78);
  const hair = look.hair;
  const hairHi = mix(hair, [255, 240, 220], 0.16);
  const hairLo = scale(hair, 0.8);
  const tilt = look.headTilt;
  const hairTop = headCy - ry * 1.1;
  const above = headCy - ry * 1.7; // top of every hair bbox (generous: clipping shows as flat tops)

  // hair colour with a soft highlight towards the upper left
  const hairColor = (x, y) => {
    const t = clamp01(1 - len((x - (cx - rx * 0.35)) / (rx * 1.4), (y - (headCy - ry * 0.75)) / (ry * 1.1)));
    return mix(mix(hairLo, hair, 0.6 + 0.4 * clamp01((headCy + ry * 2 - y) / (ry * 2.5))), hairHi, t * t);
  };

  // 2. Hair behind the head (long styles, bob, ponytail, curly volume).
  const style = look.style;
  if (style === "long") {
    const sd = (x, y) =>
      Math.min(sdEllipse(x, y, cx, headCy - ry * 0.1, rx * 1.24, ry * 1.12), sdRoundBox(x, y, cx, headCy + ry * 0.75, rx * 1.2, ry * 1.05, rx * 0.5));
    cv.fill(sd, hairColor, { bbox: [cx - rx * 1.4, above, cx + rx * 1.4, headCy + ry * 2] });
  } else if (style === "bob") {
    const sd = (x, y) =>
      Math.min(sdEllipse(x, y, cx, headCy - ry * 0.12, rx * 1.26, ry * 1.08), sdRoundBox(x, y, cx, headCy + ry * 0.28, rx * 1.22, ry * 0.55, rx * 0.35));
    cv.fill(sd, hairColor, { bbox: [cx - rx * 1.4, above, cx + rx * 1.4, headCy + ry] });
  } else if (style === "ponytail") {
    // a tail gathered at the back, peeking out beside the neck
    const px = cx + look.part * rx * 0.78;
    cv.fill((x, y) => sdEllipseRot(x, y, px, headCy + ry * 0.62, rx * 0.2, ry * 0.62, -look.part * 0.12), hairColor, {
      bbox: [px - rx, headCy - ry * 0.2, px + rx, headCy + ry * 1.4],
    });
  } else if (style === "curly") {
    const sd = (x, y) => {
      const dx = x - cx;
      const dy = y - (headCy - ry * 0.12);
      const ang = Math.atan2(dy, dx);
      return sdEllipse(x, y, cx, headCy - ry * 0.12, rx * 1.38, ry * 1.2) - Math.sin(ang * 14) * rx * 0.045 - Math.sin(ang * 23 + 1) * rx * 0.02;
    };
    cv.fill(sd, hairColor, { bbox: [cx - rx * 1.6, above, cx + rx * 1.6, headCy + ry * 1.1] });
  }

  // 3. Neck (drawn long so a V-neck shows skin), with a shadow under the chin.
  const neckTop = headCy + ry * 0.55;
  const neckBottom = height * 0.86;
  const neckW = rx * 0.5;
  cv.fill(
    (x, y) => sdRoundBox(x, y, cx, (neckTop + neckBottom) / 2, neckW, (neckBottom - neckTop) / 2, neckW * 0.3),
    (x, y) => {
      const t = clamp01((y - (headCy + ry * 0.8)) / (ry * 0.55));
      const side = Math.abs(x - cx) / neckW;
      return mix(scale(skin, 0.8), mix(skin, skinShade, 0.35), t * t * (3 - 2 * t)).map((v) => v * (1 - 0.1 * side * side));
    },
    { bbox: [cx - neckW, neckTop, cx + neckW, neckBottom] },
  );

  // 4. Shoulders and shirt.
  const shoulderTop = headCy + ry * 1.38;
  const shirt = look.shirt;
  const shirtHi = mix(shirt, [255, 255, 255], 0.12);
  const shirtLo = scale(shirt, 0.72);
  // a rounded torso: a wide dome for the shoulders blended into a box below
  const shoulders = (x, y) =>
    smin(sdEllipse(x, y, cx, shoulderTop + u * 0.3, u * 0.43, u * 0.3), sdRoundBox(x, y, cx, shoulderTop + u * 0.62, u * 0.45, u * 0.45, u * 0.12), u * 0.06);
  const vDepth = look.collar === "vneck" ? ry * 0.7 : 0;
  const vneck = (x, y) => {
    // a V cut out of the shirt below the neck
    const top = shoulderTop - ry * 0.05;
    const half = neckW * 1.05 * clamp01(1 - (y - top) / Math.max(1, vDepth));
    return Math.max(Math.abs(x - cx) - half, top - y);
  };
  const neckHole = (x, y) => sdEllipse(x, y, cx, shoulderTop - ry * 0.02, neckW * 1.02, ry * 0.16);
  const shirtShape =
    look.collar === "vneck"
      ? (x, y) => Math.max(shoulders(x, y), -vneck(x, y))
      : look.collar === "hoodie"
        ? (x, y) => Math.max(shoulders(x, y), -neckHole(x, y))
        : shoulders;
  const shirtColor = (x, y) => {
    const side = (x - cx) / (u * 0.44);
    const down = clamp01((y - shoulderTop) / (height - shoulderTop));
    const base = mix(shirtHi, shirt, clamp01(0.3 + down * 1.2));
    return mix(base, shirtLo, clamp01(side * side * 0.75 + side * 0.12));
  };
  cv.fill(shirtShape, shirtColor, { bbox: [cx - u * 0.46, shoulderTop - u * 0.05, cx + u * 0.46, height] });
  if (look.collar === "crew") {
    cv.fill(
      (x, y) => Math.max(Math.abs(sdEllipse(x, y, cx, shoulderTop - ry * 0.02, neckW * 1.18, ry * 0.2)) - u * 0.009, shoulderTop - ry * 0.08 - y),
      shirtLo,
      { bbox: [cx - neckW * 1.4, shoulderTop - ry * 0.3, cx + neckW * 1.4, shoulderTop + ry * 0.3] },
    );
  } else if (look.collar === "collared") {
    const white = hex("#f4f4f2");
    for (const side of [-1, 1]) {
      const ax = cx + side * neckW * 1.15;
      const ay = shoulderTop - ry * 0.12;
      const bx = cx + side * neckW * 0.05;
      const by = shoulderTop + ry * 0.42;
      const ccx = cx + side * neckW * 1.5;
      const ccy = shoulderTop + ry * 0.3;
      // a triangle collar flap
      const tri = (x, y) => {
        const e = [
          [ax, ay, bx, by],
          [bx, by, ccx, ccy],
          [ccx, ccy, ax, ay],
        ];
        let d = -Infinity;
        for (const [x0, y0, x1, y1] of e) {
          const nx = y1 - y0;
          const ny = -(x1 - x0);
          const n = len(nx, ny);
          d = Math.max(d, (((x - x0) * nx + (y - y0) * ny) / n) * (side > 0 ? -1 : 1));
        }
        return d - u * 0.004;
      };
      cv.fill(tri, (_x, y) => mix(white, hex("#c9ccd2"), clamp01((y - ay) / (by - ay)) * 0.5), {
        bbox: [Math.min(ax, bx, ccx), ay, Math.max(ax, bx, ccx), Math.max(by, ccy)],
      });
    }
  } else if (look.collar === "hoodie") {
    const hood = scale(shirt, 0.85);
    cv.fill(
      (x, y) => Math.max(Math.abs(sdEllipse(x, y, cx, shoulderTop - ry * 0.02, neckW * 1.32, ry * 0.26)) - u * 0.03, shoulderTop - ry * 0.12 - y),
      (_x, y) => mix(hood, shirtLo, clamp01((y - shoulderTop) / (ry * 0.4)) * 0.5),
      { bbox: [cx - neckW * 2, shoulderTop - ry * 0.5, cx + neckW * 2, shoulderTop + ry * 0.5] },
    );
    for (const side of [-1, 1]) {
      cv.fill(
        (x, y) => sdSegment(x, y, cx + side * neckW * 0.45, shoulderTop + ry * 0.28, cx + side * neckW * 0.5, shoulderTop + ry * 0.85, u * 0.006),
        hex("#eeeeee"),
        {
          bbox: [cx - neckW, shoulderTop, cx + neckW, shoulderTop + ry],
        },
      );
    }
  }

  // 5. Ears, then the head with soft shading.
  for (const side of [-1, 1]) {
    cv.fill((x, y) => sdEllipse(x, y, cx + side * rx * 0.97, headCy + ry * 0.08, rx * 0.16, ry * 0.2), mix(skin, skinShade, 0.45), {
      bbox: [cx + side * rx - rx * 0.25, headCy - ry * 0.2, cx + side * rx + rx * 0.25, headCy + ry * 0.4],
    });
  }
  const cosT = Math.cos(tilt);
  const sinT = Math.sin(tilt);
  const head = (x, y) => {
    // an egg: wider at the temples than the jaw
    const dx = x - cx;
    const dy = y - headCy;
    const lx = dx * cosT + dy * sinT;
    const ly = -dx * sinT + dy * cosT;
    const taper = 1 - look.jaw * clamp01(ly / ry);
    return sdEllipse(lx / taper, ly, 0, 0, rx, ry) * (0.9 + 0.1 * taper);
  };
  const skinLight = mix(skin, [255, 246, 236], 0.12);
  cv.fill(
    head,
    (x, y) => {
      const nx = (x - cx) / rx;
      const ny = (y - headCy) / ry;
      const rr = nx * nx + ny * ny;
      const light = clamp01(1 - len(nx + 0.35, ny + 0.35) / 1.3);
      return mix(mix(skin, skinShade, clamp01((rr - 0.55) / 0.6) * 0.7 + (nx > 0 ? nx * 0.08 : 0)), skinLight, light * 0.6);
    },
    { bbox: [cx - rx * 1.1, headCy - ry * 1.1, cx + rx * 1.1, headCy + ry * 1.1] },
  );

  // 6. Hair on top of the head: an outer cap minus a face window, varied by style.
  const part = look.part;
  let cap;
  if (style === "buzz") {
    cap = (x, y) => Math.max(sdEllipse(x, y, cx, headCy - ry * 0.04, rx * 1.03, ry * 1.02), -sdEllipse(x, y, cx, headCy + ry * 0.28, rx * 0.99, ry * 0.98));
    cv.fill(cap, mix(hair, skin, 0.35), { bbox: [cx - rx * 1.2, above, cx + rx * 1.2, headCy + ry * 0.6] });
  } else {
    const volume = style === "curly" ? 1.18 : style === "short" ? 1.07 : 1.1;
    const outer = (x, y) => sdEllipse(x, y, cx, headCy - ry * 0.1, rx * volume, ry * (volume - 0.01));
    let window;
    if (style === "side" || style === "long" || style === "bob" || style === "ponytail") {
      // swept fringe: a tilted face window, higher on the parting side
      window = (x, y) => sdEllipseRot(x, y, cx - part * rx * 0.12, headCy + ry * 0.32, rx * 0.98, ry * 0.92, part * 0.22);
    } else if (style === "curly") {
      window = (x, y) => sdEllipse(x, y, cx, headCy + ry * 0.34, rx * 0.95, ry * 0.9);
    } else {
      // short: a gently rounded hairline
      window = (x, y) => Math.min(sdEllipse(x, y, cx, headCy + ry * 0.3, rx * 0.97, ry * 0.93), sdEllipse(x, y, cx, headCy + ry * 0.62, rx * 1.2, ry * 0.9));
    }
    cap = (x, y) => Math.max(outer(x, y), -window(x, y));
    if (style === "bun") {
      cv.fill((x, y) => sdEllipse(x, y, cx, hairTop - ry * 0.05, rx * 0.42, ry * 0.3), hairColor, {
        bbox: [cx - rx * 0.6, hairTop - ry * 0.5, cx + rx * 0.6, hairTop + ry * 0.3],
      });
    }
    if (style === "long" || style === "bob") {
      // side locks framing the face
      const sideLocks = (x, y) =>
        Math.min(
          sdRoundBox(x, y, cx - rx * 0.98, headCy + ry * (style === "long" ? 0.35 : 0.2), rx * 0.17, ry * (style === "long" ? 0.6 : 0.42), rx * 0.15),
          sdRoundBox(x, y, cx + rx * 0.98, headCy + ry * (style === "long" ? 0.35 : 0.2), rx * 0.17, ry * (style === "long" ? 0.6 : 0.42), rx * 0.15),
        );
      const both = (x, y) => smin(cap(x, y), sideLocks(x, y), rx * 0.12);
      cv.fill(both, hairColor, { bbox: [cx - rx * 1.3, above, cx + rx * 1.3, headCy + ry * 1.1] });
    } else {
      cv.fill(cap, hairColor, { bbox: [cx - rx * 1.4, above, cx + rx * 1.4, headCy + ry * 0.8] });
    }
    // a few soft strands of highlight
    for (let k = 0; k < 3; k++) {
      const ox = cx + (k - 1) * rx * 0.3 - part * rx * 0.1;
      cv.fill((x, y) => Math.max(sdArcDown(x, y, ox + part * rx * 0.5, headCy - ry * 0.15, 0.5, rx * 0.65, u * 0.004), cap(x, y)), hairHi, {
        bbox: [cx - rx * 1.2, above, cx + rx * 1.2, headCy + ry * 0.2],
        opacity: 0.35,
        soft: 2,
      });
    }
  }

  // 7. Face.
  const eyeY = headCy + ry * look.eyeHeight;
  const eyeDX = rx * look.eyeSpacing;
  const es = look.eyeSize;
  const white = hex("#fbfaf8");
  const dark = mix(hex("#20181a"), look.iris, 0.4);
  for (const side of [-1, 1]) {
    const ex = cx + side * eyeDX + Math.sin(tilt) * 0;
    const ey = eyeY + side * tilt * rx * 0.38;
    // white of the eye, iris, pupil, catch light
    cv.fill((x, y) => sdEllipse(x, y, ex, ey, rx * 0.13 * es, ry * 0.062 * es), white, {
      bbox: [ex - rx * 0.2, ey - ry * 0.1, ex + rx * 0.2, ey + ry * 0.1],
      opacity: 0.95,
    });
    cv.fill(
      (x, y) => Math.max(sdEllipse(x, y, ex, ey, rx * 0.075 * es, rx * 0.075 * es), sdEllipse(x, y, ex, ey, rx * 0.13 * es, ry * 0.062 * es)),
      look.iris,
      {
        bbox: [ex - rx * 0.1, ey - rx * 0.1, ex + rx * 0.1, ey + rx * 0.1],
      },
    );
    cv.fill((x, y) => sdEllipse(x, y, ex, ey, rx * 0.036, rx * 0.036), dark, { bbox: [ex - rx * 0.05, ey - rx * 0.05, ex + rx * 0.05, ey + rx * 0.05] });
    cv.fill((x, y) => sdEllipse(x, y, ex - rx * 0.025, ey - rx * 0.028, rx * 0.016, rx * 0.016), white, { bbox: [ex - rx * 0.06, ey - rx * 0.06, ex, ey] });
    // upper lid line
    cv.fill((x, y) => Math.max(Math.abs(sdEllipse(x, y, ex, ey, rx * 0.13 * es, ry * 0.062 * es)) - u * 0.0035, y - ey + ry * 0.01), dark, {
      bbox: [ex - rx * 0.2, ey - ry * 0.1, ex + rx * 0.2, ey],
      opacity: 0.85,
    });
    // brow
    const bx = ex + side * rx * 0.02;
    const by = ey - ry * look.browLift;
    cv.fill((x, y) => sdEllipseRot(x, y, bx, by, rx * 0.16, ry * 0.022, side * -0.12), hairLo, {
      bbox: [bx - rx * 0.2, by - ry * 0.06, bx + rx * 0.2, by + ry * 0.06],
      opacity: 0.9,
    });
    // cheek blush
    cv.fill((x, y) => sdEllipse(x, y, cx + side * rx * 0.52, headCy + ry * 0.4, rx * 0.16, ry * 0.09), hex("#e0707a"), {
      bbox: [cx + side * rx * 0.52 - rx * 0.35, headCy + ry * 0.2, cx + side * rx * 0.52 + rx * 0.35, headCy + ry * 0.6],
      opacity: look.blush,
      soft: rx * 0.18,
    });
  }
  // nose: a soft shadow and a small curved line
  const noseY = headCy + ry * look.noseLength;
  const noseR = rx * 0.07 * look.noseWidth;
  cv.fill((x, y) => sdArcDown(x, y, cx, noseY - noseR - rx * 0.01, 0.9, noseR, u * 0.004), skinShade, {
    bbox: [cx - noseR * 2, noseY - noseR * 2.2, cx + noseR * 2, noseY + rx * 0.05],
    opacity: 0.75,
  });
  // smile
  const mouthY = headCy + ry * look.mouthHeight;
  const smileR = rx * (0.26 + 0.06 * look.smile) * look.mouthWidth;
  const lip = mix(skinShade, hex("#9c4a52"), 0.55);
  cv.fill((x, y) => sdArcDown(x, y, cx, mouthY - smileR, 0.32 + 0.22 * look.smile, smileR, u * 0.0055), lip, {
    bbox: [cx - smileR, mouthY - smileR * 0.5, cx + smileR, mouthY + u * 0.02],
  });

  // 8. Glasses.
  if (look.glasses) {
    const frame = mix(hex("#2b2b33"), hair, 0.3);
    for (const side of [-1, 1]) {
      const ex = cx + side * eyeDX;
      const ey = eyeY + side * tilt * rx * 0.38;
      cv.fill((x, y) => Math.abs(sdRoundBox(x, y, ex, ey, rx * 0.22, ry * 0.12, rx * 0.09)) - u * 0.0045, frame, {
        bbox: [ex - rx * 0.3, ey - ry * 0.2, ex + rx * 0.3, ey + ry * 0.2],
      });
      cv.fill((x, y) => sdRoundBox(x, y, ex, ey, rx * 0.22, ry * 0.12, rx * 0.09), [255, 255, 255], {
        bbox: [ex - rx * 0.3, ey - ry * 0.2, ex + rx * 0.3, ey + ry * 0.2],
        opacity: 0.1,
      });
    }
    cv.fill((x, y) => sdArcDown(x, y, cx, eyeY + ry * 0.02, 0.9, rx * 0.13, u * 0.004), frame, {
      bbox: [cx - rx * 0.2, eyeY - ry * 0.2, cx + rx * 0.2, eyeY + ry * 0.2],
    });
  }

  // 9. Optional initials: a name badge on the chest.
  const label = String(initials ?? "")
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "")
    .slice(0, 3);
  if (label) {
    const cell = Math.max(1, u * 0.0085);
    const bw = (label.length * 6.2 + 2.6) * cell;
    const bh = 10.5 * cell;
    const bcx = cx + u * 0.2;
    const bcy = Math.min(height - bh, shoulderTop + u * 0.26);
    cv.fill((x, y) => sdRoundBox(x, y, bcx, bcy + cell * 0.6, bw / 2, bh / 2, cell * 2), [0, 0, 0], {
      opacity: 0.18,
      soft: cell * 2,
      bbox: [bcx - bw, bcy - bh, bcx + bw, bcy + bh],
    });
    cv.fill((x, y) => sdRoundBox(x, y, bcx, bcy, bw / 2, bh / 2, cell * 2), hex("#fafafa"), { bbox: [bcx - bw, bcy - bh, bcx + bw, bcy + bh] });
    drawText(cv, label, bcx, bcy, cell, mix(shirt, [0, 0, 0], 0.25));
  }

  return { width, height, data: cv.toRgba(hashSeed(seed)) };
}

// ---------------------------------------------------------------------------------------------
// Encoders

/** A JPEG portrait (Buffer). quality 1–100, default 88. */
export function portraitJpeg({ width = 640, height = 800, seed = 1, initials, look, quality = 88 } = {}) {
  const img = renderPortrait({ width, height, seed, initials, look });
  return Buffer.from(jpeg.encode({ data: img.data, width: img.width, height: img.height }, quality).data);
}

/** A PNG portrait (Buffer). */
export function portraitPng({ width = 640, height = 800, seed = 1, initials, look } = {}) {
  return encodePng(renderPortrait({ width, height, seed, initials, look }));
}

// ---------------------------------------------------------------------------------------------
// CLI

const USAGE = `Usage: node scripts/lib/portrait.mjs --out DIR --count N [--size 640x800] [--format jpg|png]
                                     [--start 1] [--quality 88] [--seed-prefix portrait-] [--initials]

Writes N placeholder portraits named 000001.jpg, 000002.jpg, … (numbering from --start) into DIR.
The picture for a number is always the same (seeded by --seed-prefix + number).`;

async function main(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        out: { type: "string" },
        count: { type: "string" },
        size: { type: "string", default: "640x800" },
        format: { type: "string", default: "jpg" },
        start: { type: "string", default: "1" },
        quality: { type: "string", default: "88" },
        "seed-prefix": { type: "string", default: "portrait-" },
        initials: { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    console.error(`error: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const bad = (m) => {
    console.error(`error: ${m}\n\n${USAGE}`);
    return 2;
  };
  if (!values.out) return bad("--out is required.");
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > 1_000_000) return bad("--count must be a whole number from 1 to 1000000.");
  const sm = /^(\d+)[x×](\d+)$/i.exec(values.size.trim());
  if (!sm) return bad(`--size ${JSON.stringify(values.size)} must look like 640x800.`);
  const [width, height] = [Number(sm[1]), Number(sm[2])];
  if (width < 16 || height < 16 || width > 8000 || height > 8000) return bad("--size sides must be 16–8000 pixels.");
  const format = values.format.toLowerCase().replace("jpeg", "jpg");
  if (format !== "jpg" && format !== "png") return bad("--format must be jpg or png.");
  const start = Number(values.start);
  if (!Number.isInteger(start) || start < 0) return bad("--start must be a whole number.");
  const quality = Number(values.quality);
  if (!(quality >= 1 && quality <= 100)) return bad("--quality must be 1–100.");

  mkdirSync(values.out, { recursive: true });
  const t0 = Date.now();
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const n = start + i;
    const name = `${String(n).padStart(6, "0")}.${format}`;
    const seed = `${values["seed-prefix"]}${n}`;
    const opts = { width, height, seed, initials: values.initials ? String(n % 1000) : undefined, quality };
    const buf = format === "jpg" ? portraitJpeg(opts) : portraitPng(opts);
    writeFileSync(path.join(values.out, name), buf);
    bytes += buf.length;
    if (count >= 20 && (i + 1) % Math.ceil(count / 10) === 0) console.error(`  ${i + 1}/${count}`);
  }
  console.log(
    `wrote ${count} ${format.toUpperCase()} portrait(s), ${width}×${height}, ${(bytes / 1024 / 1024).toFixed(1)} MB, to ${path.resolve(values.out)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
