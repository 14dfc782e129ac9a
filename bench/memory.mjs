#!/usr/bin/env node
// Peak memory of the src/imaging/ pipeline (bench/lib/imaging-entry.ts, bundled for node with
// esbuild; photon's node build) for the largest picture of each kind that the limits accept, each in a fresh process (WebAssembly
// memory only ever grows, so one process per picture gives clean numbers).
//
//   node bench/memory.mjs [--only jpeg] [--json out.json]
//
// Reports, per kind: photon's WASM memory before and after (what an isolate keeps for good), the
// JS ArrayBuffers one processPortrait call allocates (its planes, buffers and outputs, the input
// excluded), the input size, and the time. The same WASM budget (WASM_MEMORY_BUDGET) is asserted
// inside workerd by test/imaging.test.ts ("memory").
//
// Pictures are generated once (named by their size and byte limit, so a changed limit makes new ones) into
// .bench/corpus/imaging-limits/ with sharp (and a little noise, so
// that they weigh what photos weigh), padded with metadata up to the byte limit where that applies.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { wasmModulePlugin } from "./lib/wasm-module.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const DIR = path.join(ROOT, ".bench", "corpus", "imaging-limits");
const BUILD = path.join(ROOT, ".bench", "imaging");
const MiB = 1024 * 1024;

/** Deterministic photo-like RGB(A): gradients, soft shapes and noise. */
function pixels(w, h, channels, noise, seed = 1) {
  const d = Buffer.alloc(w * h * channels);
  let s = seed >>> 0 || 1;
  for (let y = 0, p = 0; y < h; y++) {
    for (let x = 0; x < w; x++, p += channels) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      const n = ((s & 1023) / 1023 - 0.5) * 2 * noise;
      const r = Math.hypot(x / w - 0.5, y / h - 0.4) < 0.2 ? 40 : 0;
      d[p] = Math.max(0, Math.min(255, (200 * x) / w + 30 + r + n));
      d[p + 1] = Math.max(0, Math.min(255, (180 * y) / h + 40 + n));
      d[p + 2] = Math.max(0, Math.min(255, 128 + 80 * Math.sin(x / 97) * Math.cos(y / 89) - r + n));
      if (channels === 4) d[p + 3] = (x + y) % 300 < 40 ? 128 : 255;
    }
  }
  return d;
}

/** Inserts COM segments after SOI until the JPEG is about `total` bytes. */
function padJpeg(jpeg, total) {
  const segs = [];
  let size = jpeg.length;
  while (size + 4 < total) {
    const n = Math.min(65533, total - size - 4);
    const seg = Buffer.alloc(n + 4, 0x78);
    seg.writeUInt16BE(0xfffe, 0);
    seg.writeUInt16BE(n + 2, 2);
    segs.push(seg);
    size += n + 4;
  }
  return Buffer.concat([jpeg.subarray(0, 2), ...segs, jpeg.subarray(2)]);
}

/** Adds a tEXt chunk before IDAT so the PNG is about `total` bytes. */
async function padPng(png, total) {
  const { crc32 } = await import("node:zlib");
  const n = Math.max(0, total - png.length - 12);
  const chunk = Buffer.alloc(n + 12);
  chunk.writeUInt32BE(n, 0);
  chunk.write("tEXt", 4, "latin1");
  chunk.write("Comment\0", 8, "latin1");
  chunk.fill(0x78, 16, 8 + n);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + n)) >>> 0, 8 + n);
  const at = 8 + 25; // after the signature and IHDR
  return Buffer.concat([png.subarray(0, at), chunk, png.subarray(at)]);
}

