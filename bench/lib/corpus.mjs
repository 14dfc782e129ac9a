// The benchmark corpus: realistic placeholder portraits (scripts/lib/portrait.mjs), generated once
// into .bench/corpus/portraits-<generator key>/<W>x<H>/ with worker threads and reused by every
// later run while the generator is unchanged (see GENERATOR_KEY).
//
// A run of N photos uses N distinct file names; the bytes cycle through a pool of unique pictures
// (default 450 JPEG + 50 PNG per size), every 10th file a PNG. Since issue 13 the Worker looks for
// near-duplicate photos, and a cycled picture is one (it gets a possible_duplicate warning and a few
// more candidates to verify): the vendor pool is as large as its largest run, so that case has none.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { BENCH_DIR, ensureDir } from "./common.mjs";

const GENERATOR = fileURLToPath(new URL("../../scripts/lib/portrait.mjs", import.meta.url));

/**
 * A hash of what decides the generated pictures: the generator's source, the modules it imports
 * (relative imports, followed) and jpeg-js's version. The cache is found by file name only, so when
 * portrait.mjs changed (new face geometry, say) the old pictures were silently reused: the benches
 * and the duplicate check's false-positive figures measured a corpus the generator no longer makes.
 * With the key in the cache's path, a changed generator starts a fresh corpus.
 */
export function generatorKey(entry = GENERATOR) {
  const hash = createHash("sha256");
  const seen = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    hash.update(`${path.basename(file)}\0${source}\0`);
    // Statements at the start of a line only: the generator's header shows an import in a comment.
    for (const m of source.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+["'](\.{1,2}\/[^"']+)["']/gm)) walk(path.resolve(path.dirname(file), m[1]));
  };
  walk(entry);
  hash.update(`jpeg-js@${createRequire(entry)("jpeg-js/package.json").version}`);
  return hash.digest("hex").slice(0, 12);
}

export const GENERATOR_KEY = generatorKey();
const CORPUS_PARENT = path.join(BENCH_DIR, "corpus");
/** This generator's corpus (bench/imaging.mjs keeps its own categories under it too). */
export const CORPUS_DIR = path.join(CORPUS_PARENT, `portraits-${GENERATOR_KEY}`);

/**
 * Removes corpora of other generator versions, and those made before the key existed (directly
 * under .bench/corpus): hundreds of megabytes of pictures nothing reads any more. Other caches
 * there (bench/memory.mjs's imaging-limits, drawn with sharp alone) are left.
 */
function dropStaleCorpora(log) {
  if (!existsSync(CORPUS_PARENT)) return;
  const stale = readdirSync(CORPUS_PARENT).filter((d) => (d.startsWith("portraits-") && d !== path.basename(CORPUS_DIR)) || d in SIZES || d === "imaging");
  for (const d of stale) {
    log(`  corpus: removing .bench/corpus/${d} (made by another or an unrecorded version of scripts/lib/portrait.mjs)`);
    rmSync(path.join(CORPUS_PARENT, d), { recursive: true, force: true });
  }
}

export const SIZES = {
  "640x800": { width: 640, height: 800, jpg: 450, png: 50 },
  "1200x1500": { width: 1200, height: 1500, jpg: 180, png: 20 },
  // A photographer's delivery as issue 12 describes it: 640×800 JPEGs of ~90 KB (quality 97), no PNGs,
  // 3,000 different students (generated once, ~5 min on 2 cores).
  "640x800-vendor": { width: 640, height: 800, jpg: 3000, png: 0, quality: 97 },
};

const dirFor = (size, ext) => path.join(CORPUS_DIR, size, ext);
const nameFor = (i, ext) => `${String(i + 1).padStart(6, "0")}.${ext}`;

