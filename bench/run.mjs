#!/usr/bin/env node
// npm run bench -- <ingest|delivery|all|experiments> [options]
//
//   ingest       bulk upload end to end under wrangler dev (roster import, files, mapping, submit,
//                queue to completed) for N = 500 and 2,000 photos of 640×800, and 500 of 1200×1500
//   delivery     POST /v1/photos/lookup and GET /img thumbnails on workerd (Miniflare API, no dev
//                proxy) next to nginx serving the same bytes, plus wrangler dev for comparison
//   experiments  what the slow parts cost: patched copies of src/ (never src/ itself) measured
//                the same way, and CPU profiles of the Worker (see bench/experiments.mjs)
//                (--only delivery,lookup,ingest,limits,profile; --source worktree|head|<commit> picks
//                the src/ that every variant is built from, frozen once per run; delivery takes
//                --source <commit> too, to measure an earlier src/)
//   all          ingest + delivery
//   NAME         any other bench/NAME.mjs (imaging, memory, …), run with the arguments that follow
//
// Options: --n 500,2000   --sizes 640x800   --large 500 (1200×1500 photos; 0 = none)
//          --vendor 300,3000 (issue 12's case: ~90 KB JPEGs, PUTs 6 in flight, lookup p99 idle vs during; 0 = none)
//          --parallel 8 (file PUTs in flight)   --target dev|workerd (ingest server)
//          --seconds 10 (per delivery run)   --connections 32   --photos 500 (delivery seed)
//          --no-dev (skip the wrangler dev delivery comparison)   --json FILE (raw results)
//          --no-assets (delivery: the Worker without Miniflare's asset router in front)
//          --source <commit> (delivery: measure src/ as of that commit)
// Everything runs on 127.0.0.1, is bounded in count and time, and stops what it started.
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { describeMachine, machineInfo } from "./lib/common.mjs";
import { recordDelivery, recordIngest } from "./lib/measured.mjs";

// Other benchmarks live beside this file as standalone scripts (bench/imaging.mjs, bench/memory.mjs, …):
// `npm run bench -- imaging --rounds 5` runs bench/imaging.mjs with the arguments after the name.
const BUILT_IN = ["ingest", "delivery", "experiments", "all"];
const first = process.argv[2];
if (first && /^[a-z][a-z0-9-]*$/.test(first) && !BUILT_IN.includes(first)) {
  const script = new URL(`./${first}.mjs`, import.meta.url);
  if (existsSync(script) && first !== "run") {
    const r = spawnSync(process.execPath, [script.pathname, ...process.argv.slice(3)], { stdio: "inherit" });
    process.exit(r.status ?? 1);
  }
}

const HELP = `usage: npm run bench -- <ingest|delivery|experiments|all|NAME (runs bench/NAME.mjs)> [--n 500,2000] [--sizes 640x800] [--large 500]
       [--parallel 8] [--target dev|workerd] [--seconds 10] [--connections 32] [--photos 500] [--no-dev] [--no-assets] [--source COMMIT] [--json FILE]`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    n: { type: "string", default: "500,2000" },
    sizes: { type: "string", default: "640x800" },
    large: { type: "string", default: "500" },
    vendor: { type: "string", default: "300,3000" },
    parallel: { type: "string", default: "8" },
    target: { type: "string", default: "dev" },
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "32" },
    photos: { type: "string", default: "500" },
    "no-dev": { type: "boolean", default: false },
    "no-assets": { type: "boolean", default: false },
    only: { type: "string" },
    source: { type: "string", default: "head" },
    json: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});

const cmd = positionals[0] ?? "all";
if (values.help || !BUILT_IN.includes(cmd)) {
  console.log(HELP);
  process.exit(values.help ? 0 : 2);
}
if (Number(process.versions.node.split(".")[0]) < 22) {
  console.error(
    `bench needs node ≥ 22 (Miniflare/wrangler); this is ${process.version}. Run it through npm (npm run bench), which puts the project's node first.`,
  );
  process.exit(2);
}

const machine = machineInfo();
const out = { machine, cmd };
console.log(`passpix bench: ${cmd}\nmachine: ${describeMachine(machine)}\n`);

// Every server is stopped by the code that started it (try/finally); a Ctrl-C stops them too.
process.on("SIGINT", () => process.exit(130));