async function kinds(limits, cost) {
  const sharp = (await import("sharp")).default;
  const { maxBytes, maxPixels, whole, png } = limits;
  const raw = (w, h, ch, noise) => sharp(pixels(w, h, ch, noise), { raw: { width: w, height: h, channels: ch } });
  // The largest 4:3 picture under the pixel limit.
  const bigW = Math.floor(Math.sqrt((maxPixels * 4) / 3) / 16) * 16;
  const bigH = Math.floor((bigW * 3) / 4 / 16) * 16;
  const side = Math.floor(Math.sqrt(whole.maxPixels));
  const pngSide = Math.floor(Math.sqrt(png.maxPixels));
  // pixelLimit() in src/imaging/limits.ts: the limit lowered in proportion to the costlier decode.
  const cmykSide = Math.floor(Math.sqrt((whole.maxPixels * cost.standard) / cost.progressiveCmyk));
  const pngRgba16 = Math.floor(Math.sqrt(2_090_000));
  return [
    {
      name: `baseline JPEG 4:2:0 ${bigW}×${bigH}, padded to the byte limit`,
      file: "jpeg420-max.jpg",
      make: async () => padJpeg(await raw(bigW, bigH, 3, 6).jpeg({ quality: 90 }).toBuffer(), maxBytes - 64),
    },
    {
      name: `baseline JPEG 4:4:4 ${bigW}×${bigH}`,
      file: "jpeg444-max.jpg",
      make: async () => raw(bigW, bigH, 3, 6).jpeg({ quality: 90, chromaSubsampling: "4:4:4" }).toBuffer(),
    },
    {
      name: `baseline JPEG grey ${bigW}×${bigH}`,
      file: "jpeggray-max.jpg",
      make: async () => raw(bigW, bigH, 3, 6).toColourspace("b-w").jpeg({ quality: 90 }).toBuffer(),
    },
    {
      name: "baseline JPEG 4:2:0 3000×4000 (a 12 MP phone photo)",
      file: "jpeg420-12mp.jpg",
      make: async () => raw(3000, 4000, 3, 7).jpeg({ quality: 92 }).toBuffer(),
    },
    {
      name: `progressive JPEG ${side}×${side}, padded to its byte limit`,
      file: `progressive-${side}-${whole.maxBytes}.jpg`,
      make: async () => padJpeg(await raw(side, side, 3, 6).jpeg({ quality: 90, progressive: true }).toBuffer(), whole.maxBytes - 64),
    },
    {
      name: `progressive CMYK JPEG ${cmykSide}×${cmykSide}`,
      file: `progressive-cmyk-${cmykSide}.jpg`,
      make: async () => raw(cmykSide, cmykSide, 3, 6).toColourspace("cmyk").jpeg({ quality: 90, progressive: true }).toBuffer(),
    },
    {
      name: `PNG RGBA 8-bit ${pngSide}×${pngSide}, padded to its byte limit`,
      file: `png-rgba-${pngSide}-${png.maxBytes}.png`,
      make: async () => padPng(await raw(pngSide, pngSide, 4, 0).png({ compressionLevel: 6 }).toBuffer(), png.maxBytes - 64),
    },
    {
      name: `PNG RGBA 16-bit ${pngRgba16}×${pngRgba16}`,
      file: "png-rgba16-max.png",
      make: async () => raw(pngRgba16, pngRgba16, 4, 1).toColourspace("rgb16").png({ compressionLevel: 6 }).toBuffer(),
    },
    {
      name: `PNG RGBA 8-bit interlaced ${side}×${side}, padded to its byte limit`,
      file: `png-interlaced-${side}-${whole.maxBytes}.png`,
      make: async () => padPng(await raw(side, side, 4, 0).png({ progressive: true, compressionLevel: 6 }).toBuffer(), whole.maxBytes - 64),
    },
    { name: `WebP lossy ${side}×${side}`, file: `webp-lossy-${side}.webp`, make: async () => raw(side, side, 3, 6).webp({ quality: 90 }).toBuffer() },
    { name: `WebP lossless ${side}×${side}`, file: `webp-lossless-${side}.webp`, make: async () => raw(side, side, 4, 3).webp({ lossless: true }).toBuffer() },
  ];
}

async function loadModule() {
  const { build } = await import("esbuild");
  mkdirSync(BUILD, { recursive: true });
  const outfile = path.join(BUILD, "imaging-memory.mjs");
  await build({
    entryPoints: [path.join(ROOT, "bench", "lib", "imaging-entry.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    logLevel: "warning",
    plugins: [wasmModulePlugin],
  });
  return outfile;
}

/** Child: one picture, fresh process. */
async function child(modulePath, file) {
  const m = await import(modulePath);
  let buf = readFileSync(file);
  const bytes = new Uint8Array(buf);
  buf = null;
  const wasmBefore = await m.wasmMemoryBytes();
  // Collect everything collectable first, so that no collection during the call hides allocations.
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 20));
  }
  const ab0 = process.memoryUsage().arrayBuffers;
  const t = performance.now();
  let result;
  try {
    const out = m.processPortrait(bytes);
    result = { ok: true, info: out.info, bytes_out: Object.values(out.renditions).reduce((n, r) => n + r.length, 0) };
  } catch (e) {
    result = { ok: false, error: `${e.status ?? ""} ${e.code ?? ""} ${e.message}` };
  }
  const ms = performance.now() - t;
  const wasmAfter = await m.wasmMemoryBytes();
  // Everything the call allocated in ArrayBuffers (no GC in between; WASM memory is not counted there).
  const js = process.memoryUsage().arrayBuffers - ab0;
  console.log(
    JSON.stringify({
      ...result,
      input: bytes.length,
      wasm_before: wasmBefore,
      wasm_after: wasmAfter,
      js,
      ms,
      budget: m.WASM_MEMORY_BUDGET,
      colour_cap: m.COLOUR_WASM_BUDGET,
    }),
  );
}

