#!/usr/bin/env node
// Photo checks measured on generated portraits (`npm run bench -- checks [--n 1000]`), two classes
// of n distinct students each: one where every student shares one backdrop and one shirt colour
// (school photo day, the hardest case) and one like the vendor pool (every look varies, q97).
// It prints: how many of a class the lookup's probes reach (face-key.ts); the duplicate rule's
// false positives (every pair, either photo processed second); its recall on transformed copies
// of 100 students of each class (re-encoded, resized, recompressed, cropped, brightened; made with
// sharp); the rule's parts for copies and for distinct candidates (what FACE_MATCH's limits are
// chosen from); and the luma of ordinary portraits (the quality thresholds). `--average-head`
// prints face-key.ts's THE_AVERAGE_HEAD from these classes. Runs the real pipeline (src/imaging,
// bundled for node as bench/imaging.mjs does). Results go to BENCHMARKS.md by hand.
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { portraitJpeg, portraitLook } from "../scripts/lib/portrait.mjs";
import { wasmModulePlugin } from "./lib/wasm-module.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const { values } = parseArgs({
  options: { n: { type: "string", default: "1000" }, "average-head": { type: "boolean", default: false }, "cost-only": { type: "boolean", default: false } },
});
const n = Number(values.n);

// The pipeline bundled for node, its checkPhoto import tapped so that this bench gets the planes
// the pipeline hands it (to time checkPhoto alone, and for --average-head).
const outfile = path.join(ROOT, ".bench", "checks", "checks-entry.mjs");
mkdirSync(path.dirname(outfile), { recursive: true });
const planesTap = {
  name: "planes-tap",
  setup(b) {
    b.onResolve({ filter: /^\.\/checks$/ }, (a) => (a.importer.endsWith("pipeline.ts") ? { path: "planes-tap", namespace: "planes-tap" } : undefined));
    b.onLoad({ filter: /.*/, namespace: "planes-tap" }, () => ({
      contents: `import { checkPhoto as real } from ${JSON.stringify(path.join(ROOT, "src/imaging/checks.ts"))};
        export function checkPhoto(thumb, card, info) { globalThis.__planes = { thumb, card, info }; return real(thumb, card, info); }`,
      loader: "js",
      resolveDir: ROOT,
    }));
  },
};
await build({
  stdin: {
    contents:
      'export { processPortrait } from "./src/imaging/pipeline"; export * from "./src/imaging/checks"; export { faceMeasures, headBytes } from "./src/imaging/checks/face"; export { keyInput } from "./src/imaging/checks/face-key";',
    resolveDir: ROOT,
    loader: "ts",
  },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile,
  logLevel: "warning",
  plugins: [wasmModulePlugin, planesTap],
});
const { processPortrait, checkPhoto, hammingDistance, faceDistance, isSamePicture, FACE_MATCH, faceMeasures, headBytes, keyInput } = await import(outfile);

// The checks' cost against the whole pipeline's (issue 13: at most 10 %).

/** The thumb and card planes the pipeline hands checkPhoto for these bytes. */
const planesOf = (bytes) => {
  processPortrait(bytes);
  return globalThis.__planes;
};
{
  const samples = Array.from({ length: 20 }, (_, i) => portraitJpeg({ width: 640, height: 800, seed: `cost-${i}`, quality: 88 }));
  const planes = samples.map(planesOf);
  // The best of 5 batches: the machine is shared, and a batch that met another process's burst says nothing about ours.
  const time = (rounds, f) => {
    for (let r = 0; r < 20; r++) f(r); // warm up
    let best = Number.POSITIVE_INFINITY;
    for (let batch = 0; batch < 5; batch++) {
      const t = performance.now();
      for (let r = 0; r < rounds; r++) f(r);
      best = Math.min(best, (performance.now() - t) / rounds);
    }
    return best;
  };

  const pipeline = time(60, (r) => processPortrait(samples[r % samples.length]));
  const checks = time(400, (r) => checkPhoto(planes[r % 20].thumb, planes[r % 20].card, planes[r % 20].info));
  const aligned = time(60, (r) => checkPhoto(planes[r % 20].thumb, planes[r % 20].card, planes[r % 20].info).alignedDetails()) - checks;
  console.log(
    `cost: pipeline ${pipeline.toFixed(2)} ms per 640×800 photo (checks included), checkPhoto ${checks.toFixed(2)} ms (${((checks / (pipeline - checks)) * 100).toFixed(1)} % of the rest); the crop way's aligned details, only when a candidate gets that far, ${aligned.toFixed(2)} ms more`,
  );
  if (values["cost-only"]) process.exit(0);
}

