#!/usr/bin/env node
// npm run scale-model [-- --hit-rate 0.9] [--today] [--factor 10] [--json]
//
// Prints the scale model of docs/SCALE.md: the homes 100,000 schools need and the limit that
// binds first, the 7:50 storm, back-to-school, the other limits and the cost per school per year,
// then the same at 10×. Measured inputs come from bench/results/measured.json (the benches write
// it); limits and prices from the cited pages in scripts/lib/scale-model.ts.
import { parseArgs } from "node:util";
import { MEASURED_FILE, readMeasured } from "../bench/lib/measured.mjs";
import { CLOUDFLARE, WORKLOAD, WORKLOAD_NOTES, computeModel, renderModel, scaled, table } from "./lib/scale-model.ts";

const USAGE = `usage: npm run scale-model [-- --hit-rate 0.9] [--today] [--factor 10] [--json]

  --hit-rate  edge-cache hit rate for the cost (default ${WORKLOAD.edge_hit_rate}); the storm table shows several
  --today     /img asks D1 on every request, as before issue 11 (1 query per image instead of 0)
  --factor    the second scale printed (default 10)
  --json      the computed numbers as JSON instead of tables`;

let opts;
try {
  const { values } = parseArgs({
    options: {
      "hit-rate": { type: "string" },
      today: { type: "boolean", default: false },
      factor: { type: "string", default: "10" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const hit = values["hit-rate"] === undefined ? WORKLOAD.edge_hit_rate : Number(values["hit-rate"]);
  if (!(hit >= 0 && hit <= 1)) throw new Error(`--hit-rate ${values["hit-rate"]} must be between 0 and 1`);
  const factor = Number(values.factor);
  if (!(factor > 0)) throw new Error(`--factor ${values.factor} must be a positive number`);
  opts = { hit, factor, today: values.today, json: values.json };
} catch (e) {
  console.error(`error: ${e.message}\n\n${USAGE}`);
  process.exit(2);
}

const file = readMeasured();
const NEEDED = ["photo_cpu_ms", "lookup_cpu_ms", "image_cpu_ms", "d1_bytes_per_student"];
const missing = NEEDED.filter((k) => !(file.inputs?.[k]?.value > 0));
if (missing.length) {
  console.error(`${MEASURED_FILE} lacks ${missing.join(", ")}. Run the benches that measure them (docs/SCALE.md: Inputs), e.g. npm run bench -- d1-size.`);
  process.exit(1);
}
const measured = Object.fromEntries(NEEDED.map((k) => [k, file.inputs[k].value]));
const workload = { ...WORKLOAD, edge_hit_rate: opts.hit, d1_queries_per_image: opts.today ? 1 : WORKLOAD.d1_queries_per_image };
const base = computeModel(measured, workload);
const big = computeModel(measured, scaled(workload, opts.factor));

if (opts.json) {
  console.log(JSON.stringify({ measured: file.inputs, base, [`x${opts.factor}`]: big }, null, 2));
  process.exit(0);
}

console.log("# passpix scale model (docs/SCALE.md)\n");
console.log(
  `Image delivery: ${opts.today ? "TODAY: /img asks D1 on every request" : "after issue 11: /img reads no database (run with --today for before)"}.\n`,
);
console.log("## Measured inputs (bench/results/measured.json)\n");
console.log(
  table(
    ["input", "value", "measured", "how"],
    NEEDED.map((k) => [k, String(file.inputs[k].value), `${file.inputs[k].date.slice(0, 10)} ${file.inputs[k].commit}`, file.inputs[k].how]),
  ),
);
console.log("\n## Assumptions (scripts/lib/scale-model.ts: WORKLOAD)\n");
console.log(
  table(
    ["assumption", "value", "why"],
    Object.entries(WORKLOAD_NOTES).map(([k, why]) => [k, JSON.stringify(workload[k]), why]),
  ),
);
console.log("\n## Cloudflare limits and prices\n");
console.log(
  table(
    ["name", "value", "unit", "source"],
    Object.entries(CLOUDFLARE).map(([k, c]) => [k, String(c.value), c.unit, c.source]),
  ),
);
console.log(`\n${renderModel(base, "Today's target")}\n`);
console.log(`${renderModel(big, `At ${opts.factor}×`)}\n`);
