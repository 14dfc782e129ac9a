// Delivery: POST /v1/photos/lookup (50 and 500 ids) and GET /img/... thumbnails (cold = first fetch
// of each URL, warm = repeated), measured on workerd directly (Miniflare's API, no dev proxy),
// next to a hello-world Worker on the same workerd in the same run (the ratio the target names),
// next to nginx serving the same thumbnail bytes from disk, and (optionally) through wrangler dev.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BENCH_DIR, ensureDebianPackages, fmt, table } from "./lib/common.mjs";
import { corpusFiles, ensureCorpus } from "./lib/corpus.mjs";
import { hasWrk, runRequests, runWrk } from "./lib/loadgen.mjs";
import { tree, withCpu } from "./lib/proc.mjs";
import { client, importRoster, putPhotos, rosterRows } from "./lib/seed.mjs";
import { snapshotSource, buildVariant } from "./lib/variants.mjs";
import { buildBundle, startDev, startHelloWorkerd, startNginx, startWorkerd } from "./lib/servers.mjs";

export const LIFTED_LIMITS = { USER_WRITE_LIMIT: 1_000_000, SCHOOL_WRITE_LIMIT: 1_000_000 };
export const TARGETS = { lookup500P99Ms: 50, warmVsNginx: 0.3, warmVsHello: 0.5 };

/** Roster of `photos` students, a photo each (PUT /v1/students/:id/photo), photos enabled. */
export async function seedDelivery(server, { photos = 500, concurrency = 2, log = console.log } = {}) {
  const org = `deliv-${Date.now().toString(36)}`;
  const admin = await client(server, org, "admin", "bench-admin");
  const rows = rosterRows(photos);
  await importRoster(admin, rows);
  const files = corpusFiles(await ensureCorpus("640x800", { log }), photos, { pngEvery: 0 });
  const t0 = performance.now();
  const ms = await putPhotos(
    admin,
    rows.map((r, i) => ({ id: r.id, file: files[i].file, type: files[i].type })),
    { concurrency, onProgress: (d) => d % 100 === 0 && log(`    ${d}/${photos} photos`) },
  );
  const seedS = (performance.now() - t0) / 1000;
  await admin.post("/v1/integration/enable");
  const teacher = await server.token(org, "teacher", "bench-teacher");
  const ids = rows.map((r) => r.id);
  // The thumb URLs a pass view gets (one lookup of everyone).
  const teacherApi = await client(server, org, "teacher", "bench-teacher");
  const look = (await teacherApi.post("/v1/photos/lookup", { json: { student_ids: ids, size: "thumb" } })).body;
  const urls = ids.map((id) => look.photos[id]).filter(Boolean);
  if (urls.length !== photos) throw new Error(`lookup returned ${urls.length} photo URLs for ${photos} students`);
  return { org, ids, teacher, paths: urls.map((u) => new URL(u).pathname + new URL(u).search), seedS, putMs: ms };
}

const shuffle = (xs, seed = 7) => {
  const a = [...xs];
  let s = seed;
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
};

const procGroups = () => ({
  workerd: tree(process.pid, /^workerd$/),
  nginx: tree(process.pid, /^nginx$/),
  node: tree(process.pid, /^(node|MainThread)$/).filter((p) => p.pid !== process.pid),
});

async function measured(kind, label, conc, fn) {
  const { result, cores } = await withCpu(procGroups(), fn);
  return { server: kind, label, conc, ...result, cores };
}

