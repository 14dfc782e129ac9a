// Delivery: POST /v1/photos/lookup (50 and 500 ids) and GET /img/... thumbnails (cold = first fetch
// of each URL, warm = repeated), measured on workerd directly (Miniflare's API, no dev proxy),
// next to nginx serving the same thumbnail bytes from disk, and (optionally) through wrangler dev.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BENCH_DIR, ensureDebianPackages, fmt, table } from "./lib/common.mjs";
import { corpusFiles, ensureCorpus } from "./lib/corpus.mjs";
import { hasWrk, runRequests, runWrk } from "./lib/loadgen.mjs";
import { tree, withCpu } from "./lib/proc.mjs";
import { client, importRoster, putPhotos, rosterRows } from "./lib/seed.mjs";
import { buildBundle, startDev, startNginx, startWorkerd } from "./lib/servers.mjs";

export const LIFTED_LIMITS = { USER_WRITE_LIMIT: 1_000_000, SCHOOL_WRITE_LIMIT: 1_000_000 };
export const TARGETS = { lookup500P99Ms: 50, warmVsNginx: 0.3 };

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

export async function runDelivery({ photos = 500, seconds = 10, connections = 32, withDev = true, log = console.log } = {}) {
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
  const meta = { photos, seconds, connections, client: hasWrk() ? "wrk (1 thread)" : "node:http" };

  log("  building the Worker bundle (wrangler deploy --dry-run) and starting it on workerd…");
  const bundle = buildBundle();
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
  const wd = rows.filter((r) => /workerd/.test(r.server));
  const ng = rows.filter((r) => /nginx/.test(r.server));
  const lookup = wd.filter((r) => r.label === "lookup 500 ids");
  const warmW = Math.max(...wd.filter((r) => /warm/.test(r.label)).map((r) => r.rps));
  const warmN = Math.max(...ng.filter((r) => /warm/.test(r.label)).map((r) => r.rps));
  return {
    lookup500: lookup.map((r) => ({ conc: r.conc, p99: r.p99, ok: r.p99 < TARGETS.lookup500P99Ms })),
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
