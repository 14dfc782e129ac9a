#!/usr/bin/env node
// npm start [-- --port 8787] [--no-seed] [--persist-to DIR] [--quiet] [--timeout 120]
//
// One command from a fresh clone (after `npm install`) to a running, seeded demo:
//   1. make sure .dev.vars exists (local JWT_SECRET / URL_SIGNING_SECRET),
//   2. apply schema.sql to the local D1 (idempotent),
//   3. start `wrangler dev` on 127.0.0.1:<port>, streaming its output with a prefix,
//   4. wait for GET /health → 200,
//   5. seed the demo school through the API (skip with --no-seed),
//   6. print the URL, an admin and a teacher token for org `demo`, and ready-to-click links.
// Ctrl-C (SIGINT) or SIGTERM is forwarded to wrangler; this script exits with wrangler's code.
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT, projectNode, toolEnv, wranglerEntry } from "./lib/paths.mjs";
import { waitFor200 } from "./lib/http.mjs";
import { makeToken } from "./lib/jwt.mjs";

const USAGE = `Usage: npm start [-- --port 8787] [--no-seed] [--persist-to DIR] [--quiet] [--timeout 120]

  --port        port for wrangler dev (default: $PORT or 8787); it listens on 127.0.0.1
  --no-seed     do not seed the demo school
  --persist-to  local state directory for D1/R2 (default: wrangler's .wrangler/state)
  --quiet       hide wrangler's output (shown anyway if it fails to start)
  --timeout     seconds to wait for GET /health to answer 200 (default 120)`;

const ORG = "demo";
const isTTY = process.stdout.isTTY;
const paint = (code) => (s) => (isTTY ? `\x1b[${code}m${s}\x1b[0m` : s);
const bold = paint("1");
const dim = paint("2");
const green = paint("32");
const red = paint("31");
const cyan = paint("36");
const say = (line = "") => console.log(`${cyan("[start]")} ${line}`);
const fail = (line) => console.error(`${red("[start]")} ${line}`);