/** Lookups and thumbnails against one running Worker (workerd or wrangler dev). */
export async function measureWorker(
  server,
  seeded,
  { seconds = 10, connections = 32, lookupConc = [1, 16], saveThumbsTo, log = console.log, quick = false } = {},
) {
  const out = [];
  const auth = { Authorization: `Bearer ${seeded.teacher}` };
  for (const n of quick ? [500] : [50, 500]) {
    const body = JSON.stringify({ student_ids: shuffle(seeded.ids).slice(0, n), size: "thumb", with_names: true });
    if (n === 500 && !quick) {
      // The floor (measureFloor) answers the same body with exactly these bytes.
      const res = await fetch(`${server.url}/v1/photos/lookup`, { method: "POST", body, headers: { ...auth, "content-type": "application/json" } });
      if (res.status !== 200) throw new Error(`lookup answered ${res.status}: ${await res.text()}`);
      seeded.lookup500 = { body, answer: await res.text() };
    }
    for (const c of quick ? [lookupConc.at(-1)] : lookupConc) {
      log(`    lookup ${n} ids, ${c} connection(s), ${seconds} s`);
      const run = () =>
        hasWrk()
          ? runWrk({ base: server.url, post: { path: "/v1/photos/lookup", body, headers: auth }, connections: c, seconds })
          : runRequests({
              base: server.url,
              concurrency: c,
              seconds,
              make: () => ({ method: "POST", path: "/v1/photos/lookup", headers: { ...auth, "content-type": "application/json" }, body }),
            });
      out.push(await measured(server.kind, `lookup ${n} ids`, c, run));
    }
  }
  if (!quick) {
    log(`    thumbnails cold: first fetch of ${seeded.paths.length} URLs, 8 connections`);
    const saved = saveThumbsTo ? [] : null;
    const cold = await measured(server.kind, "thumb cold (first fetch of each URL)", 8, () =>
      runRequests({
        base: server.url,
        count: seeded.paths.length,
        concurrency: 8,
        make: (i) => ({ path: seeded.paths[i] }),
        onResponse: (req, res, body) => res.statusCode === 200 && saved?.push([req.path, body]),
      }),
    );
    out.push(cold);
    if (saveThumbsTo) {
      rmSync(saveThumbsTo, { recursive: true, force: true });
      for (const [p, body] of saved) {
        const file = path.join(saveThumbsTo, decodeURIComponent(p.split("?")[0]));
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, body);
      }
    }
  }
  for (const c of quick ? [connections] : [8, connections]) {
    log(`    thumbnails warm: ${c} connections, ${seconds} s`);
    const run = () =>
      hasWrk()
        ? runWrk({ base: server.url, paths: seeded.paths, connections: c, seconds })
        : runRequests({ base: server.url, concurrency: c, seconds, make: (i) => ({ path: seeded.paths[i % seeded.paths.length] }) });
    out.push(await measured(server.kind, "thumb warm (repeated)", c, run));
  }
  return out;
}

/** nginx serving the same bytes at the same paths. */
export async function measureNginx(root, paths, { seconds = 10, connections = 32, log = console.log } = {}) {
  const ng = await startNginx({ root });
  if (!ng) {
    log("    nginx is not installed (Debian: apt-get install -y nginx); skipping the comparison");
    return [];
  }
  const out = [];
  try {
    log(`    nginx cold: first fetch of ${paths.length} files, 8 connections`);
    out.push(
      await measured(ng.kind, "thumb cold (first fetch of each URL)", 8, () =>
        runRequests({ base: ng.url, count: paths.length, concurrency: 8, make: (i) => ({ path: paths[i] }) }),
      ),
    );
    for (const c of [8, connections]) {
      log(`    nginx warm: ${c} connections, ${seconds} s`);
      const run = () =>
        hasWrk()
          ? runWrk({ base: ng.url, paths, connections: c, seconds })
          : runRequests({ base: ng.url, concurrency: c, seconds, make: (i) => ({ path: paths[i % paths.length] }) });
      out.push(await measured(ng.kind, "thumb warm (repeated)", c, run));
    }
  } finally {
    await ng.stop();
  }
  return out;
}

/**
 * The local floor of a lookup: the same Worker bundle on the same Miniflare stack (entry worker,
 * the [assets] router with run_worker_first, the same bindings), except that POST /v1/photos/lookup
 * reads the ~20 KB body and answers the ~100 KB JSON the real lookup gave for it, with no
 * authentication, no D1 and no work of ours. What the stack itself costs at 16 in flight: the
 * lookup is reported against it as well as in ms.
 */
