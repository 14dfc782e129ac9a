// CPU time of process trees from /proc (Linux): tells whether a server was CPU-bound in a run.
import { readdirSync, readFileSync } from "node:fs";

const TICK = 100; // USER_HZ on Linux

function stat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = s.lastIndexOf(")");
    const comm = s.slice(s.indexOf("(") + 1, close);
    const f = s.slice(close + 2).split(" ");
    return { pid, comm, ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / TICK };
  } catch {
    return null;
  }
}

function all() {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map((d) => stat(Number(d)))
    .filter(Boolean);
}

/** pids of `root` and its descendants (optionally only those whose name matches). */
export function tree(root, match) {
  const procs = all();
  const kids = new Map();
  for (const p of procs) (kids.get(p.ppid) ?? kids.set(p.ppid, []).get(p.ppid)).push(p);
  const out = [];
  const walk = (pid) => {
    for (const k of kids.get(pid) ?? []) {
      out.push(k);
      walk(k.pid);
    }
  };
  const self = procs.find((p) => p.pid === root);
  if (self) out.push(self);
  walk(root);
  return out.filter((p) => !match || match.test(p.comm));
}

/** Seconds of CPU used so far by the given process list (re-read now). */
export function cpuSeconds(procs) {
  return procs.reduce((s, p) => s + (stat(p.pid)?.cpu ?? 0), 0);
}

/** Measures fn(); returns its result plus CPU cores used by each named process group meanwhile. */
export async function withCpu(groups, fn) {
  const before = Object.fromEntries(Object.entries(groups).map(([k, procs]) => [k, cpuSeconds(procs)]));
  const t0 = performance.now();
  const result = await fn();
  const wall = (performance.now() - t0) / 1000;
  const cores = Object.fromEntries(Object.entries(groups).map(([k, procs]) => [k, (cpuSeconds(procs) - before[k]) / wall]));
  return { result, cores };
}
