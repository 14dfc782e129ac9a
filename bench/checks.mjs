#!/usr/bin/env node
// Photo checks measured on generated portraits (`npm run bench -- checks [--n 400]`): the
// duplicate rule's false positives on distinct students (half of them sharing one backdrop and one
// shirt colour, the hardest case), its recall on transformed copies (re-encoded, resized,
// recompressed, slightly cropped, brightened; made with sharp), each part of the face signature's
// distances for copies and for distinct candidates (what FACE_MATCH's limits are chosen from), and
// the quality statistics of ordinary portraits against which the quality thresholds were chosen. Runs the real pipeline
// (src/imaging, bundled for node as bench/imaging.mjs does). Results go to BENCHMARKS.md by hand.
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { portraitJpeg, portraitLook } from "../scripts/lib/portrait.mjs";
import { wasmModulePlugin } from "./lib/wasm-module.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const { values } = parseArgs({ options: { n: { type: "string", default: "400" } } });
const n = Number(values.n);

const outfile = path.join(ROOT, ".bench", "checks", "checks-entry.mjs");
mkdirSync(path.dirname(outfile), { recursive: true });
await build({
  stdin: { contents: 'export { processPortrait } from "./src/imaging/pipeline"; export * from "./src/imaging/checks";', resolveDir: ROOT, loader: "ts" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile,
  logLevel: "warning",
  plugins: [wasmModulePlugin],
});
const { processPortrait, hammingDistance, faceDistance, isSamePicture, FACE_MATCH } = await import(outfile);

const shared = portraitLook("shared-look");
const photos = [];
for (let i = 0; i < n; i++) {
  // Half the class shares one backdrop and shirt colour (school photo day), half varies.
  const look = i % 2 === 0 ? { backdrop: shared.backdrop, shirt: shared.shirt } : undefined;
  photos.push(portraitJpeg({ width: 640, height: 800, seed: `student-${i}`, look, quality: 88 }));
}

const t0 = performance.now();
const checks = photos.map((p) => processPortrait(p).checks);
const perPhoto = (performance.now() - t0) / n;

// The lookup finds candidates sharing a band of the face fingerprint; isSamePicture decides.
const bandShared = (a, b) => a.bands.some((x, i) => x === b.bands[i]);
const measure = (a, b) => ({ hash: hammingDistance(a.fingerprint, b.fingerprint), ...faceDistance(a.signature, b.signature), banded: bandShared(a, b) });
const hist = new Map();
let pairs = 0;
const distinct = []; // every distinct pair sharing a band (the only ones the lookup ever compares)
const flagged = [];
for (let i = 0; i < n; i++) {
  for (let j = i + 1; j < n; j++) {
    pairs++;
    const d = measure(checks[i], checks[j]);
    hist.set(d.hash, (hist.get(d.hash) ?? 0) + 1);
    if (!d.banded) continue;
    distinct.push({ ...d, i, j });
    if (isSamePicture(checks[i], checks[j])) flagged.push({ ...d, i, j });
  }
}

const TRANSFORMS = {
  "re-encoded q70": (b) => sharp(b).jpeg({ quality: 70 }).toBuffer(),
  "recompressed q40": (b) => sharp(b).jpeg({ quality: 40 }).toBuffer(),
  "resized to 50%": (b) => sharp(b).resize(320, 400).jpeg({ quality: 85 }).toBuffer(),
  "resized to 200%": (b) => sharp(b).resize(1280, 1600).jpeg({ quality: 85 }).toBuffer(),
  "cropped 3% each side": (b) => sharp(b).extract({ left: 19, top: 24, width: 602, height: 752 }).jpeg({ quality: 85 }).toBuffer(),
  "cropped 6% off the bottom": (b) => sharp(b).extract({ left: 0, top: 0, width: 640, height: 752 }).jpeg({ quality: 85 }).toBuffer(),
  "cropped 8% off the left": (b) => sharp(b).extract({ left: 51, top: 0, width: 589, height: 800 }).jpeg({ quality: 85 }).toBuffer(),
  "brightened 15%": (b) => sharp(b).modulate({ brightness: 1.15 }).jpeg({ quality: 85 }).toBuffer(),
  "darkened 15%": (b) => sharp(b).modulate({ brightness: 0.85 }).jpeg({ quality: 85 }).toBuffer(),
  PNG: (b) => sharp(b).png().toBuffer(),
};
const m = Math.min(n, 100);
const copies = []; // { name, hash, detail, layout, chroma, banded, found }
for (const [name, f] of Object.entries(TRANSFORMS)) {
  for (let i = 0; i < m; i++) {
    const c = processPortrait(new Uint8Array(await f(Buffer.from(photos[i])))).checks;
    copies.push({ name, i, ...measure(checks[i], c), found: bandShared(checks[i], c) && isSamePicture(checks[i], c) });
  }
}
const lumas = [];
for (const p of photos.slice(0, 100)) {
  const info = await sharp(Buffer.from(p)).greyscale().stats();
  lumas.push({ mean: info.channels[0].mean, std: info.channels[0].stdev });
}

console.log(`photo checks on ${n} generated 640×800 portraits (half sharing one backdrop and shirt), pipeline ${perPhoto.toFixed(1)} ms/photo`);
console.log(`distinct pairs: ${pairs}; sharing a band of the face fingerprint (the lookup's candidates): ${distinct.length}`);
console.log(
  "face fingerprint distance (distinct pairs), bits: count  " +
    [...hist.entries()]
      .sort((a, b) => a[0] - b[0])
      .slice(0, 10)
      .map(([d, c]) => `${d}:${c}`)
      .join(" "),
);
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const sorted = (xs, k) => xs.map((x) => x[k]).sort((a, b) => a - b);
console.log(`rule: ${JSON.stringify(FACE_MATCH)}`);
for (const k of ["hash", "layout", "chroma", "detail", "card"]) {
  const c = sorted(copies, k);
  const d = sorted(distinct, k);
  console.log(
    `  ${k.padEnd(6)} copies: max ${c.at(-1)}, 99th pct ${pct(c, 0.99)}  |  distinct candidates: min ${d[0]}, 1st pct ${pct(d, 0.01)}, median ${pct(d, 0.5)}`,
  );
}
// The detail limit swept with the others fixed (0: the card signature alone): false positives against copies found.
const within = (x, detail) =>
  x.banded &&
  x.hash <= FACE_MATCH.hash &&
  x.layout <= FACE_MATCH.layout &&
  x.chroma <= FACE_MATCH.chroma &&
  (x.detail <= detail || (x.card <= FACE_MATCH.card && x.detail <= FACE_MATCH.cardDetail));
console.log(
  "  detail limit: false positives / copies found  " +
    [0, 0.04, 0.05, 0.06, 0.07, 0.08, 0.1, 0.12]
      .map((t) => `${t}: ${distinct.filter((x) => within(x, t)).length}/${copies.filter((x) => within(x, t)).length}`)
      .join("  ") +
    ` (of ${copies.length} copies)`,
);
const near = [...distinct].filter((x) => within(x, Infinity)).sort((a, b) => a.detail - b.detail);
console.log(`distinct candidates within the hash, layout and chroma limits: ${near.length}; the closest by detail:`);
const byCard = sorted(near, "card");
console.log(`  their card signature distance: min ${byCard[0]}, 1st pct ${pct(byCard, 0.01)} (copies that kept the framing: see "card max" below)`);
const lookOf = (i) => ({ ...portraitLook(`student-${i}`), ...(i % 2 === 0 ? { backdrop: shared.backdrop, shirt: shared.shirt } : {}) });
const same = (a, b) => ["skin", "hair", "style", "backdrop", "shirt", "collar", "glasses"].filter((k) => JSON.stringify(a[k]) === JSON.stringify(b[k])).length;
for (const x of near.slice(0, 5))
  console.log(
    `  students ${x.i} and ${x.j}: detail ${x.detail}, layout ${x.layout}, chroma ${x.chroma}, hash ${x.hash}; ${same(lookOf(x.i), lookOf(x.j))} of 7 look attributes equal`,
  );
console.log(`recall on ${m} transformed copies each (a shared band, then the rule):`);
for (const name of Object.keys(TRANSFORMS)) {
  const r = copies.filter((x) => x.name === name);
  const max = (k) => Math.max(...r.map((x) => x[k]));
  console.log(
    `  ${name.padEnd(26)} shared band ${String(Math.round((r.filter((x) => x.banded).length / m) * 100)).padStart(3)}%  hash max ${String(max("hash")).padStart(2)}  layout max ${max("layout").toFixed(4)}  chroma max ${max("chroma").toFixed(1).padStart(4)}  detail max ${max("detail").toFixed(3)}  card max ${max("card").toFixed(1).padStart(4)}  FOUND ${Math.round((r.filter((x) => x.found).length / m) * 100)}%`,
  );
}
console.log(`FALSE POSITIVES (a shared band, then the rule): ${flagged.length} of ${pairs} distinct pairs`);
for (const x of flagged.slice(0, 8))
  console.log(
    `  flagged: students ${x.i} and ${x.j} (detail ${x.detail}, layout ${x.layout}, chroma ${x.chroma}, hash ${x.hash}): ${same(lookOf(x.i), lookOf(x.j))} of 7 look attributes equal`,
  );
const ms = lumas.map((l) => l.mean);
const ss = lumas.map((l) => l.std);
console.log(
  `ordinary portraits (100): mean luma ${Math.min(...ms).toFixed(0)}–${Math.max(...ms).toFixed(0)}, luma std-dev ${Math.min(...ss).toFixed(0)}–${Math.max(...ss).toFixed(0)}`,
);