export async function measureFloor({ body, answer }, { seconds = 10, lookupConc = [1, 16], log = console.log } = {}) {
  const bundle = buildVariant("lookup-floor", [
    {
      file: "src/index.ts",
      find: WORKER_FETCH,
      replace: `  fetch: async (req: Request, env: Env, ctx: ExecutionContext) => {
    if (req.method === "POST" && new URL(req.url).pathname === "/v1/photos/lookup") {
      await req.text();
      return new Response(FLOOR_ANSWER, { headers: { "content-type": "application/json" } });
    }
    return trackRequest(() => app.fetch(req, env, ctx));
  },`,
    },
    { file: "src/index.ts", find: "export default {", replace: `const FLOOR_ANSWER = ${JSON.stringify(answer)};\nexport default {` },
  ]);
  const wd = await startWorkerd({ bundle, limits: LIFTED_LIMITS });
  const out = [];
  try {
    for (const c of lookupConc) {
      log(`    lookup-shaped hello world (same body in, same ${(answer.length / 1024).toFixed(0)} KB out, no D1): ${c} connection(s), ${seconds} s`);
      const post = { path: "/v1/photos/lookup", body, headers: {} };
      const run = () =>
        hasWrk()
          ? runWrk({ base: wd.url, post, connections: c, seconds })
          : runRequests({
              base: wd.url,
              concurrency: c,
              seconds,
              make: () => ({ method: "POST", path: post.path, headers: { "content-type": "application/json" }, body }),
            });
      out.push(await measured("workerd floor: lookup-shaped hello world, no D1", "lookup 500 ids", c, run));
    }
  } finally {
    await wd.stop();
  }
  return out;
}

/** The Worker's fetch entry in src/index.ts, which the bench's variants replace. */
export const WORKER_FETCH = "  fetch: (request, env, ctx) => trackRequest(() => app.fetch(request, env, ctx)),";

/**
 * A hello world on the same stack as the Worker: our bundle with the same bindings and [assets]
 * block (so Miniflare's entry worker and asset-router isolates in front, as for /img), whose /img/*
 * answers a constant 4,000-byte body before any of our code runs. The like-for-like ceiling for
 * thumbnails: what is left between it and /img is our code.
 */
async function startStackHello() {
  const bundle = buildVariant("hello-on-stack", [
    {
      file: "src/index.ts",
      find: WORKER_FETCH,
      replace: `  fetch: (req: Request, env: Env, ctx: ExecutionContext) =>
    new URL(req.url).pathname.startsWith("/img/")
      ? new Response(HELLO_BODY, { headers: { "content-type": "image/jpeg" } })
      : trackRequest(() => app.fetch(req, env, ctx)),`,
    },
    { file: "src/index.ts", find: "export default {", replace: "const HELLO_BODY = new Uint8Array(4000).fill(120);\nexport default {" },
  ]);
  const wd = await startWorkerd({ bundle, limits: LIFTED_LIMITS });
  return { ...wd, kind: "workerd hello-world on the same stack ([assets] router in front)" };
}

/** The hello-world Workers (alone, and on the same stack as ours), warm, with the same wrk settings as the thumbnails. */
export async function measureHello(paths, { seconds = 10, connections = 32, log = console.log } = {}) {
  const out = [];
  for (const start of [startHelloWorkerd, startStackHello]) out.push(...(await measureOneHello(await start(), paths, { seconds, connections, log })));
  return out;
}

async function measureOneHello(hello, paths, { seconds, connections, log }) {
  const out = [];
  try {
    for (const c of [8, connections]) {
      log(`    ${hello.kind} warm: ${c} connections, ${seconds} s`);
      const run = () =>
        hasWrk()
          ? runWrk({ base: hello.url, paths, connections: c, seconds })
          : runRequests({ base: hello.url, concurrency: c, seconds, make: (i) => ({ path: paths[i % paths.length] }) });
      out.push(await measured(hello.kind, "hello-world (same paths)", c, run));
    }
  } finally {
    await hello.stop();
  }
  return out;
}

