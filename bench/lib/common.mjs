// Shared helpers for the benchmarks: machine description, percentiles, tables, small utilities.
import os from "node:os";
import path from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BENCH_DIR = path.join(ROOT, ".bench");
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function ensureDir(dir) {
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Cores, CPU model, memory, node, wrangler/miniflare/workerd versions, date: printed above every table. */
export function machineInfo() {
  const cpus = os.cpus();
  const pkg = (name) => {
    try {
      return JSON.parse(readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")).version;
    } catch {
      return "?";
    }
  };
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cores: cpus.length,
    cpu: cpus[0]?.model?.trim() ?? "?",
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    loadavg: os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" "),
    wrangler: pkg("wrangler"),
    miniflare: pkg("miniflare"),
    workerd: pkg("workerd"),
    source: sourceState(),
  };
}

/** The commit measured, and the src/ files that differ from it (others edit src/ concurrently). */
function sourceState() {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src", "wrangler.toml", "schema.sql"], { cwd: ROOT, encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map((l) => l.slice(3));
    return dirty.length ? `${head} + uncommitted ${dirty.join(", ")}` : head;
  } catch {
    return "?";
  }
}

export function describeMachine(m = machineInfo()) {
  return `${m.date} · ${m.cores} cores (${m.cpu}) · ${m.memory_gb} GB · node ${m.node} · ${m.os} · load avg at start ${m.loadavg} · wrangler ${m.wrangler}, miniflare ${m.miniflare}, workerd ${m.workerd} · source ${m.source}`;
}

/** Latency summary (ms), nearest-rank percentiles. */
export function summarize(latencies) {
  const a = Float64Array.from(latencies).sort();
  const at = (p) => (a.length ? a[Math.min(a.length - 1, Math.max(0, Math.ceil((p / 100) * a.length) - 1))] : NaN);
  return {
    n: a.length,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: a.length ? a[a.length - 1] : NaN,
    mean: a.length ? a.reduce((s, x) => s + x, 0) / a.length : NaN,
  };
}

export const fmt = {
  ms: (v) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) : "–"),
  n: (v, d = 0) => (Number.isFinite(v) ? v.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }) : "–"),
  s: (v) => (Number.isFinite(v) ? `${v.toFixed(1)} s` : "–"),
  minutes: (sec) => (Number.isFinite(sec) ? (sec >= 90 ? `${(sec / 60).toFixed(1)} min` : `${sec.toFixed(0)} s`) : "–"),
};

/** A GitHub-flavoured markdown table (also readable in a terminal). */
export function table(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c ?? "")));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(cells[0]), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.slice(1).map(line)].join("\n");
}

/** Which binary is on PATH (or null). */
export function which(bin) {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const p = path.join(dir, bin);
    if (dir && existsSync(p)) return p;
  }
  for (const dir of ["/usr/sbin", "/usr/local/sbin", "/sbin"]) {
    const p = path.join(dir, bin);
    if (existsSync(p)) return p;
  }
  return null;
}

/** Runs fn over items with at most `limit` in flight; results in input order. */
export async function pool(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}

/**
 * Installs Debian packages the bench needs (nginx, wrk) when they are missing: the bench must run
 * on a fresh machine. Needs root and apt; otherwise says what to install and goes on without them.
 */
export function ensureDebianPackages(packages, log = console.log) {
  const missing = packages.filter(({ bin }) => !which(bin));
  if (!missing.length) return;
  const names = missing.map((p) => p.pkg);
  const canInstall = process.getuid?.() === 0 && which("apt-get");
  if (!canInstall) {
    log(`  missing ${names.join(", ")}: install them (apt-get install -y ${names.join(" ")}) for the full comparison`);
    return;
  }
  log(`  installing ${names.join(", ")} with apt…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "ignore", env });
  const install = update.status === 0 ? spawnSync("apt-get", ["install", "-y", "-qq", ...names], { stdio: "ignore", env }) : update;
  if (install.status !== 0) log(`  apt-get could not install ${names.join(", ")}; going on without them`);
}