function parse() {
  try {
    const { values } = parseArgs({
      options: {
        port: { type: "string" },
        "no-seed": { type: "boolean", default: false },
        "persist-to": { type: "string" },
        quiet: { type: "boolean", short: "q", default: false },
        timeout: { type: "string", default: "120" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    const portText = values.port ?? process.env.PORT ?? "8787";
    const port = Number(portText);
    if (!/^\d+$/.test(String(portText)) || port < 1 || port > 65535) throw new Error(`port ${JSON.stringify(portText)} is not a port number (1-65535)`);
    const timeout = Number(values.timeout);
    if (!(timeout > 0)) throw new Error(`--timeout ${JSON.stringify(values.timeout)} must be a positive number of seconds`);
    return {
      port,
      seed: !values["no-seed"],
      persistTo: values["persist-to"] ? path.resolve(values["persist-to"]) : undefined,
      quiet: values.quiet,
      timeoutMs: timeout * 1000,
    };
  } catch (e) {
    console.error(`error: ${e.message}\n\n${USAGE}`);
    process.exit(2);
  }
}

/** True when nothing listens on host:port (so wrangler can take it). */
function portFree(port, host = "127.0.0.1") {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

async function main() {
  const opts = parse();
  const node = projectNode();
  const env = toolEnv();
  const persist = opts.persistTo ? ["--persist-to", opts.persistTo] : [];
  let wrangler;
  try {
    wrangler = wranglerEntry();
  } catch (e) {
    fail(e.message);
    process.exit(1);
  }

  if (!(await portFree(opts.port))) {
    fail(
      `port ${opts.port} on 127.0.0.1 is already in use (another \`wrangler dev\`?). Stop it or pick another: npm start -- --port ${opts.port === 8787 ? 8788 : opts.port + 1}`,
    );
    process.exit(1);
  }

  // 1. Local secrets.
  const ensure = spawnSync(node, [path.join(ROOT, "scripts", "ensure-dev-vars.mjs")], { cwd: ROOT, env, stdio: "inherit" });
  if (ensure.status !== 0) {
    fail("could not create .dev.vars (scripts/ensure-dev-vars.mjs failed).");
    process.exit(1);
  }

  // 2. Schema (idempotent).
  say("applying schema.sql to the local D1 …");
  const schema = spawnSync(node, [wrangler, "d1", "execute", "DB", "--local", "--file", path.join(ROOT, "schema.sql"), ...persist], {
    cwd: ROOT,
    env,
    encoding: "utf8",
  });
  if (schema.status !== 0) {
    fail(`applying schema.sql failed (wrangler exited ${schema.status ?? schema.signal}):`);
    process.stderr.write(`${schema.stdout ?? ""}${schema.stderr ?? ""}\n`);
    process.exit(1);
  }
  say(green("schema applied."));

  // 3. wrangler dev.
  const base = `http://127.0.0.1:${opts.port}`;
  say(`starting wrangler dev on ${base} …`);
  const child = spawn(
    node,
    [wrangler, "dev", "--ip", "127.0.0.1", "--port", String(opts.port), "--show-interactive-dev-session=false", "--test-scheduled", ...persist],
    // its own process group: Ctrl-C reaches only us, we forward it once, and can end workerd too
    { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: process.platform !== "win32" },
  );
  let exited = null; // { code, signal } once wrangler has exited
  const exitedPromise = new Promise((resolve) =>
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    }),
  );
  child.on("error", (err) => {
    fail(`could not start wrangler: ${err.message}`);
    exited ??= { code: 1, signal: null };
  });

  // Output: prefixed lines; in quiet mode only errors are shown, the rest kept for a failure report.
  const recent = [];
  let skipStack = false;
  let ready = false;
  const pipe = (stream, out) => {
    let buf = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        emit(buf.slice(0, nl), out);
        buf = buf.slice(nl + 1);
      }
    });
    stream.on("end", () => buf && emit(buf, out));
  };
  const emit = (raw, out) => {
    let line = raw.replace(/\r$/, "");
    if (!out.isTTY) line = line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ""); // no colour codes in logs
    recent.push(line);
    if (recent.length > 200) recent.shift();
    if (opts.quiet) {
      // offline machines: wrangler's failed fetch of the Request.cf placeholder is harmless noise
      if (/Request\.cf|workers\.cloudflare\.com/.test(line)) return void (skipStack = true);
      if (skipStack && /^\s+at /.test(line)) return;
      skipStack = false;
      if (!/\b(error|✘|fatal)\b/i.test(line)) return;
    }
    out.write(`${dim("[wrangler]")} ${line}\n`);
  };
  pipe(child.stdout, process.stdout);
  pipe(child.stderr, process.stderr);

  // Shutdown: forward the signal once; a second one (or 10 s) forces it.
  let stopping = false;
  const killGroup = (sig) => {
    try {
      if (process.platform !== "win32") process.kill(-child.pid, sig);
      else child.kill(sig);
    } catch {
      // already gone
    }
  };
  let forcedCode = null; // our own failure (e.g. /health never ready) wins over wrangler's exit code
  let stoppingSince = 0;
  const stop = async (sig, code = null) => {
    forcedCode ??= code;
    if (stopping) {
      // npm forwards the terminal's Ctrl-C to us as well, so one keypress can arrive twice:
      // only a second Ctrl-C a moment later means "stop now".
      if (Date.now() - stoppingSince > 1500) {
        say("forcing wrangler to stop.");
        killGroup("SIGKILL");
      }
      return;
    }
    stopping = true;
    stoppingSince = Date.now();
    if (!exited) {
      say(`stopping wrangler (${sig}) …`);
      try {
        child.kill(sig);
      } catch {
        // already gone
      }
      const timer = setTimeout(() => killGroup("SIGKILL"), 10_000);
      await exitedPromise;
      clearTimeout(timer);
    }
    killGroup("SIGTERM"); // workerd or other helpers left behind in wrangler's group
    finish();
  };
  const finish = () => {
    if (forcedCode !== null) process.exit(forcedCode);
    const { code, signal } = exited ?? { code: 1 };
    if (signal) process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGKILL: 9 }[signal] ?? 1));
    process.exit(code ?? 0);
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGHUP", () => stop("SIGTERM"));
  process.on("exit", () => {
    if (!exited) killGroup("SIGTERM");
  });
  exitedPromise.then(() => {
    if (stopping) return;
    killGroup("SIGTERM");
    if (!ready) {
      fail(`wrangler dev exited (${exited.signal ?? `code ${exited.code}`}) before the server was ready.`);
      if (opts.quiet) for (const l of recent.slice(-40)) process.stderr.write(`${dim("[wrangler]")} ${l}\n`);
    } else {
      fail(`wrangler dev exited (${exited.signal ?? `code ${exited.code}`}).`);
    }
    finish();
  });

  // 4. Wait for /health.
  const health = await waitFor200(`${base}/health`, { timeoutMs: opts.timeoutMs, shouldStop: () => exited !== null || stopping });
  if (stopping || exited) return; // handled above
  if (!health.ok) {
    const last = health.status ? `it last answered ${health.status}` : `the last attempt failed: ${health.error ?? "no answer"}`;
    fail(`GET ${base}/health did not answer 200 within ${Math.round(opts.timeoutMs / 1000)} s (${last}).`);
    if (health.status === 404) fail("The /health route seems to be missing from the worker.");
    if (health.status === 503) fail("The service says it is not ready: has schema.sql been applied to the same local state?");
    if (opts.quiet) for (const l of recent.slice(-40)) process.stderr.write(`${dim("[wrangler]")} ${l}\n`);
    await stop("SIGTERM", 1);
    return;
  }
  ready = true;
  say(green(`server is up (${(health.ms / 1000).toFixed(1)} s).`));

  // `wrangler dev` runs no cron triggers, and its local queue forgets messages when the worker
  // reloads: run the housekeeping trigger (which re-sends stalled rows) as production would.
  const housekeeping = setInterval(() => {
    fetch(`${base}/__scheduled?cron=${encodeURIComponent("*/10 * * * *")}`).then(
      (r) => r.arrayBuffer(),
      () => {},
    );
  }, 60_000);
  housekeeping.unref();

  // 5. Seed.
  let seedNote = "";
  if (opts.seed) {
    try {
      const { seedDemo } = await import("./seed.mjs");
      const s = await seedDemo({ url: base, org: ORG, log: (l) => console.log(`${cyan("[seed]")} ${l}`) });
      seedNote = s.problems.length ? red(`seeded with ${s.problems.length} problem(s); see [seed] lines above`) : green("demo school seeded");
    } catch (err) {
      fail(`seeding failed: ${err.message}`);
      seedNote = red("seeding FAILED (see above); the server is still running. Retry: npm run seed");
    }
  } else {
    seedNote = "seeding skipped (--no-seed); run `npm run seed` to seed the demo school";
  }
  if (stopping || exited) return;

  // 6. Banner.
  const admin = await makeToken({ org: ORG, role: "admin", sub: "demo-admin", ttlHours: 12 });
  const teacher = await makeToken({ org: ORG, role: "teacher", sub: "demo-teacher", ttlHours: 12 });
  const rule = "─".repeat(72);
  const out = [
    "",
    rule,
    `  ${bold("passpix is running")} at ${bold(base)}   (${seedNote})`,
    "",
    `  Admin token   (org ${ORG}, 12 h):`,
    `    ${admin}`,
    `  Teacher token (org ${ORG}, 12 h):`,
    `    ${teacher}`,
    "",
    `  Profile Pictures  ${base}/admin/profile-pictures#token=${admin}`,
    `  Students          ${base}/admin/students#token=${admin}`,
    `  Pass view         ${base}/passes#token=${teacher}`,
    `  API reference     ${base}/docs`,
    "",
    `  More tokens: npm run token -- --org ${ORG} --role <admin|teacher|support>`,
    "  Press Ctrl-C to stop.",
    rule,
    "",
  ];
  console.log(out.join("\n"));
}

main().catch((err) => {
  fail(err.stack ?? String(err));
  process.exit(1);
});
