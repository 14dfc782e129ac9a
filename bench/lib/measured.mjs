// bench/results/measured.json: the measured inputs of the scale model (scripts/lib/scale-model.ts,
// docs/SCALE.md). Each bench that measures one of them records it here with the date and commit,
// so `npm run scale-model` follows the latest run. Committed, like BENCHMARKS.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { ROOT } from "../../scripts/lib/paths.mjs";

export const MEASURED_FILE = path.join(ROOT, "bench", "results", "measured.json");

export function readMeasured() {
  return existsSync(MEASURED_FILE) ? JSON.parse(readFileSync(MEASURED_FILE, "utf8")) : { inputs: {} };
}

function commit() {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

/**
 * Records measured inputs: `values` maps an input name (a key of the model's Measured type) to
 * { value, how }. Inputs not given keep their earlier value, date and commit.
 */
export function recordMeasured(bench, values) {
  const file = readMeasured();
  const at = { date: new Date().toISOString().replace(/\.\d+Z$/, "Z"), commit: commit(), bench };
  for (const [name, v] of Object.entries(values)) {
    if (!(Number.isFinite(v.value) && v.value > 0)) continue; // a failed or skipped measurement leaves the old one
    file.inputs[name] = { value: Number(v.value.toFixed(3)), how: v.how, ...at };
  }
  mkdirSync(path.dirname(MEASURED_FILE), { recursive: true });
  writeFileSync(MEASURED_FILE, `${JSON.stringify(file, null, 2)}\n`);
  return file;
}

/** The cores a delivery row's workerd processes were busy (rows carry cores per process group). */
const workerdCores = (row) => row?.cores?.workerd ?? NaN;

/** CPU ms per request of a delivery row: workerd's cores busy ÷ requests per second. */
export const cpuMsPerRequest = (row) => (row && row.rps > 0 && workerdCores(row) > 0 ? (workerdCores(row) / row.rps) * 1000 : NaN);

/** The scale model's photo CPU from an ingest run: 1000 ÷ processing photos/s of the largest photos on one isolate. */
export function recordIngest(r) {
  const rows = [...(r.results ?? [])].sort((a, b) => pixels(b.size) - pixels(a.size));
  const row = rows.find((x) => x.processRate > 0);
  if (!row) return;
  recordMeasured("ingest", {
    photo_cpu_ms: {
      value: 1000 / row.processRate,
      how: `ingest bench, ${row.n ?? "?"} photos at ${row.size} under ${r.server}: 1000 ÷ ${row.processRate.toFixed(1)} processing photos/s on one isolate (an upper bound on CPU: local I/O is in it)`,
    },
  });
}
const pixels = (size) =>
  String(size)
    .split("x")
    .map(Number)
    .reduce((a, b) => a * b, 1);

/** Lookup and image CPU from a delivery run on workerd: server cores busy ÷ req/s. */
export function recordDelivery(r) {
  const wd = (r.rows ?? []).filter((x) => /workerd/.test(x.server) && !/hello/.test(x.server));
  const lookup = wd.find((x) => x.label === "lookup 50 ids" && x.conc === 1);
  const warm = wd.filter((x) => /warm/.test(x.label)).sort((a, b) => b.rps - a.rps)[0];
  recordMeasured("delivery", {
    lookup_cpu_ms: {
      value: cpuMsPerRequest(lookup),
      how: `delivery bench, lookup 50 ids, 1 connection on workerd: ${workerdCores(lookup).toFixed(2)} cores ÷ ${lookup?.rps?.toFixed(0)} req/s`,
    },
    image_cpu_ms: {
      value: cpuMsPerRequest(warm),
      how: `delivery bench, ${warm?.label}, ${warm?.conc} connections on workerd: ${workerdCores(warm).toFixed(2)} cores ÷ ${warm?.rps?.toFixed(0)} req/s`,
    },
  });
}
