// The servers a benchmark runs against, all on 127.0.0.1, all stopped by the caller:
//   startDev()      `wrangler dev` (e2e/harness.mjs startServer; falls back to a copy of wrangler.toml
//                   without its [build] step when the web-page build is broken mid-edit)
//   startWorkerd()  the Worker bundle (`wrangler deploy --dry-run`) on workerd through Miniflare's API,
//                   with exactly the bindings wrangler dev gives it (unstable_getMiniflareWorkerOptions):
//                   no dev proxy in front, so delivery is measured on the runtime itself
//   startNginx()    Debian's nginx serving a folder, own prefix/pid/logs under .bench/nginx
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { waitFor200 } from "../../scripts/lib/http.mjs";
import { makeToken } from "../../scripts/lib/jwt.mjs";
import { projectNode, toolEnv, wranglerEntry } from "../../scripts/lib/paths.mjs";
import { freePort, startServer } from "../../e2e/harness.mjs";
import { BENCH_DIR, ROOT, ensureDir, sleep, which } from "./common.mjs";

export { freePort };

const tokenFn = (org, role, sub) => makeToken({ org, role, sub: sub ?? `${role}-bench` });

/**
 * .bench/wrangler/wrangler.toml: the project's wrangler.toml with paths made relative to it, no
 * [build] step (the web pages do not matter to the API), optionally another `main` (profiling).
 */
export function benchConfig({ main, dropAssets = false, assetsExtra, tag } = {}) {
  const dir = ensureDir(path.join(BENCH_DIR, "wrangler"));
  let toml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
  toml = toml.replace(/\n\[build\]\n[\s\S]*?(?=\n\[)/, "\n");
  const rel = (p) => path.relative(dir, path.join(ROOT, p)).split(path.sep).join("/");
  toml = toml.replace(/^main\s*=\s*"([^"]+)"/m, (_, m) => `main = "${main ? path.relative(dir, main).split(path.sep).join("/") : rel(m)}"`);
  toml = toml.replace(/^directory\s*=\s*"([^"]+)"/m, (_, d) => `directory = "${rel(d)}"`);
  if (dropAssets) toml = toml.replace(/\n\[assets\]\n[\s\S]*?(?=\n\[)/, "\n");
  else if (assetsExtra) toml = toml.replace(/^(directory\s*=.*)$/m, `$1\n${assetsExtra}`);
  const file = path.join(dir, tag ? `wrangler.${tag.replace(/\W+/g, "_")}.toml` : "wrangler.toml");
  writeFileSync(file, toml);
  if (existsSync(path.join(ROOT, ".dev.vars"))) copyFileSync(path.join(ROOT, ".dev.vars"), path.join(dir, ".dev.vars"));
  ensureDir(path.join(ROOT, "public", "assets"));
  return file;
}

function wrangler(args, opts = {}) {
  return spawnSync(projectNode(), [wranglerEntry(), ...args], { cwd: ROOT, env: toolEnv(), encoding: "utf8", ...opts });
}

/** `wrangler dev` with fresh state: the shared harness first, the build-less config if its build fails. */
export async function startDev({ vars, log = () => {}, forceBenchConfig = false } = {}) {
  if (!forceBenchConfig) {
    try {
      const s = await startServer({ vars, log });
      return { ...s, token: tokenFn, kind: "wrangler dev" };
    } catch (err) {
      console.error(`  (harness startServer failed: ${String(err.message).split("\n")[0]}; retrying without the [build] step)`);
    }
  }
  const s = await startServer({ vars, log, config: benchConfig() });
  return { ...s, token: tokenFn, kind: "wrangler dev" };
}

/** Bundles the Worker as `wrangler deploy` would (no upload) into outdir. */
export function buildBundle({ main, outdir = path.join(BENCH_DIR, "dist"), dropAssets, assetsExtra, tag } = {}) {
  const config = benchConfig({ main, dropAssets, assetsExtra, tag });
  rmSync(outdir, { recursive: true, force: true });
  const r = wrangler(["deploy", "--dry-run", "--outdir", outdir, "--config", config]);
  if (r.status !== 0 || !existsSync(path.join(outdir, "index.js"))) throw new Error(`wrangler deploy --dry-run failed:\n${r.stdout}\n${r.stderr}`);
  return { outdir, config, script: path.join(outdir, "index.js") };
}

/**
 * The bundle on workerd via Miniflare, bindings from the same wrangler config, state persisted
 * under .bench/state (like wrangler dev's --persist-to), schema.sql applied.
 * options.queue overrides the upload queue's consumer settings (experiments); options.limits the
 * rate-limit bindings' limits.
 */
