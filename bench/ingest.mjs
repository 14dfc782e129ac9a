// Bulk ingest end to end under `wrangler dev`: roster import, then for each case a bulk upload
// through the HTTP API (create, PUT files with bounded parallelism, PUT the mapping CSV, submit)
// and the Queue to a final status (polling GET /v1/uploads/:id).
import { corpusFiles, corpusStats, ensureCorpus, readCorpusFile } from "./lib/corpus.mjs";
import { fmt, pool, sleep, table } from "./lib/common.mjs";
import { client, importRoster, putPhotos, rosterRows } from "./lib/seed.mjs";
import { startDev, startWorkerd } from "./lib/servers.mjs";

const FINAL = new Set(["completed", "completed_with_errors", "failed", "cancelled", "reverted"]);
export const SCHOOL = 3000;

/** One bulk upload of n photos of `size` into a fresh school on `server`. */
export async function ingestCase(server, { size, n, parallel = 8, log = console.log, pollMs = 500, timeoutS = 1800, onSubmitted, onStart, pngEvery = 10 }) {
  const pool_ = await ensureCorpus(size, { log });
  const files = corpusFiles(pool_, n, { pngEvery });
  const org = `ingest-${size}-${n}-${Date.now().toString(36)}`;
  const api = await client(server, org, "admin", "bench-admin");
  const rows = rosterRows(n);
  const r = {
    size,
    n,
    org,
    parallel,
    bytes: files.reduce((s, f) => s + readCorpusFile(f.file).length, 0),
    png: files.filter((f) => f.type === "image/png").length,
  };

  const roster = await importRoster(api, rows);
  r.rosterS = roster.ms / 1000;
  if (roster.created !== n) throw new Error(`roster import created ${roster.created} of ${n}: ${JSON.stringify(roster.problems?.slice(0, 3))}`);

  const t0 = performance.now();
  await onStart?.();
  const { upload } = (await api.post("/v1/uploads", { expect: [201] })).body;
  let sent = 0;
  const putMs = await pool(files, parallel, async (f) => {
    const s = performance.now();
    await api.put(`/v1/uploads/${upload.id}/files/${encodeURIComponent(f.name)}`, { body: readCorpusFile(f.file), headers: { "content-type": f.type } });
    if (++sent % 500 === 0) log(`    ${sent}/${n} files sent`);
    return performance.now() - s;
  });
  const tFiles = performance.now();
  const mapping = `email,file\n${rows.map((row, i) => `${row.email},${files[i].name}`).join("\n")}\n`;
  const mapped = (await api.put(`/v1/uploads/${upload.id}/mapping?name=mapping.csv`, { body: mapping, headers: { "content-type": "text/csv" } })).body.upload;
  const tMapping = performance.now();
  const submitted = (await api.post(`/v1/uploads/${upload.id}/submit`, { expect: [202] })).body.upload;
  const tSubmit = performance.now();
  await onSubmitted?.();

  let state = submitted;
  let firstProcessedAt = null;
  const deadline = tSubmit + timeoutS * 1000;
  while (!FINAL.has(state.status)) {
    if (performance.now() > deadline) throw new Error(`upload ${upload.id} still ${state.status} after ${timeoutS} s: ${JSON.stringify(state.counts)}`);
    await sleep(pollMs);
    state = (await api.get(`/v1/uploads/${upload.id}`)).body;
    if (firstProcessedAt === null && state.counts.processed > 0) firstProcessedAt = performance.now();
  }
  const tDone = performance.now();
  const c = state.counts;
  Object.assign(r, {
    uploadId: upload.id,
    status: state.status,
    counts: c,
    matched: mapped.counts.matched,
    uploadS: (tFiles - t0) / 1000,
    uploadRate: n / ((tFiles - t0) / 1000),
    putP50: pct(putMs, 50),
    putP99: pct(putMs, 99),
    mappingS: (tMapping - tFiles) / 1000,
    submitS: (tSubmit - tMapping) / 1000,
    firstRowS: firstProcessedAt ? (firstProcessedAt - tSubmit) / 1000 : NaN,
    processS: (tDone - tSubmit) / 1000,
    processRate: (c.processed + c.failed) / ((tDone - tSubmit) / 1000),
    totalS: (tDone - t0) / 1000 + r.rosterS,
    // End to end as a school sees it: first file PUT to the final status (the roster is already there).
    e2eS: (tDone - t0) / 1000,
    e2eRate: (c.processed + c.failed) / ((tDone - t0) / 1000),
    retries429: api.stats.retries429,
    retries5xx: api.stats.retries5xx,
    lost: c.processed + c.failed !== mapped.counts.matched,
  });
  // A 3,000-student school at the measured rates (roster, mapping and submit scale linearly).
  r.projectS = (r.rosterS + r.mappingS + r.submitS) * (SCHOOL / n) + SCHOOL / r.uploadRate + SCHOOL / r.processRate;
  return r;
}

