// Bounded load generators. Both stop by themselves (a request count or a duration), target only
// 127.0.0.1, and report req/s and latency percentiles.
//   runWrk()      wrk (Debian's `wrk`, C, epoll): the fast client for throughput runs, so the client
//                 is not what is measured on a 2-core machine
//   runRequests() a node:http keep-alive client: count-bounded lists (cold fetches), mixed loads,
//                 and the fallback when wrk is absent
import { spawn } from "node:child_process";
import http from "node:http";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { BENCH_DIR, ensureDir, summarize, which } from "./common.mjs";

export const hasWrk = () => Boolean(which("wrk"));

function assertLocal(url) {
  const host = new URL(url).hostname;
  if (host !== "127.0.0.1" && host !== "localhost" && host !== "::1") throw new Error(`load goes to 127.0.0.1 only; refusing ${url}`);
}

const parseDuration = (s) => {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(s.trim());
  if (!m) return NaN;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60000 }[m[2]];
};

let scriptSeq = 0;
/**
 * wrk against `base` for `seconds` with `connections` on `threads`.
 * Either `paths` (GET, cycled per thread) or `post` ({ path, body, headers }).
 * → { rps, requests, p50, p75, p90, p99, non2xx, errors, seconds, connections, raw }
 */
export async function runWrk({ base, paths, post, get, headers = {}, connections = 32, threads = 1, seconds = 10 }) {
  assertLocal(base);
  const dir = ensureDir(path.join(BENCH_DIR, "wrk"));
  const id = `${process.pid}-${++scriptSeq}`;
  const lua = path.join(dir, `script-${id}.lua`);
  let target = base;
  let script = "";
  const hdr = Object.entries(headers)
    .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}\n`)
    .join("");
  if (paths) {
    const list = path.join(dir, `paths-${id}.txt`);
    writeFileSync(list, paths.join("\n") + "\n");
    script = `${hdr}local paths = {}
for line in io.lines(${JSON.stringify(list)}) do paths[#paths + 1] = line end
local counter = 0
local i = 0
function setup(thread)
  thread:set("start", counter)
  counter = counter + math.floor(#paths / ${threads})
end
function init(args)
  i = start or 0
end
function request()
  i = i + 1
  if i > #paths then i = 1 end
  return wrk.format("GET", paths[i])
end
`;
  } else if (post) {
    target = base + post.path;
    script = `${hdr}wrk.method = "POST"
wrk.body = ${luaLongString(post.body)}
wrk.headers["Content-Type"] = "application/json"
${Object.entries(post.headers ?? {})
  .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
  .join("\n")}
`;
  } else if (get) {
    target = base + get;
    script = hdr;
  }
  writeFileSync(lua, script);
  const args = ["-t", String(threads), "-c", String(connections), "-d", `${seconds}s`, "--timeout", "10s", "--latency", "-s", lua, target];
  const out = await new Promise((resolve, reject) => {
    const child = spawn(which("wrk"), args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const kill = setTimeout(() => child.kill("SIGKILL"), (seconds + 30) * 1000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(kill);
      code === 0 ? resolve(stdout) : reject(new Error(`wrk exited ${code}: ${stderr}${stdout}`));
    });
  });
  const pct = (p) => parseDuration(new RegExp(`^\\s+${p}%\\s+(\\S+)`, "m").exec(out)?.[1] ?? "");
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    client: "wrk",
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    requests,
    p50: pct(50),
    p75: pct(75),
    p90: pct(90),
    p99: pct(99),
    non2xx,
    errors: sock ? sock.slice(1).reduce((s, x) => s + Number(x), 0) : 0,
    seconds,
    connections,
    raw: out,
  };
}

const luaLongString = (s) => {
  let eq = "";
  while (s.includes(`]${eq}]`)) eq += "=";
  return `[${eq}[${s}]${eq}]`;
};

/**
 * node:http keep-alive client: `make(i)` → { method, path, headers, body } for request i.
 * Bounded by `count` requests and/or `seconds`; `concurrency` in flight.
 * → { rps, requests, p50, p95, p99, statuses, errors, seconds, byStatus }
 */
export async function runRequests({ base, make, count = Infinity, seconds = Infinity, concurrency = 8, onResponse }) {
  assertLocal(base);
  if (!Number.isFinite(count) && !Number.isFinite(seconds)) throw new Error("runRequests needs a count or a duration");
  const u = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies = [];
  const statuses = {};
  let errors = 0;
  let issued = 0;
  const t0 = performance.now();
  const deadline = Number.isFinite(seconds) ? t0 + seconds * 1000 : Infinity;
  const one = (req) =>
    new Promise((resolve) => {
      const start = performance.now();
      const r = http.request({ host: u.hostname, port: u.port, method: req.method ?? "GET", path: req.path, headers: req.headers ?? {}, agent }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const ms = performance.now() - start;
          latencies.push(ms);
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          onResponse?.(req, res, Buffer.concat(chunks), ms);
          resolve();
        });
        res.on("error", () => (errors++, resolve()));
      });
      r.setTimeout(30_000, () => r.destroy(new Error("timeout")));
      r.on("error", () => (errors++, resolve()));
      if (req.body) r.end(req.body);
      else r.end();
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < count && performance.now() < deadline) {
        const i = issued++;
        await one(make(i));
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  const s = summarize(latencies);
  return {
    client: "node:http",
    rps: s.n / elapsed,
    requests: s.n,
    p50: s.p50,
    p95: s.p95,
    p99: s.p99,
    max: s.max,
    statuses,
    errors,
    seconds: elapsed,
    concurrency,
  };
}