async function main() {
  const { values } = parseArgs({ options: { only: { type: "string" }, json: { type: "string" }, child: { type: "string" }, module: { type: "string" } } });
  if (values.child) return child(values.module, values.child);

  const modulePath = await loadModule();
  const m = await import(modulePath);
  const limits = m.IMAGE_LIMITS;
  mkdirSync(DIR, { recursive: true });
  const rows = [];
  for (const k of await kinds(limits, m.DECODE_COST)) {
    if (values.only && !k.name.toLowerCase().includes(values.only.toLowerCase())) continue;
    const file = path.join(DIR, k.file);
    if (!existsSync(file)) {
      console.error(`  generating ${k.file} (once)…`);
      writeFileSync(file, await k.make());
    }
    const r = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "--child", file, "--module", modulePath], {
      encoding: "utf8",
      maxBuffer: 1 << 24,
    });
    let res;
    try {
      res = JSON.parse(r.stdout.trim().split("\n").pop());
    } catch {
      res = { ok: false, error: (r.stderr || r.stdout).slice(0, 300) };
    }
    rows.push({ kind: k.name, ...res });
    console.error(`  ${k.name}: ${res.ok ? "ok" : res.error}`);
  }

  const f = (n) => (n / MiB).toFixed(1);
  console.log(`\npeak memory of processPortrait for the largest accepted picture of each kind (node ${process.version}, one fresh process each)`);
  console.log(
    `limits: standard JPEG ≤ ${f(limits.maxBytes)} MB, ≤ ${limits.maxPixels / 1e6} MP, ≤ ${limits.maxSide} px a side; pictures photon decodes ≤ ${f(limits.whole.maxBytes)} MB, ≤ ${limits.whole.maxPixels / 1e6} MP (less for 16-bit and CMYK), ≤ ${limits.whole.maxSide} px a side; other PNGs ≤ ${f(limits.png.maxBytes)} MB, ≤ ${limits.png.maxPixels / 1e6} MP\n`,
  );
  const head = ["picture", "input MB", "WASM MB (start → after)", "JS MB (call)", "ms", "result"];
  const w = [62, 9, 24, 13, 7, 40];
  const line = (cells) =>
    console.log(
      cells
        .map((c, i) => String(c).padEnd(w[i]))
        .join(" ")
        .trimEnd(),
    );
  line(head);
  for (const r of rows) {
    line([
      r.kind,
      r.input ? f(r.input) : "",
      r.wasm_before ? `${f(r.wasm_before)} → ${f(r.wasm_after)}` : "",
      r.js !== undefined ? f(r.js) : "",
      r.ms ? r.ms.toFixed(0) : "",
      r.ok ? `ok ${r.info.width}×${r.info.height}` : r.error,
    ]);
  }
  const { budget, colour_cap: colourCap } = rows.find((r) => r.budget) ?? {};
  const worst = Math.max(...rows.filter((r) => r.ok).map((r) => r.wasm_after));
  // The budget covers all of an isolate's WASM memory: photon's and LittleCMS's (at its hard cap).
  const total = worst + colourCap;
  console.log(
    `\nWASM budget (WASM_MEMORY_BUDGET, photon + LittleCMS): ${f(budget)} MB; photon's worst here ${f(worst)} MB + LittleCMS's cap (COLOUR_WASM_BUDGET) ${f(colourCap)} MB = ${f(total)} MB → ${total <= budget ? "within" : "OVER"} budget.`,
  );
  console.log(
    'test/imaging.test.ts ("memory") asserts the same budget inside workerd with profiled photos too, and that standard JPEGs and PNGs leave WASM memory untouched.',
  );
  if (values.json) writeFileSync(values.json, JSON.stringify({ date: new Date().toISOString(), rows }, null, 2));
}

await main();
