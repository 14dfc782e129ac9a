#!/usr/bin/env node
// Image pipeline benchmark: our src/imaging/ pipeline (bench/lib/imaging-entry.ts, bundled for
// node with esbuild; photon's node build) against sharp doing the same three renditions of the
// same files, in the same run.
//
//   node bench/imaging.mjs [--rounds 5] [--only 640x800,12mp] [--json out.json] [--impl path/to/entry.ts]
//
// Corpus (generated once into .bench/corpus/portraits-<generator key>/imaging/, reused after while
// the generator is unchanged: bench/lib/corpus.mjs GENERATOR_KEY): placeholder portraits from
// scripts/lib/portrait.mjs at 640×800 and 1200×1500 (JPEG and PNG, as uploads come), and 12 MP
// phone-like JPEGs (3000×4000 4:2:0 and 4:4:4, 4000×3000, and a 4000×3000 one stored sideways with
// EXIF orientation 6), with sensor-like noise so that they weigh what phone photos weigh (3–5 MB).
//
// Both sides make: full = fit inside 800×1000 (never enlarged), card = 320×400 and thumb = 128×128
// cropped with the same top-biased window (15% of the excess above), JPEG quality 84, EXIF
// orientation applied. sharp: Lanczos3, shrink-on-load as it does by default, concurrency(1) and
// one image at a time, so both are single-threaded (a per-core comparison).
//
// Columns: images/s and ms per image (all three renditions) p50/p95; peak memory measured in a
// fresh child process per category (ours: WASM memory, the one that never shrinks, plus JS
// ArrayBuffers allocated by the call; sharp: RSS growth); output bytes; and the quality of our
// outputs against sharp's: SSIM (Gaussian 11×11, σ 1.5, on luma) and PSNR (luma).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CORPUS_DIR } from "./lib/corpus.mjs";
import { wasmModulePlugin } from "./lib/wasm-module.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
// Under the generator's key, like the shared corpus: a changed portrait.mjs makes new pictures here too.
const CORPUS = path.join(CORPUS_DIR, "imaging");
const SHARED = CORPUS_DIR;
const BUILD = path.join(ROOT, ".bench", "imaging");

const QUALITY = 84;

// ---------------------------------------------------------------------------------------------
// Corpus

const CATEGORIES = {
  "640x800 jpeg": { key: "640x800", ext: "jpg", count: 10 },
  "640x800 png": { key: "640x800", ext: "png", count: 3 },
  "1200x1500 jpeg": { key: "1200x1500", ext: "jpg", count: 8 },
  "1200x1500 png": { key: "1200x1500", ext: "png", count: 2 },
  "12mp jpeg": { key: "12mp", ext: "jpg", count: 4 },
  // Display P3 (what iPhones write): the embedded profile is applied on both sides (sharp converts
  // to sRGB by default), so the SSIM column compares colour-managed outputs.
  "640x800 p3 jpeg": { key: "640x800", ext: "jpg", count: 3, p3: true },
  "12mp p3 jpeg": { key: "3000x4000", ext: "jpg", count: 1, p3: true },
};

const TWELVE = [
  { name: "3000x4000-420.jpg", width: 3000, height: 4000, subsampling: "4:2:0" },
  { name: "4000x3000-420.jpg", width: 4000, height: 3000, subsampling: "4:2:0" },
  { name: "3000x4000-444.jpg", width: 3000, height: 4000, subsampling: "4:4:4" },
  { name: "4000x3000-o6-420.jpg", width: 3000, height: 4000, subsampling: "4:2:0", orientation: 6 },
];

/** Adds deterministic sensor-like noise (luma ±7, a little chroma) to RGBA pixels. */
function addNoise(d, seed) {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < d.length; i += 4) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const n = ((s & 1023) / 1023 - 0.5) * 14;
    const c = (((s >>> 10) & 1023) / 1023 - 0.5) * 5;
    d[i] = Math.max(0, Math.min(255, d[i] + n + c));
    d[i + 1] = Math.max(0, Math.min(255, d[i + 1] + n));
    d[i + 2] = Math.max(0, Math.min(255, d[i + 2] + n - c));
  }
}