const pct = (xs, p) => {
  const a = Float64Array.from(xs).sort();
  return a[Math.min(a.length - 1, Math.ceil((p / 100) * a.length) - 1)];
};

export function ingestTable(results) {
  return table(
    [
      "photos",
      "size (PNG)",
      "MB sent",
      "roster import",
      "upload phase",
      "upload photos/s",
      "PUT p50/p99 ms",
      "429s",
      "mapping+submit",
      "processing",
      "processing photos/s",
      "total",
      "3,000-photo school",
      "final status",
    ],
    results.map((r) => [
      fmt.n(r.n),
      `${r.size} (${r.png})`,
      fmt.n(r.bytes / 2 ** 20, 1),
      fmt.s(r.rosterS),
      fmt.s(r.uploadS),
      fmt.n(r.uploadRate, 1),
      `${fmt.ms(r.putP50)} / ${fmt.ms(r.putP99)}`,
      String(r.retries429),
      fmt.s(r.mappingS + r.submitS),
      fmt.s(r.processS),
      fmt.n(r.processRate, 1),
      fmt.s(r.totalS),
      fmt.minutes(r.projectS),
      `${r.status} ${r.counts.processed}+${r.counts.failed}/${r.matched}${r.lost ? " LOST ROWS" : ""}`,
    ]),
  );
}

/**
 * Readers during an ingest: a school of `ids` students (the first `photos` with a photo) that a
 * teacher looks up all at once (POST /v1/photos/lookup), one request at a time.
 */
export async function lookupSchool(server, { ids = 500, photos = 100, log = console.log } = {}) {
  const org = `lookup-${Date.now().toString(36)}`;
  const admin = await client(server, org, "admin", "bench-admin");
  const rows = rosterRows(ids);
  await importRoster(admin, rows);
  const pool_ = await ensureCorpus("640x800", { log });
  await putPhotos(
    admin,
    corpusFiles(pool_, photos).map((f, i) => ({ id: rows[i].id, file: f.file, type: f.type })),
    { concurrency: 4 },
  );
  const teacher = await client(server, org, "teacher", "bench-teacher");
  const body = { student_ids: rows.map((r) => r.id), size: "thumb" };
  const once = async () => {
    const s = performance.now();
    const res = await teacher.post("/v1/photos/lookup", { json: body });
    if (res.status !== 200) throw new Error(`lookup answered ${res.status}`);
    return performance.now() - s;
  };
  /**
   * Lookups paced like pass views (one every `everyMs`, never two at once) until `until()` is true
   * or `max` ran (bounded either way) → ms each. Paced, not back to back: a closed loop of 500-id
   * lookups would itself take half the isolate and slow the ingest it is meant to observe.
   */
  const loop = async ({ until = () => false, max = 200, everyMs = 250, startedAt } = {}) => {
    const ms = [];
    while (ms.length < max && !until()) {
      startedAt?.push(performance.now());
      const took = await once();
      ms.push(took);
      await sleep(Math.max(0, everyMs - took));
    }
    return ms;
  };
  return { org, ids, loop };
}

/**
 * Issue 12's case: a photographer's delivery (~90 KB 640×800 JPEGs) mapped by email, files PUT
 * 6 at a time, then submit; lookups of 500 ids measured idle and while the upload runs.
 */