if (cmd === "ingest" || cmd === "all") {
  const { runIngest, ingestTable } = await import("./ingest.mjs");
  const large = Number(values.large);
  const standardNs = values.n
    .split(",")
    .map(Number)
    .filter((n) => n > 0);
  const r =
    !standardNs.length && !(large > 0)
      ? null
      : await runIngest({
          ns: standardNs,
          sizes: values.sizes.split(",").filter(Boolean),
          extra: large > 0 ? [{ size: "1200x1500", n: large }] : [],
          parallel: Number(values.parallel),
          target: values.target,
        });
  if (r) {
    out.ingest = r;
    recordIngest(r); // the scale model's inputs (bench/results/measured.json)
    console.log(`\n## Bulk ingest (${r.server}, file PUTs ${r.parallel} in flight, every 10th file a PNG)\n`);
    console.log(`machine: ${describeMachine(machine)}`);
    console.log(
      `corpus: ${Object.entries(r.corpus)
        .map(([s, c]) => `${s} JPEG ≈ ${c.jpg_kb.toFixed(0)} KB, PNG ≈ ${c.png_kb.toFixed(0)} KB`)
        .join("; ")}\n`,
    );
    console.log(ingestTable(r.results));
    const ok = r.results.filter((x) => x.size === "640x800").every((x) => x.processRate >= 20);
    console.log(`\ntarget: bulk ingest ≥ 20 photos/s for 640×800 (processing): ${ok ? "MET" : "MISSED"}`);
  }
  const vendorNs = values.vendor
    .split(",")
    .map(Number)
    .filter((n) => n > 0);
  if (vendorNs.length) {
    const { runVendorIngest, vendorTable } = await import("./ingest.mjs");
    const v = await runVendorIngest({ ns: vendorNs });
    out.vendorIngest = v;
    console.log(
      `\n## A photographer's delivery (issue 12: ${v.corpus["640x800-vendor"].jpg_kb.toFixed(0)} KB 640×800 JPEGs by email, PUTs ${v.parallel} in flight; a lookup of 500 ids every 250 ms)\n`,
    );
    console.log(`machine: ${describeMachine(machineInfo())}\n`);
    console.log(vendorTable(v.results));
    for (const x of v.results) {
      const met = x.processRate >= 60 && x.e2eRate >= 40 && x.lookupDuring.p99 <= 2 * x.lookupIdle.p99;
      console.log(`target (${x.n}): processing ≥ 60, end to end ≥ 40 photos/s, lookup p99 ≤ 2× idle: ${met ? "MET" : "MISSED"}`);
    }
  }
}

if (cmd === "delivery" || cmd === "all") {
  const { runDelivery, deliveryTable, TARGETS } = await import("./delivery.mjs");
  const r = await runDelivery({
    photos: Number(values.photos),
    seconds: Number(values.seconds),
    connections: Number(values.connections),
    withDev: !values["no-dev"],
    noAssets: values["no-assets"],
    source: cmd === "delivery" && process.argv.includes("--source") ? values.source : undefined,
  });
  out.delivery = r;
  recordDelivery(r); // the scale model's inputs (bench/results/measured.json)
  console.log(`\n## Delivery (${r.meta.photos} students with photos; client ${r.meta.client}; ${r.meta.seconds} s per row, cold = one fetch of each URL)\n`);
  console.log(`machine: ${describeMachine(machine)}\n`);
  if (r.meta.source !== "worktree") console.log(`Worker measured: src/ as of ${r.meta.source} (--source)\n`);
  if (r.meta.noAssets) console.log("Worker measured without its [assets] block (--no-assets): no asset-router isolates in front\n");
  console.log(deliveryTable(r.rows));
  const v = r.verdict;
  console.log(
    `\ntarget: lookup of 500 ids p99 < ${TARGETS.lookup500P99Ms} ms: ${v.lookup500.map((x) => `${x.conc} conn. p99 ${x.p99.toFixed(1)} ms ${x.ok ? "MET" : "MISSED"}`).join("; ")}`,
  );
  console.log(
    `the local floor (a lookup-shaped hello world through the same Miniflare stack, no D1): ${v.lookup500
      .map(
        (x) =>
          `${x.conc} conn. p99 ours ${x.p99.toFixed(1)} ms vs floor ${x.floorP99?.toFixed(1)} ms (${(x.p99 / x.floorP99).toFixed(2)}×), workerd CPU per request ours ${x.cpuMs.toFixed(1)} ms vs floor ${x.floorCpuMs.toFixed(1)} ms`,
      )
      .join("; ")}`,
  );
  console.log(
    `target: warm thumbnails ≥ ${TARGETS.warmVsHello}× a hello-world Worker's req/s (same workerd, same run): ${v.warmVsHello.toFixed(3)}× ${v.warmVsHelloOk ? "MET" : "MISSED"} against a bare hello world; ${v.warmVsStackHello.toFixed(3)}× ${v.warmVsStackHelloOk ? "MET" : "MISSED"} against a hello world behind the same local [assets] router`,
  );
  console.log(`(for scale) warm thumbnails vs nginx ≥ ${TARGETS.warmVsNginx}×: ${v.warmRatio.toFixed(3)}× ${v.warmOk ? "MET" : "MISSED"}`);
}

if (cmd === "experiments") {
  const { runExperiments } = await import("./experiments.mjs");
  out.experiments = await runExperiments({ seconds: Number(values.seconds), only: values.only?.split(","), source: values.source });
}

if (values.json) {
  writeFileSync(
    values.json,
    JSON.stringify(out, (k, v) => (k === "raw" || k === "putMs" ? undefined : v), 2),
  );
  console.log(`\nraw results: ${values.json}`);
}