async function ensureCorpus(sharp, log, only) {
  mkdirSync(CORPUS, { recursive: true });
  const { portraitJpeg, portraitPng, renderPortrait } = await import("../scripts/lib/portrait.mjs");
  const files = {};
  for (const [cat, spec] of Object.entries(CATEGORIES)) {
    if (only && !only.some((o) => cat.includes(o))) continue;
    const list = [];
    if (spec.p3) {
      const [w, h] = spec.key.split("x").map(Number);
      for (let i = 1; i <= spec.count; i++) {
        const file = path.join(CORPUS, "p3", `${spec.key}-${i}.jpg`);
        if (!existsSync(file)) {
          log(`  generating ${path.basename(file)} (once)…`);
          mkdirSync(path.dirname(file), { recursive: true });
          const img = renderPortrait({ width: w, height: h, seed: `bench-p3-${spec.key}-${i}` });
          // Sensor-like noise on the 12 MP one only, as the sRGB categories have it.
          if (w * h > 4e6) addNoise(img.data, i * 7919);
          const p = sharp(Buffer.from(img.data.buffer), { raw: { width: w, height: h, channels: 4 } })
            .removeAlpha()
            .withIccProfile("p3");
          writeFileSync(file, await p.jpeg({ quality: 92 }).toBuffer());
        }
        list.push(file);
      }
    } else if (spec.key === "12mp") {
      for (const t of TWELVE) {
        const file = path.join(CORPUS, t.name);
        if (!existsSync(file)) {
          log(`  generating ${t.name} (once)…`);
          const img = renderPortrait({ width: t.width, height: t.height, seed: `bench-12mp-${t.name}` });
          addNoise(img.data, t.name.length * 7919);
          let p = sharp(Buffer.from(img.data.buffer), { raw: { width: t.width, height: t.height, channels: 4 } }).removeAlpha();
          if (t.orientation === 6)
            p = sharp(await p.rotate(-90).raw().toBuffer(), { raw: { width: t.height, height: t.width, channels: 3 } }).withMetadata({ orientation: 6 });
          writeFileSync(file, await p.jpeg({ quality: 92, chromaSubsampling: t.subsampling }).toBuffer());
        }
        list.push(file);
      }
    } else {
      const [w, h] = spec.key.split("x").map(Number);
      for (let i = 1; i <= spec.count; i++) {
        const name = `${String(i).padStart(6, "0")}.${spec.ext}`;
        // Reuse the shared bench corpus (bench/lib/corpus.mjs) when it is there.
        const shared = path.join(SHARED, spec.key, spec.ext, name);
        const own = path.join(CORPUS, spec.key, name);
        if (existsSync(shared)) list.push(shared);
        else {
          if (!existsSync(own)) {
            mkdirSync(path.dirname(own), { recursive: true });
            const opts = { width: w, height: h, seed: `bench-${spec.key}-${spec.ext}-${i - 1}` };
            writeFileSync(own, spec.ext === "png" ? portraitPng(opts) : portraitJpeg(opts));
          }
          list.push(own);
        }
      }
    }
    files[cat] = list;
  }
  return files;
}

// ---------------------------------------------------------------------------------------------
// The two pipelines

async function loadOurs(entry) {
  const { build } = await import("esbuild");
  mkdirSync(BUILD, { recursive: true });
  const outfile = path.join(BUILD, `imaging-${createHash("sha1").update(entry).digest("hex").slice(0, 8)}.mjs`);
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    logLevel: "warning",
    plugins: [wasmModulePlugin],
  });
  return import(`${outfile}?t=${Date.now()}`);
}