export async function runVendorIngest({ ns = [300, 3000], parallel = 6, log = console.log } = {}) {
  const size = "640x800-vendor";
  await ensureCorpus(size, { log });
  log("  starting wrangler dev…");
  const server = await startDev();
  const results = [];
  try {
    const readers = await lookupSchool(server, { log });
    await readers.loop({ max: 20, everyMs: 0 }); // warm-up
    const idle = await readers.loop({ max: 120 });
    log(`  lookup ${readers.ids} ids idle: p50 ${fmt.ms(pct(idle, 50))} p99 ${fmt.ms(pct(idle, 99))} ms`);
    for (const n of ns) {
      log(`  vendor ingest ${n} × ${size} (parallel ${parallel})…`);
      let done = false;
      let busy = Promise.resolve([]);
      let submittedAt = Infinity;
      const startedAt = [];
      const r = await ingestCase(server, {
        size,
        n,
        parallel,
        log,
        pngEvery: 0,
        onStart: () => {
          busy = readers.loop({ until: () => done, max: 20_000, startedAt });
        },
        onSubmitted: () => {
          submittedAt = performance.now();
        },
      }).finally(() => (done = true));
      const during = await busy;
      // Split by phase: while files are PUT (requests compete with requests) and while the queue runs.
      const uploading = during.filter((_, i) => startedAt[i] < submittedAt);
      const processing = during.filter((_, i) => startedAt[i] >= submittedAt);
      Object.assign(r, {
        lookupIdle: summary(idle),
        lookupDuring: summary(during),
        lookupUploading: summary(uploading),
        lookupProcessing: summary(processing),
      });
      log(
        `    lookup p50/p99 ms: idle ${fmt.ms(pct(idle, 50))}/${fmt.ms(pct(idle, 99))}, while files are sent ${fmt.ms(pct(uploading, 50))}/${fmt.ms(pct(uploading, 99))} (${uploading.length}), while the queue runs ${fmt.ms(pct(processing, 50))}/${fmt.ms(pct(processing, 99))} (${processing.length})`,
      );
      log(
        `    → processing ${fmt.n(r.processRate, 1)} photos/s, end to end ${fmt.n(r.e2eRate, 1)} photos/s, lookup p99 ${fmt.ms(r.lookupDuring.p99)} ms (idle ${fmt.ms(r.lookupIdle.p99)}), ${r.status}`,
      );
      results.push(r);
    }
  } finally {
    await server.stop();
  }
  return { server: server.kind, parallel, results, corpus: { [size]: corpusStats(await ensureCorpus(size, { log })) } };
}

const summary = (ms) => ({ n: ms.length, p50: pct(ms, 50), p99: pct(ms, 99) });

export function vendorTable(results) {
  return table(
    [
      "photos",
      "MB sent",
      "upload phase",
      "PUT p50/p99 ms",
      "mapping+submit",
      "processing",
      "processing photos/s",
      "end to end",
      "end-to-end photos/s",
      "lookup 500 p99 idle → during (n)",
      "… while files are sent / while the queue runs",
      "final status",
    ],
    results.map((r) => [
      fmt.n(r.n),
      fmt.n(r.bytes / 2 ** 20, 1),
      fmt.s(r.uploadS),
      `${fmt.ms(r.putP50)} / ${fmt.ms(r.putP99)}`,
      fmt.s(r.mappingS + r.submitS),
      fmt.s(r.processS),
      fmt.n(r.processRate, 1),
      fmt.s(r.e2eS),
      fmt.n(r.e2eRate, 1),
      `${fmt.ms(r.lookupIdle.p99)} → ${fmt.ms(r.lookupDuring.p99)} (${r.lookupDuring.n})`,
      `${fmt.ms(r.lookupUploading.p99)} / ${fmt.ms(r.lookupProcessing.p99)}`,
      `${r.status} ${r.counts.processed}+${r.counts.failed}/${r.matched}${r.lost ? " LOST ROWS" : ""}`,
    ]),
  );
}

/** `npm run bench -- ingest [--n 500,2000] [--sizes 640x800,1200x1500] [--parallel 8] [--target dev|workerd]` */
export async function runIngest({
  ns = [500, 2000],
  sizes = ["640x800"],
  extra = [{ size: "1200x1500", n: 500 }],
  parallel = 8,
  target = "dev",
  log = console.log,
} = {}) {
  const cases = [...sizes.flatMap((size) => ns.map((n) => ({ size, n }))), ...extra];
  for (const c of cases) await ensureCorpus(c.size, { log });
  log(`  starting ${target === "workerd" ? "workerd (Miniflare API)" : "wrangler dev"}…`);
  const server = target === "workerd" ? await startWorkerd() : await startDev();
  const results = [];
  try {
    for (const c of cases) {
      log(`  ingest ${c.n} × ${c.size} (parallel ${parallel})…`);
      const r = await ingestCase(server, { ...c, parallel, log });
      log(`    → upload ${fmt.n(r.uploadRate, 1)} photos/s, processing ${fmt.n(r.processRate, 1)} photos/s, ${r.status}`);
      results.push(r);
    }
  } finally {
    await server.stop();
  }
  return {
    server: server.kind,
    parallel,
    results,
    corpus: Object.fromEntries(await Promise.all([...new Set(cases.map((c) => c.size))].map(async (s) => [s, corpusStats(await ensureCorpus(s, { log }))]))),
  };
}