if (!isMainThread && workerData?.portraitJob) {
  const { portraitJpeg, portraitPng } = await import("../../scripts/lib/portrait.mjs");
  parentPort.on("message", (job) => {
    if (job === null) return process.exit(0);
    const make = job.ext === "png" ? portraitPng : portraitJpeg;
    const bytes = make({ width: job.width, height: job.height, quality: job.quality, seed: `bench-${job.size}-${job.ext}-${job.i}` });
    writeFileSync(job.file, bytes);
    parentPort.postMessage({ ok: job.file, bytes: bytes.length });
  });
}

/** Makes whatever part of the pool is missing (idempotent); returns { jpg: [paths], png: [paths] }. */
export async function ensureCorpus(sizeKey, { log = console.log, threads = Math.max(1, os.cpus().length) } = {}) {
  const spec = SIZES[sizeKey];
  if (!spec) throw new Error(`unknown corpus size ${sizeKey}; one of ${Object.keys(SIZES).join(", ")}`);
  dropStaleCorpora(log);
  const jobs = [];
  const out = { jpg: [], png: [] };
  for (const ext of ["jpg", "png"]) {
    const dir = ensureDir(dirFor(sizeKey, ext));
    for (let i = 0; i < spec[ext]; i++) {
      const file = path.join(dir, nameFor(i, ext));
      out[ext].push(file);
      if (!existsSync(file) || statSync(file).size === 0)
        jobs.push({ file, ext, i, size: sizeKey, width: spec.width, height: spec.height, quality: spec.quality });
    }
  }
  if (jobs.length) {
    const t0 = Date.now();
    log(
      `  corpus ${sizeKey}: generating ${jobs.length} portraits with ${threads} threads (once; kept in ${path.relative(path.dirname(BENCH_DIR), CORPUS_DIR)})…`,
    );
    // PNGs are the slow ones: start them first so the threads finish together.
    jobs.sort((a, b) => (a.ext === b.ext ? 0 : a.ext === "png" ? -1 : 1));
    let next = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: Math.min(threads, jobs.length) }, () => {
        const w = new Worker(new URL(import.meta.url), { workerData: { portraitJob: true } });
        return new Promise((resolve, reject) => {
          const feed = () => {
            if (next >= jobs.length) return w.postMessage(null);
            w.postMessage(jobs[next++]);
          };
          w.on("message", () => {
            done++;
            if (done % 100 === 0) log(`    ${done}/${jobs.length}`);
            feed();
          });
          w.on("error", reject);
          w.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`corpus worker exited ${code}`))));
          feed();
        });
      }),
    );
    log(`  corpus ${sizeKey}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  return out;
}

/**
 * N upload files for a corpus size: [{ name, file, type, bytes() }], names unique
 * (`IMG_<size>_<n>.jpg`), every `pngEvery`-th a PNG.
 */
export function corpusFiles(pool, n, { pngEvery = 10, prefix = "IMG" } = {}) {
  const files = [];
  let j = 0;
  let p = 0;
  for (let i = 0; i < n; i++) {
    const png = pngEvery > 0 && pool.png.length > 0 && i % pngEvery === pngEvery - 1;
    const file = png ? pool.png[p++ % pool.png.length] : pool.jpg[j++ % pool.jpg.length];
    files.push({ name: `${prefix}_${String(i + 1).padStart(5, "0")}.${png ? "png" : "jpg"}`, file, type: png ? "image/png" : "image/jpeg" });
  }
  return files;
}

/** Reads (and caches) a corpus file's bytes. */
const cache = new Map();
export function readCorpusFile(file) {
  let b = cache.get(file);
  if (!b) {
    b = readFileSync(file);
    cache.set(file, b);
  }
  return b;
}

export function corpusStats(pool) {
  const sizes = [...pool.jpg, ...pool.png].map((f) => statSync(f).size);
  const avg = (xs) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  return {
    jpg_kb: avg(pool.jpg.map((f) => statSync(f).size)) / 1024,
    png_kb: avg(pool.png.map((f) => statSync(f).size)) / 1024,
    files: sizes.length,
  };
}

export function listCorpus() {
  return existsSync(CORPUS_DIR) ? readdirSync(CORPUS_DIR) : [];
}