// sharp must cut the very windows our pipeline cuts: the bench bundles src/imaging/geometry.ts's
// cropWindow (the one home of the crop rule) rather than keeping a copy that could drift.
let geometry;
const srcGeometry = () => (geometry ??= loadOurs(path.join(ROOT, "src", "imaging", "geometry.ts")));

/**
 * sharp doing what our pipeline does: decode once (with its JPEG shrink-on-load) and resize to the
 * full rendition (Lanczos3, EXIF orientation applied), then card and thumb cropped from that with
 * the very same windows (src/imaging/geometry.ts cropWindow, integer pixels of the full rendition)
 * and resized with Lanczos3. So the outputs differ only by resampling and encoding, which is what
 * SSIM should measure; it is also sharp's fastest way to the three sizes (one decode, not three).
 */
async function sharpRenditions(sharp, bytes) {
  const { cropWindow } = await srcGeometry();
  const jpeg = { quality: QUALITY };
  const { data, info } = await sharp(bytes)
    .rotate()
    .resize(800, 1000, { fit: "inside", withoutEnlargement: true, kernel: "lanczos3" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  const full = await sharp(data, raw).jpeg(jpeg).toBuffer();
  const cover = (tw, th) => {
    const win = cropWindow(info.width, info.height, tw, th);
    return sharp(data, raw)
      .extract({ left: win.x, top: win.y, width: win.width, height: win.height })
      .resize(tw, th, { fit: "fill", kernel: "lanczos3" })
      .jpeg(jpeg)
      .toBuffer();
  };
  return { full, card: await cover(320, 400), thumb: await cover(128, 128) };
}

// ---------------------------------------------------------------------------------------------
// Quality: SSIM (Gaussian 11×11, σ = 1.5, K1 = 0.01, K2 = 0.03) and PSNR, on luma

async function luma(sharp, jpeg) {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const y = new Float64Array(info.width * info.height);
  for (let i = 0, p = 0; i < y.length; i++, p += info.channels)
    y[i] = info.channels >= 3 ? 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2] : data[p];
  return { width: info.width, height: info.height, y };
}

const GAUSS = (() => {
  const g = Array.from({ length: 11 }, (_, i) => Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5)));
  const s = g.reduce((a, b) => a + b, 0);
  return g.map((v) => v / s);
})();

/** Separable Gaussian filter, 'valid' region only (as the reference implementation). */
function blur(src, w, h) {
  const ow = w - 10;
  const oh = h - 10;
  const tmp = new Float64Array(ow * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let k = 0; k < 11; k++) s += src[y * w + x + k] * GAUSS[k];
      tmp[y * ow + x] = s;
    }
  const out = new Float64Array(ow * oh);
  for (let y = 0; y < oh; y++)
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let k = 0; k < 11; k++) s += tmp[(y + k) * ow + x] * GAUSS[k];
      out[y * ow + x] = s;
    }
  return out;
}

export function ssim(a, b) {
  const { width: w, height: h } = a;
  if (w !== b.width || h !== b.height) return NaN;
  const C1 = (0.01 * 255) ** 2;
  const C2 = (0.03 * 255) ** 2;
  const n = w * h;
  const xx = new Float64Array(n);
  const yy = new Float64Array(n);
  const xy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xx[i] = a.y[i] * a.y[i];
    yy[i] = b.y[i] * b.y[i];
    xy[i] = a.y[i] * b.y[i];
  }
  const mx = blur(a.y, w, h),
    my = blur(b.y, w, h),
    sxx = blur(xx, w, h),
    syy = blur(yy, w, h),
    sxy = blur(xy, w, h);
  let sum = 0;
  for (let i = 0; i < mx.length; i++) {
    const vx = sxx[i] - mx[i] * mx[i];
    const vy = syy[i] - my[i] * my[i];
    const cxy = sxy[i] - mx[i] * my[i];
    sum += ((2 * mx[i] * my[i] + C1) * (2 * cxy + C2)) / ((mx[i] * mx[i] + my[i] * my[i] + C1) * (vx + vy + C2));
  }
  return sum / mx.length;
}

