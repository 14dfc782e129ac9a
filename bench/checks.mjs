#!/usr/bin/env node
// Photo checks measured on generated portraits (`npm run bench -- checks [--n 400]`): the
// fingerprint's false-positive rate on distinct students (half of them sharing one backdrop and one
// shirt colour, the hardest case), its recall on transformed copies (re-encoded, resized,
// recompressed, slightly cropped, brightened; made with sharp), and the quality statistics of
// ordinary portraits against which the quality thresholds were chosen. Runs the real pipeline
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
const { processPortrait, hammingDistance, signatureDistance, HASH_MATCH_DISTANCE, SIGNATURE_MATCH_DISTANCE } = await import(outfile);

const shared = portraitLook("shared-look");
const photos = [];
for (let i = 0; i < n; i++) {
  // Half the class shares one backdrop and shirt colour (school photo day), half varies.
  const look = i % 2 === 0 ? { backdrop: shared.backdrop, shirt: shared.shirt } : undefined;
  photos.push(portraitJpeg({ width: 640, height: 800, seed: `student-${i}`, look, quality: 88 }));
}

const t0 = performance.now();
const hashes = photos.map((p) => processPortrait(p).checks);
const perPhoto = (performance.now() - t0) / n;

const bandShared = (a, b) => a.bands.some((x, i) => x === b.bands[i]);
const hist = new Map();
const fpAt = new Map();
let pairs = 0;
const sigDistinct = [];
const flagged = [];
const sigCopies = [];
for (let i = 0; i < n; i++) {
  for (let j = i + 1; j < n; j++) {
    pairs++;
    const d = hammingDistance(hashes[i].fingerprint, hashes[j].fingerprint);
    hist.set(d, (hist.get(d) ?? 0) + 1);
    if (bandShared(hashes[i], hashes[j])) for (let t = 0; t <= 16; t++) if (d <= t) fpAt.set(t, (fpAt.get(t) ?? 0) + 1);
    if (bandShared(hashes[i], hashes[j]) && d <= HASH_MATCH_DISTANCE) {
      const sd = signatureDistance(hashes[i].signature, hashes[j].signature);
      sigDistinct.push(sd);
      if (sd <= SIGNATURE_MATCH_DISTANCE) flagged.push([i, j, d, sd]);
    }
  }
}
const minDistinct = Math.min(...hist.keys());

const TRANSFORMS = {
  "re-encoded q70": (b) => sharp(b).jpeg({ quality: 70 }).toBuffer(),
  "recompressed q40": (b) => sharp(b).jpeg({ quality: 40 }).toBuffer(),
  "resized to 50%": (b) => sharp(b).resize(320, 400).jpeg({ quality: 85 }).toBuffer(),
  "resized to 200%": (b) => sharp(b).resize(1280, 1600).jpeg({ quality: 85 }).toBuffer(),
  "cropped 3% each side": (b) => sharp(b).extract({ left: 19, top: 24, width: 602, height: 752 }).jpeg({ quality: 85 }).toBuffer(),
  "cropped 6% off the bottom": (b) => sharp(b).extract({ left: 0, top: 0, width: 640, height: 752 }).jpeg({ quality: 85 }).toBuffer(),
  "brightened 15%": (b) => sharp(b).modulate({ brightness: 1.15 }).jpeg({ quality: 85 }).toBuffer(),
  "darkened 15%": (b) => sharp(b).modulate({ brightness: 0.85 }).jpeg({ quality: 85 }).toBuffer(),
  PNG: (b) => sharp(b).png().toBuffer(),
};
const m = Math.min(n, 100);
const recall = {};
for (const [name, f] of Object.entries(TRANSFORMS)) {
  const dists = [];
  const found = {};
  for (let i = 0; i < m; i++) {
    const c = processPortrait(new Uint8Array(await f(Buffer.from(photos[i])))).checks;
    const d = hammingDistance(hashes[i].fingerprint, c.fingerprint);
    dists.push(d);
    sigCopies.push(signatureDistance(hashes[i].signature, c.signature));
    if (d <= HASH_MATCH_DISTANCE && bandShared(hashes[i], c) && signatureDistance(hashes[i].signature, c.signature) <= SIGNATURE_MATCH_DISTANCE)
      found.final = (found.final ?? 0) + 1;
    for (let t = 0; t <= 16; t++) if (d <= t && bandShared(hashes[i], c)) found[t] = (found[t] ?? 0) + 1;
  }
  recall[name] = { found, max: Math.max(...dists), mean: dists.reduce((a, b) => a + b, 0) / m, sigMax: Math.max(...sigCopies.slice(-m)) };
}