const shared = portraitLook("shared-look");
const classes = [
  { name: "sharing backdrop and shirt", seed: (i) => ({ seed: `student-${i}`, look: { backdrop: shared.backdrop, shirt: shared.shirt }, quality: 88 }) },
  // The vendor pool's own seeds (bench/lib/corpus.mjs): the same pictures as the ingest bench's.
  { name: "vendor pool (every look varies)", seed: (i) => ({ seed: `bench-640x800-vendor-jpg-${i}`, quality: 97 }) },
];
const t0 = performance.now();
let processed = 0;
for (const c of classes) {
  c.photos = [];
  c.checks = [];
  for (let i = 0; i < n; i++) {
    const bytes = portraitJpeg({ width: 640, height: 800, ...c.seed(i) });
    c.photos.push(bytes);
    const t = performance.now();
    c.checks.push(processPortrait(bytes).checks);
    processed += performance.now() - t;
  }
}
const perPhoto = processed / (2 * n);
console.log(
  `photo checks on 2 × ${n} generated 640×800 portraits (made in ${((performance.now() - t0) / 1000).toFixed(0)} s), pipeline ${perPhoto.toFixed(1)} ms/photo`,
);

if (values["average-head"]) {
  // face-key.ts's inputs of every portrait, averaged per input over the portraits that have it.
  const inputs = classes
    .flatMap((c) => c.photos)
    .map((bytes) => {
      const f = faceMeasures(planesOf(bytes).card);
      return keyInput(headBytes(f.face), f.context);
    });
  const mean = [...inputs[0]].map((_, d) => {
    const known = inputs.map((v) => v[d]).filter((v) => !Number.isNaN(v));
    return Math.round(known.reduce((s, v) => s + v, 0) / known.length);
  });
  console.log(`THE_AVERAGE_HEAD (${inputs.length} portraits):\n${mean.join(", ")}`);
}

// What the lookup does: the photo processed second asks for its probes; isSamePicture decides.
const reaches = (later, earlier) => earlier.bands.some((x, b) => later.probes[b].includes(x));
const sameAs = (later, earlier) => reaches(later, earlier) && isSamePicture(later, earlier);
const measure = (a, b) => ({ hash: hammingDistance(a.fingerprint, b.fingerprint), ...faceDistance(a.signature, b.signature) });
// Which photos ever work out their aligned details (the crop way's extra cost) against a distinct classmate.
for (const c of classes)
  for (const x of c.checks) {
    const aligned = x.alignedDetails;
    x.alignedDetails = () => {
      x.alignedAgainstDistinct = true;
      return aligned();
    };
  }
const flagged = [];
const distinct = []; // distinct pairs the lookup reaches and that pass the cheap half (what the limits must keep out)
for (const c of classes) {
  let pairs = 0;
  let reached = 0; // by the photo processed second's probes (a photo's candidates)
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      pairs++;
      const a = c.checks[i];
      const b = c.checks[j];
      if (reaches(b, a)) reached++;
      const r = reaches(b, a) || reaches(a, b);
      if (!r || hammingDistance(a.fingerprint, b.fingerprint) > FACE_MATCH.hash) continue;
      const d = measure(b, a);
      if (d.layout > FACE_MATCH.layout || d.chroma > FACE_MATCH.chroma) continue;
      distinct.push({ ...d, c: c.name, i, j });
      if (sameAs(b, a) || sameAs(a, b)) flagged.push({ ...d, c: c.name, i, j });
    }
  }
  c.pairs = pairs;
  c.aligning = c.checks.filter((x) => x.alignedAgainstDistinct).length;
  console.log(
    `${c.name}: ${pairs} distinct pairs; a photo's probes reach ${((reached / pairs) * 100).toFixed(2)} % of the others: ${((reached / pairs) * 5000).toFixed(0)} candidates per photo at 5,000; ${c.aligning} of ${n} photos tried the crop way's alignments against a classmate`,
  );
}