export async function startWorkerd({ bundle, port, queue, limits, inspectorPort, log = () => {} } = {}) {
  const { Miniflare, Log, LogLevel, convertV4MiniflareOptions } = await import("miniflare");
  const { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } = await import("wrangler");
  const b = bundle ?? buildBundle();
  const { workerOptions } = unstable_getMiniflareWorkerOptions(b.config);
  if (queue) workerOptions.queueConsumers["passpix-uploads"] = { ...workerOptions.queueConsumers["passpix-uploads"], ...queue };
  // limits: { USER_WRITE_LIMIT: n, SCHOOL_WRITE_LIMIT: n } replaces the bindings' limits (throughput runs).
  for (const [name, limit] of Object.entries(limits ?? {})) {
    if (workerOptions.ratelimits?.[name])
      workerOptions.ratelimits[name] = { ...workerOptions.ratelimits[name], simple: { ...workerOptions.ratelimits[name].simple, limit } };
  }
  const persistDir = mkdtempSync(path.join(ensureDir(path.join(BENCH_DIR, "state")), "workerd-"));
  port ??= await freePort();
  // Miniflare 5 takes a new options shape; convertV4MiniflareOptions is what wrangler itself uses.
  const v4 = {
    workers: [
      {
        ...workerOptions,
        name: "passpix",
        modulesRules: undefined,
        modulesRoot: b.outdir,
        modules: [
          { type: "ESModule", path: b.script },
          ...readdirSync(b.outdir)
            .filter((f) => f.endsWith(".wasm"))
            .map((f) => ({ type: "CompiledWasm", path: path.join(b.outdir, f) })),
        ],
      },
    ],
    host: "127.0.0.1",
    port,
    inspectorPort,
    resourcePersistencePath: persistDir,
    log: new (class extends Log {
      constructor() {
        super(LogLevel.WARN);
      }
      log(message) {
        log(message);
      }
    })(),
  };
  const mf = new Miniflare(convertV4MiniflareOptions ? convertV4MiniflareOptions(v4) : v4);
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const db = await mf.getD1Database("DB");
  const statements = unstable_splitSqlQuery(readFileSync(path.join(ROOT, "schema.sql"), "utf8"));
  await db.batch(statements.map((s) => db.prepare(s)));
  const ready = await waitFor200(`${url}/health`, { timeoutMs: 30_000 });
  if (!ready.ok) {
    await mf.dispose();
    throw new Error(`workerd did not answer /health on ${url}: ${JSON.stringify(ready)}`);
  }
  return {
    url,
    port: Number(new URL(url).port),
    mf,
    persistDir,
    token: tokenFn,
    kind: "workerd (Miniflare API)",
    stop: async () => {
      await mf.dispose().catch(() => {});
      rmSync(persistDir, { recursive: true, force: true });
    },
  };
}

/** nginx (Debian's) on 127.0.0.1 serving `root`, one worker process; null when nginx is absent. */
export async function startNginx({ root, workers = 1 } = {}) {
  const bin = which("nginx");
  if (!bin) return null;
  const prefix = ensureDir(path.join(BENCH_DIR, "nginx"));
  ensureDir(path.join(prefix, "logs"));
  ensureDir(path.join(prefix, "tmp"));
  const port = await freePort();
  const conf = path.join(prefix, "nginx.conf");
  writeFileSync(
    conf,
    `# generated by bench/lib/servers.mjs
daemon off;
master_process on;
worker_processes ${workers};
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  keepalive_timeout 65;
  types { image/jpeg jpg; }
  server {
    listen 127.0.0.1:${port};
    root ${root};
    etag on;
    location / {
      add_header Cache-Control "private, max-age=3600, immutable";
      add_header X-Content-Type-Options nosniff;
    }
  }
}
`,
  );
  const child = spawn(bin, ["-p", prefix, "-c", conf], { stdio: ["ignore", "ignore", "pipe"], detached: true });
  let stderr = "";
  let exited = null;
  child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
  child.on("exit", (code) => (exited = code));
  const url = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  while (Date.now() - t0 < 10_000 && exited === null) {
    try {
      const r = await fetch(`${url}/`, { signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      break;
    } catch {
      await sleep(100);
    }
  }
  if (exited !== null) throw new Error(`nginx exited (${exited}): ${stderr}`);
  return {
    url,
    port,
    pid: child.pid,
    kind: `nginx ${spawnSync(bin, ["-v"], { encoding: "utf8" }).stderr.trim().replace("nginx version: ", "")}`,
    stop: async () => {
      if (exited !== null) return;
      try {
        process.kill(child.pid, "SIGQUIT");
      } catch {}
      await new Promise((r) => {
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid, "SIGKILL");
          } catch {}
          r();
        }, 5000);
        child.once("exit", () => (clearTimeout(timer), r()));
      });
    },
  };
}