const lumas = [];
for (const p of photos.slice(0, 100)) {
  const info = await sharp(Buffer.from(p)).greyscale().stats();
  lumas.push({ mean: info.channels[0].mean, std: info.channels[0].stdev });
}

console.log(`photo checks on ${n} generated 640×800 portraits (half sharing one backdrop and shirt), pipeline ${perPhoto.toFixed(1)} ms/photo`);
console.log(`distinct pairs: ${pairs}; smallest distance between two different students: ${minDistinct} bits`);
console.log(
  "distance histogram (distinct pairs), bits: count  " +
    [...hist.entries()]
      .sort((a, b) => a[0] - b[0])
      .slice(0, 14)
      .map(([d, c]) => `${d}:${c}`)
      .join(" "),
);
console.log("false positives (distance ≤ t and a shared band), t: pairs  " + [4, 6, 8, 10, 12].map((t) => `${t}:${fpAt.get(t) ?? 0}`).join(" "));
console.log(`recall on ${m} transformed copies each (found with distance ≤ t and a shared band; current t = ${HASH_MATCH_DISTANCE}):`);
for (const [name, r] of Object.entries(recall)) {
  console.log(
    `  ${name.padEnd(26)} max ${String(r.max).padStart(2)} mean ${r.mean.toFixed(1).padStart(4)}  ` +
      [3, 4, 6, 8, 10].map((t) => `t${t}: ${(((r.found[t] ?? 0) / m) * 100).toFixed(0)}%`).join("  ") +
      `  signature max ${r.sigMax}  FOUND (hash + signature): ${(((r.found.final ?? 0) / m) * 100).toFixed(0)}%`,
  );
}
sigDistinct.sort((a, b) => a - b);
const fpFinal = sigDistinct.filter((d) => d <= SIGNATURE_MATCH_DISTANCE).length;
console.log(
  `signature distance of distinct pairs that pass the hash (${sigDistinct.length}): min ${sigDistinct[0]}, 1st pct ${sigDistinct[Math.floor(sigDistinct.length / 100)]}, median ${sigDistinct[sigDistinct.length >> 1]}`,
);
console.log(`copies' signature distance: max ${Math.max(...sigCopies)}; 99th pct ${[...sigCopies].sort((a, b) => a - b)[Math.floor(sigCopies.length * 0.99)]}`);
console.log(`FALSE POSITIVES (hash ≤ ${HASH_MATCH_DISTANCE}, a shared band, signature ≤ ${SIGNATURE_MATCH_DISTANCE}): ${fpFinal} of ${pairs} distinct pairs`);
const lookOf = (i) => ({ ...portraitLook(`student-${i}`), ...(i % 2 === 0 ? { backdrop: shared.backdrop, shirt: shared.shirt } : {}) });
const same = (a, b) => ["skin", "hair", "style", "backdrop", "shirt", "collar", "glasses"].filter((k) => JSON.stringify(a[k]) === JSON.stringify(b[k])).length;
for (const [i, j, d, sd] of flagged.slice(0, 8))
  console.log(`  flagged: students ${i} and ${j} (hash ${d} bits, signature ${sd}): ${same(lookOf(i), lookOf(j))} of 7 look attributes equal`);
const ms = lumas.map((l) => l.mean);
const ss = lumas.map((l) => l.std);
console.log(
  `ordinary portraits (100): mean luma ${Math.min(...ms).toFixed(0)}–${Math.max(...ms).toFixed(0)}, luma std-dev ${Math.min(...ss).toFixed(0)}–${Math.max(...ss).toFixed(0)}`,
);