function psnr(a, b) {
  let se = 0;
  for (let i = 0; i < a.y.length; i++) se += (a.y[i] - b.y[i]) ** 2;
  const mse = se / a.y.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

// ---------------------------------------------------------------------------------------------
// Memory (child processes: WASM memory only grows, RSS is per process)

async function memoryChild(which, cat, entry) {
  const files = JSON.parse(process.env.BENCH_FILES);
  const inputs = files.map((f) => new Uint8Array(readFileSync(f)));
  if (which === "ours") {
    const m = await loadOurs(entry);
    const wasm0 = await m.wasmMemoryBytes();
    global.gc?.();
    const rss0 = process.resourceUsage().maxRSS;
    let ab = 0;
    for (const b of inputs) {
      for (let i = 0; i < 3; i++) {
        global.gc?.();
        await new Promise((r) => setTimeout(r, 20));
      }
      const before = process.memoryUsage().arrayBuffers;
      try {
        m.processPortrait(b);
      } catch {}
      // Everything allocated in ArrayBuffers by the call (no GC in between; WASM memory is not counted there).
      ab = Math.max(ab, process.memoryUsage().arrayBuffers - before);
    }
    // photon's and, once a profiled photo needed it, LittleCMS's (16 MB from its start).
    const wasm = (await m.wasmMemoryBytes()) + (m.colourWasmBytes?.() ?? 0);
    console.log(JSON.stringify({ cat, wasm_start: wasm0, wasm_peak: wasm, arraybuffers: ab, rss_delta: (process.resourceUsage().maxRSS - rss0) * 1024 }));
  } else {
    const sharp = (await import("sharp")).default;
    sharp.concurrency(1);
    sharp.cache(false);
    await sharpRenditions(sharp, (await import("../scripts/lib/portrait.mjs")).portraitJpeg({ width: 64, height: 80 })); // loads libvips
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 1);
    for (let i = 0; i < inputs.length; i++) {
      await sharpRenditions(sharp, inputs[i]);
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    clearInterval(timer);
    console.log(JSON.stringify({ cat, rss_delta: peak - rss0 }));
  }
}

function measureMemory(which, cat, files, entry) {
  const r = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "--memory-child", which, "--cat", cat, "--impl", entry], {
    env: { ...process.env, BENCH_FILES: JSON.stringify(files) },
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  const line = r.stdout.trim().split("\n").pop();
  try {
    return JSON.parse(line);
  } catch {
    return { error: (r.stderr || r.stdout).slice(0, 300) };
  }
}

// ---------------------------------------------------------------------------------------------
// Main

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const MB = (n) => (n / 1048576).toFixed(1);
/** Images per second of CPU (or wall) time: 1000 / the mean ms per image. */
const ips = (ms) => 1000 / (ms.reduce((a, b) => a + b, 0) / ms.length);
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

async function main() {
  const { values } = parseArgs({
    options: {
      rounds: { type: "string", default: "5" },
      only: { type: "string" },
      json: { type: "string" },
      impl: { type: "string", default: path.join(ROOT, "bench", "lib", "imaging-entry.ts") },
      "memory-child": { type: "string" },
      cat: { type: "string" },
      "no-memory": { type: "boolean", default: false },
    },
  });
  if (values["memory-child"]) return memoryChild(values["memory-child"], values.cat, values.impl);

  const sharp = (await import("sharp")).default;
  sharp.concurrency(1);
  sharp.cache(false);
  const log = (m) => console.error(m);
  const only = values.only?.toLowerCase().split(",");
  const corpus = await ensureCorpus(sharp, log, only);
  const ours = await loadOurs(values.impl);
  const rounds = Number(values.rounds);
  const results = [];

  for (const [cat, files] of Object.entries(corpus)) {
    if (only && !only.some((o) => cat.includes(o))) continue;
    log(`  ${cat}: ${files.length} files × ${rounds} rounds…`);
    const inputs = files.map((f) => new Uint8Array(readFileSync(f)));
    // Warm-up (JIT, caches), then rounds alternating which side goes first.
    let refused = null;
    for (let i = 0; i < inputs.length; i++) {
      try {
        ours.processPortrait(inputs[i]);
      } catch (e) {
        refused = `${e.status ?? ""} ${e.code ?? e.message}`;
      }
      await sharpRenditions(sharp, inputs[i]);
    }
    const times = { ours: [], sharp: [] };
    const cpu = { ours: [], sharp: [] };
    const outs = { ours: [], sharp: [] };
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < inputs.length; i++) {
        const runOurs = () => {
          const t = performance.now();
          const c = process.cpuUsage();
          let out = null;
          try {
            out = ours.processPortrait(inputs[i]).renditions;
          } catch {}
          const used = process.cpuUsage(c);
          times.ours.push(performance.now() - t);
          cpu.ours.push((used.user + used.system) / 1000);
          if (r === rounds - 1) outs.ours[i] = out;
        };
        const runSharp = async () => {
          const t = performance.now();
          const c = process.cpuUsage();
          const out = await sharpRenditions(sharp, inputs[i]);
          const used = process.cpuUsage(c);
          times.sharp.push(performance.now() - t);
          cpu.sharp.push((used.user + used.system) / 1000);
          if (r === rounds - 1) outs.sharp[i] = out;
        };
        if ((r + i) % 2 === 0) {
          runOurs();
          await runSharp();
        } else {
          await runSharp();
          runOurs();
        }
      }
    }
    // Quality of ours against sharp.
    const q = { full: [], card: [], thumb: [] };
    const ps = [];
    for (let i = 0; i < inputs.length; i++) {
      if (!outs.ours[i]) continue;
      for (const s of ["full", "card", "thumb"]) {
        const a = await luma(sharp, outs.ours[i][s]);
        const b = await luma(sharp, outs.sharp[i][s]);
        q[s].push(ssim(a, b));
        ps.push(psnr(a, b));
      }
    }
    const bytes = (side) =>
      ["full", "card", "thumb"].map((s) =>
        Math.round(outs[side].filter(Boolean).reduce((n, o) => n + o[s].length, 0) / Math.max(1, outs[side].filter(Boolean).length)),
      );
    const mem = values["no-memory"] ? {} : { ours: measureMemory("ours", cat, files, values.impl), sharp: measureMemory("sharp", cat, files, values.impl) };
    const allSsim = [...q.full, ...q.card, ...q.thumb];
    results.push({
      cat,
      files: files.length,
      input_mb: +(inputs.reduce((n, b) => n + b.length, 0) / inputs.length / 1048576).toFixed(2),
      refused,
      ours: {
        ips: ips(cpu.ours),
        wall_ips: ips(times.ours),
        cpu_p50: pct(cpu.ours, 50),
        p50: pct(times.ours, 50),
        p95: pct(times.ours, 95),
        bytes: bytes("ours"),
        mem: mem.ours,
      },
      sharp: {
        ips: ips(cpu.sharp),
        wall_ips: ips(times.sharp),
        cpu_p50: pct(cpu.sharp, 50),
        p50: pct(times.sharp, 50),
        p95: pct(times.sharp, 95),
        bytes: bytes("sharp"),
        mem: mem.sharp,
      },
      ssim: {
        min: allSsim.length ? Math.min(...allSsim) : NaN,
        mean: allSsim.length ? allSsim.reduce((a, b) => a + b, 0) / allSsim.length : NaN,
        full: q.full.length ? Math.min(...q.full) : NaN,
        card: q.card.length ? Math.min(...q.card) : NaN,
        thumb: q.thumb.length ? Math.min(...q.thumb) : NaN,
      },
      psnr: ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : NaN,
    });
  }

  // Table.
  const cpus = (await import("node:os")).cpus();
  console.log(
    `\nimaging bench: ${values.impl.replace(ROOT, "")} vs sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}), both single-threaded; node ${process.version}, ${cpus.length} × ${cpus[0]?.model?.trim()}, ${rounds} rounds`,
  );
  console.log("img/s = 1000 / mean CPU ms per image (all three renditions; CPU time, so other load on the machine counts less); wall ms p50/p95.");
  const head = [
    "category",
    "side",
    "img/s",
    "wall img/s",
    "cpu p50",
    "wall p50",
    "wall p95",
    "peak memory",
    "bytes full/card/thumb",
    "ours/sharp",
    "SSIM min full/card/thumb",
    "SSIM mean",
    "PSNR dB",
  ];
  const widths = [15, 5, 6, 10, 7, 8, 8, 30, 21, 10, 24, 9, 7];
  const right = new Set([2, 3, 4, 5, 6]);
  const line = (cells) =>
    console.log(
      cells
        .map((c, i) => (right.has(i) ? lpad(c, widths[i]) : pad(c, widths[i])))
        .join(" ")
        .trimEnd(),
    );
  line(head);
  for (const r of results) {
    for (const side of ["ours", "sharp"]) {
      const s = r[side];
      const m = s.mem;
      const mem = !m ? "" : m.error ? "error" : side === "ours" ? `WASM ${MB(m.wasm_peak)} MB, JS +${MB(m.arraybuffers)} MB` : `RSS +${MB(m.rss_delta)} MB`;
      const mine = side === "ours" && !r.refused;
      line([
        side === "ours" ? r.cat : "",
        side,
        r.refused && side === "ours" ? "refused" : s.ips.toFixed(1),
        r.refused && side === "ours" ? "" : s.wall_ips.toFixed(1),
        s.cpu_p50.toFixed(1),
        s.p50.toFixed(1),
        s.p95.toFixed(1),
        mem,
        s.bytes.join("/"),
        mine ? `${(r.ours.ips / r.sharp.ips).toFixed(2)}×` : "",
        mine ? `${r.ssim.full.toFixed(3)}/${r.ssim.card.toFixed(3)}/${r.ssim.thumb.toFixed(3)}` : "",
        mine ? r.ssim.mean.toFixed(4) : "",
        mine ? r.psnr.toFixed(1) : "",
      ]);
    }
    if (r.refused) console.log(`${"".padEnd(16)}(ours refused these files: ${r.refused})`);
  }
  const ok = results.filter((r) => !r.refused);
  if (ok.length) {
    const worst = Math.min(...ok.map((r) => r.ours.ips / r.sharp.ips));
    const worstSsim = Math.min(...ok.map((r) => r.ssim.min));
    console.log(
      `\ntarget: ours ≥ 0.5× sharp's images/s at SSIM ≥ 0.98 → worst category ${worst.toFixed(2)}×, worst SSIM ${worstSsim.toFixed(4)}: ${worst >= 0.5 && worstSsim >= 0.98 ? "MET" : "NOT MET"}`,
    );
  }
  console.log(
    "peak memory: measured in a fresh process per category and side. ours: WASM memory (it never shrinks; 1.3 MB is photon untouched; LittleCMS adds 16 MB once a photo has a non-sRGB profile) and the JS ArrayBuffers one processPortrait call allocates; sharp: growth of the RSS. test/imaging.test.ts asserts the WASM budget inside workerd.",
  );
  if (values.json) writeFileSync(values.json, JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}

/** For experiments: SSIM (luma) of two JPEGs. */
export async function ssimOf(sharp, a, b) {
  return ssim(await luma(sharp, a), await luma(sharp, b));
}
export { sharpRenditions };