const crop = (l, t, r, b) => async (bytes) => {
  const m = await sharp(bytes).metadata();
  const box = {
    left: Math.round(m.width * l),
    top: Math.round(m.height * t),
    width: Math.round(m.width * (1 - l - r)),
    height: Math.round(m.height * (1 - t - b)),
  };
  return sharp(bytes).extract(box).jpeg({ quality: 85 }).toBuffer();
};
const TRANSFORMS = {
  "re-encoded q70": (b) => sharp(b).jpeg({ quality: 70 }).toBuffer(),
  "recompressed q40": (b) => sharp(b).jpeg({ quality: 40 }).toBuffer(),
  "resized to 50%": (b) => sharp(b).resize(320, 400).jpeg({ quality: 85 }).toBuffer(),
  "resized to 200%": (b) => sharp(b).resize(1280, 1600).jpeg({ quality: 85 }).toBuffer(),
  "cropped 3% each side": crop(0.03, 0.03, 0.03, 0.03),
  "cropped 6% off the bottom": crop(0, 0, 0, 0.06),
  "cropped 8% off the left": crop(0.08, 0, 0, 0),
  "cropped 5% off the top": crop(0, 0.05, 0, 0),
  "cropped 4% top, 5% right": crop(0, 0.04, 0.05, 0),
  "brightened 15%": (b) => sharp(b).modulate({ brightness: 1.15 }).jpeg({ quality: 85 }).toBuffer(),
  "darkened 15%": (b) => sharp(b).modulate({ brightness: 0.85 }).jpeg({ quality: 85 }).toBuffer(),
  PNG: (b) => sharp(b).png().toBuffer(),
};
const m = Math.min(n, 100);
const copies = [];
for (const [name, f] of Object.entries(TRANSFORMS)) {
  for (const c of classes) {
    for (let i = 0; i < m; i++) {
      const copy = processPortrait(new Uint8Array(await f(Buffer.from(c.photos[i])))).checks;
      copies.push({ name, i, ...measure(copy, c.checks[i]), reached: reaches(copy, c.checks[i]), found: sameAs(copy, c.checks[i]) });
    }
  }
}
const lumas = [];
for (const p of classes[0].photos.slice(0, 100)) {
  const info = await sharp(Buffer.from(p)).greyscale().stats();
  lumas.push({ mean: info.channels[0].mean, std: info.channels[0].stdev });
}

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const sorted = (xs, f) =>
  xs
    .map(f)
    .filter((v) => v !== undefined && v !== null)
    .sort((a, b) => a - b);
console.log(`rule: ${JSON.stringify(FACE_MATCH)}`);
const parts = {
  hash: (x) => x.hash,
  layout: (x) => x.layout,
  chroma: (x) => x.chroma,
  detail: (x) => x.detail,
  card: (x) => x.card,
  "context luma": (x) => x.context?.luma,
  "context tone": (x) => x.context?.tone,
};
for (const [k, f] of Object.entries(parts)) {
  const c = sorted(copies, f);
  const cropsOnly = sorted(
    copies.filter((x) => x.name.startsWith("cropped")),
    f,
  );
  const d = sorted(distinct, f);
  console.log(
    `  ${k.padEnd(12)} copies: max ${c.at(-1)}, 99th pct ${pct(c, 0.99)}; crops max ${cropsOnly.at(-1)}  |  distinct candidates (${d.length}): min ${d[0]}, 1st pct ${pct(d, 0.01)}, median ${pct(d, 0.5)}`,
  );
}
console.log(`recall on ${m} transformed copies of each class's first students (reached by the probes, then the rule):`);
for (const name of Object.keys(TRANSFORMS)) {
  const r = copies.filter((x) => x.name === name);
  const share = (f) => `${String(Math.round((r.filter(f).length / r.length) * 100)).padStart(3)}%`;
  console.log(`  ${name.padEnd(26)} reached ${share((x) => x.reached)}  FOUND ${share((x) => x.found)}`);
}
const total = classes.reduce((s, c) => s + c.pairs, 0);
console.log(`FALSE POSITIVES (reached, then the rule, either photo second): ${flagged.length} of ${total} distinct pairs`);
const lookOf = (i) => ({ ...portraitLook(`student-${i}`), backdrop: shared.backdrop, shirt: shared.shirt });
const same = (a, b) => ["skin", "hair", "style", "collar", "glasses"].filter((k) => JSON.stringify(a[k]) === JSON.stringify(b[k])).length;
for (const x of flagged.slice(0, 8))
  console.log(
    `  flagged: ${x.c}, students ${x.i} and ${x.j} (detail ${x.detail}, layout ${x.layout}, chroma ${x.chroma}, context ${JSON.stringify(x.context)})${x.c === classes[0].name ? `: ${same(lookOf(x.i), lookOf(x.j))} of 5 other look attributes equal` : ""}`,
  );
const ms = lumas.map((l) => l.mean);
const ss = lumas.map((l) => l.std);
console.log(
  `ordinary portraits (100): mean luma ${Math.min(...ms).toFixed(0)}–${Math.max(...ms).toFixed(0)}, luma std-dev ${Math.min(...ss).toFixed(0)}–${Math.max(...ss).toFixed(0)}`,
);