export async function runDelivery({ photos = 500, seconds = 10, connections = 32, withDev = true, source, noAssets = false, log = console.log } = {}) {
  ensureDebianPackages(
    [
      { bin: "nginx", pkg: "nginx" },
      { bin: "wrk", pkg: "wrk" },
    ],
    log,
  );
  await ensureCorpus("640x800", { log });
  const thumbsDir = path.join(BENCH_DIR, "nginx", "www");
  const rows = [];
  const meta = { photos, seconds, connections, client: hasWrk() ? "wrk (1 thread)" : "node:http", source: source ?? "worktree", noAssets };

  log("  building the Worker bundle (wrangler deploy --dry-run) and starting it on workerd…");
  // --source <commit>: the Worker as it was at that commit (a before/after table in one session).
  // --no-assets: without the [assets] block, i.e. without Miniflare's two asset-router isolates that
  // every request (run_worker_first or not) passes through locally; on Cloudflare that routing is
  // the platform's, not the Worker's CPU.
  if (source) snapshotSource(source);
  const bundle = source ? buildVariant(`delivery-${source}`, [], { dropAssets: noAssets }) : buildBundle({ dropAssets: noAssets });
  // Lookups are POSTs, so the write limits (per school 3,000/10 s) would answer most of a throughput
  // run with 429: they are lifted here (the binding is still called) and measured in `npm run load`.
  const wd = await startWorkerd({ bundle, limits: LIFTED_LIMITS });
  let seeded;
  try {
    log(`  seeding ${photos} students with a photo each through the API…`);
    seeded = await seedDelivery(wd, { photos, log });
    meta.seedS = seeded.seedS;
    rows.push(...(await measureWorker(wd, seeded, { seconds, connections, saveThumbsTo: thumbsDir, log })));
  } finally {
    await wd.stop();
  }
  log("  the lookup's local floor: a lookup-shaped hello world through the same Miniflare stack…");
  if (!source) snapshotSource("worktree"); // the floor's bundle is the Worker as measured above
  rows.push(...(await measureFloor(seeded.lookup500, { seconds, log })));
  log("  a hello-world Worker on the same workerd (the ceiling), same paths and connections…");
  rows.push(...(await measureHello(seeded.paths, { seconds, connections, log })));
  log("  nginx on the same thumbnail bytes…");
  rows.push(...(await measureNginx(thumbsDir, seeded.paths, { seconds, connections, log })));

  if (withDev) {
    log("  wrangler dev (for comparison: its dev proxy sits in front of workerd)…");
    const dev = await startDev();
    try {
      const s2 = await seedDelivery(dev, { photos, log });
      rows.push(...(await measureWorker(dev, s2, { seconds: Math.min(seconds, 5), connections, log, quick: true })));
    } finally {
      await dev.stop();
    }
  }
  return { meta, rows, verdict: verdicts(rows) };
}

function verdicts(rows) {
  const wd = rows.filter((r) => /workerd/.test(r.server) && !/hello/.test(r.server));
  const hello = rows.filter((r) => /workerd hello-world/.test(r.server) && !/same stack/.test(r.server));
  const stackHello = rows.filter((r) => /same stack/.test(r.server));
  const floor = rows.filter((r) => /floor/.test(r.server));
  const ng = rows.filter((r) => /nginx/.test(r.server));
  const lookup = wd.filter((r) => r.label === "lookup 500 ids");
  const warmW = Math.max(...wd.filter((r) => /warm/.test(r.label)).map((r) => r.rps));
  const warmN = Math.max(...ng.filter((r) => /warm/.test(r.label)).map((r) => r.rps));
  const warmH = Math.max(...hello.map((r) => r.rps));
  const warmS = Math.max(...stackHello.map((r) => r.rps));
  return {
    lookup500: lookup.map((r) => {
      const f = floor.find((x) => x.conc === r.conc);
      // CPU per request of every workerd process (ours and Miniflare's isolates): cores ÷ req/s.
      const cpu = (x) => (x && x.rps > 0 ? ((x.cores?.workerd ?? NaN) / x.rps) * 1000 : NaN);
      return { conc: r.conc, p99: r.p99, ok: r.p99 < TARGETS.lookup500P99Ms, floorP99: f?.p99, cpuMs: cpu(r), floorCpuMs: cpu(f) };
    }),
    warmVsHello: warmW / warmH,
    warmVsHelloOk: warmW / warmH >= TARGETS.warmVsHello,
    warmVsStackHello: warmW / warmS,
    warmVsStackHelloOk: warmW / warmS >= TARGETS.warmVsHello,
    warmRatio: warmW / warmN,
    warmOk: warmW / warmN >= TARGETS.warmVsNginx,
  };
}

export function deliveryTable(rows) {
  return table(
    ["server", "what", "conc.", "req/s", "p50 ms", "p99 ms", "requests", "non-2xx", "server CPU (cores)"],
    rows.map((r) => [
      r.server,
      r.label,
      String(r.conc),
      fmt.n(r.rps, 0),
      fmt.ms(r.p50),
      fmt.ms(r.p99),
      fmt.n(r.requests),
      String(
        r.non2xx ??
          Object.entries(r.statuses ?? {})
            .filter(([s]) => !s.startsWith("2"))
            .reduce((n, [, v]) => n + v, 0) + (r.errors ?? 0),
      ),
      Object.entries(r.cores)
        .filter(([, v]) => v >= 0.02)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(", ") || "–",
    ]),
  );
}
