// The scale model (docs/SCALE.md): pure arithmetic over three kinds of numbers, each kept once here:
//   CLOUDFLARE  published limits and prices, each with the page it comes from
//   Measured    what the local benches measured (bench/results/measured.json), passed in
//   Workload    what we assume about schools, with the reason in WORKLOAD_NOTES
// No I/O, so that scripts/scale-model.mjs (node) prints it and test/scale-model.test.ts (workerd)
// checks the formulas on small inputs. Erasable TypeScript only: node runs this file as it is.

type Cited = { value: number; unit: string; source: string };

export const CLOUDFLARE = {
  d1MaxDbBytes: { value: 10e9, unit: "bytes per database (Workers Paid; cannot be raised)", source: "https://developers.cloudflare.com/d1/platform/limits/" },
  d1AccountStorageBytes: { value: 1e12, unit: "bytes per account (Workers Paid)", source: "https://developers.cloudflare.com/d1/platform/limits/" },
  d1DatabasesPerAccount: {
    value: 50_000,
    unit: "databases per account (Workers Paid; a newer revision of the page says 1,000,000, first 100,000 included)",
    source: "https://developers.cloudflare.com/d1/platform/limits/",
  },
  d1BusyMsPerSecond: {
    value: 1000,
    unit: "ms of query time per second: one database runs one query at a time (1 ms queries ≈ 1,000/s)",
    source: "https://developers.cloudflare.com/d1/platform/limits/ (FAQ: How much work can a D1 database do?)",
  },
  workerBindings: { value: 5000, unit: "bindings per Worker script (approximately)", source: "https://developers.cloudflare.com/d1/platform/limits/" },
  d1RowsReadPerMillion: {
    value: 0.001,
    unit: "USD per million rows read (25 billion a month included)",
    source: "https://developers.cloudflare.com/d1/platform/pricing/",
  },
  d1RowsWrittenPerMillion: {
    value: 1.0,
    unit: "USD per million rows written (50 million a month included)",
    source: "https://developers.cloudflare.com/d1/platform/pricing/",
  },
  d1StorageGbMonth: { value: 0.75, unit: "USD per GB-month (5 GB included)", source: "https://developers.cloudflare.com/d1/platform/pricing/" },
  r2StorageGbMonth: { value: 0.015, unit: "USD per GB-month, Standard storage", source: "https://developers.cloudflare.com/r2/pricing/" },
  r2ClassAPerMillion: { value: 4.5, unit: "USD per million Class A operations (writes, lists)", source: "https://developers.cloudflare.com/r2/pricing/" },
  r2ClassBPerMillion: { value: 0.36, unit: "USD per million Class B operations (reads)", source: "https://developers.cloudflare.com/r2/pricing/" },
  r2WritesPerKeyPerSecond: {
    value: 1,
    unit: "concurrent writes to the same object key per second",
    source: "https://developers.cloudflare.com/r2/platform/limits/",
  },
  queueMessagesPerSecond: { value: 5000, unit: "messages per second per queue", source: "https://developers.cloudflare.com/queues/platform/limits/" },
  queueConcurrentConsumers: {
    value: 250,
    unit: "concurrent consumer invocations per queue (push)",
    source: "https://developers.cloudflare.com/queues/platform/limits/",
  },
  queueOpsPerMessage: {
    value: 3,
    unit: "billed operations per message of ≤ 64 KB (write, read, delete)",
    source: "https://developers.cloudflare.com/queues/platform/pricing/",
  },
  queueOpsPerMillion: { value: 0.4, unit: "USD per million operations", source: "https://developers.cloudflare.com/queues/platform/pricing/" },
  workerMemoryBytes: { value: 128e6, unit: "bytes of memory per isolate", source: "https://developers.cloudflare.com/workers/platform/limits/" },
  workerCpuMsMax: {
    value: 300_000,
    unit: "ms of CPU per invocation at most (Workers Paid, configurable)",
    source: "https://developers.cloudflare.com/workers/platform/limits/",
  },
  workerRequestsPerMillion: {
    value: 0.3,
    unit: "USD per million requests (10 million a month included)",
    source: "https://developers.cloudflare.com/workers/platform/pricing/",
  },
  workerCpuPerMillionMs: {
    value: 0.02,
    unit: "USD per million CPU ms (30 million a month included)",
    source: "https://developers.cloudflare.com/workers/platform/pricing/",
  },
  workersPaidMonthly: { value: 5, unit: "USD per month per account, Workers Paid", source: "https://developers.cloudflare.com/workers/platform/pricing/" },
} satisfies Record<string, Cited>;
// The Cache API keeps what a Worker puts in the data centre that put it (no replication):
// https://developers.cloudflare.com/workers/runtime-apis/cache/ — so the hit rate is per data
// centre, and is a parameter below, not a limit.

/** Measured locally by the benches (bench/results/measured.json); the model's only inputs from code. */
export type Measured = {
  /** CPU ms of one queued photo (decode, three renditions, D1 + R2 calls), one isolate. */
  photo_cpu_ms: number;
  /** CPU ms of one POST /v1/photos/lookup (a pass view). */
  lookup_cpu_ms: number;
  /** CPU ms of one warm GET /img (signature check, edge cache). */
  image_cpu_ms: number;
  /** D1 bytes per student with a year of photos, uploads and audit (tables + indexes). */
  d1_bytes_per_student: number;
};

export type Workload = {
  schools: number;
  students: number;
  /** share of students whose school is in the EU (each jurisdiction rounds its homes up separately) */
  eu_share: number;
  storm_lookups_per_minute: number;
  images_per_lookup: number;
  /** today /img asks D1 per request; issue 11 item 3 makes it 0 */
  d1_queries_per_image: number;
  /** D1 busy time of one lookup (a batch of 3 indexed statements, ~22 rows) */
  d1_ms_per_lookup: number;
  /** D1 busy time of one /img pointer check */
  d1_ms_per_image_check: number;
  /** fraction of a database's size and time we plan to use (the rest is growth and bursts) */
  headroom: number;
  /** replicas that share one region's storm (the storm is local, so replicas elsewhere do not help) */
  replicas_effective: number;
  back_to_school_photos: number;
  back_to_school_days: number;
  /** production wall time of a photo's D1 round trips and R2 calls, on top of its CPU */
  photo_io_ms: number;
  queues: number;
  r2_bytes_per_version: number;
  versions_kept_per_student: number;
  photos_per_student_year: number;
  lookups_per_school_day: number;
  school_days_per_year: number;
  edge_hit_rate: number;
  storm_hit_rates: number[];
  d1_rows_read_per_lookup: number;
  d1_rows_written_per_photo: number;
  r2_class_a_per_photo: number;
  r2_class_b_per_photo: number;
  /** the 72 MB WebAssembly budget of one isolate (WASM_MEMORY_BUDGET, README: Images) + ~3 MB of JS a decode holds */
  isolate_peak_bytes: number;
};

export const WORKLOAD: Workload = {
  schools: 100_000,
  students: 50_000_000,
  eu_share: 0.25,
  storm_lookups_per_minute: 1_000_000,
  images_per_lookup: 20,
  d1_queries_per_image: 0,
  d1_ms_per_lookup: 1,
  d1_ms_per_image_check: 1,
  headroom: 0.5,
  replicas_effective: 1,
  back_to_school_photos: 3_000_000,
  back_to_school_days: 5,
  photo_io_ms: 100,
  queues: 1,
  r2_bytes_per_version: 100_000,
  versions_kept_per_student: 1.2,
  photos_per_student_year: 1.2,
  lookups_per_school_day: 300,
  school_days_per_year: 180,
  edge_hit_rate: 0.9,
  storm_hit_rates: [0, 0.5, 0.8, 0.9, 0.95, 0.99],
  d1_rows_read_per_lookup: 22,
  d1_rows_written_per_photo: 7,
  r2_class_a_per_photo: 4,
  r2_class_b_per_photo: 1,
  isolate_peak_bytes: 75e6,
};

export const WORKLOAD_NOTES: Partial<Record<keyof Workload, string>> = {
  students: "the issue's 50 million: 500 per school on average",
  eu_share: "a guess; EU schools get their own homes (D1 and R2 both fix the jurisdiction at creation)",
  d1_queries_per_image: "0 once /img reads no database (issue 11 item 3); `--today` sets 1, the code before it",
  d1_ms_per_lookup: "the D1 FAQ's 1 ms query; the lookup is one statement (indexed reads, the students as one JSON value)",
  headroom: "half of a database's 10 GB and of its query time: growth, retired versions, bursts",
  replicas_effective: "7:50 is local time, so a storm is one region's; replicas elsewhere do not share it",
  back_to_school_days: "3 million photos over one week's school days",
  photo_io_ms: "not measured locally (local D1/R2 are in-process): 3 D1 round trips + 5 R2 calls in production",
  r2_bytes_per_version: "thumb + card + full JPEGs of a 1200×1500 photo, about 100 KB",
  versions_kept_per_student: "the current photo plus retired ones kept 30 days for restore",
  lookups_per_school_day: "pass views per school per school day (about one per student every other day)",
  edge_hit_rate: "per data centre: a school's teachers share one, and a version's bytes stay cached a day",
  d1_rows_written_per_photo: "row status, version, pointer, previous version, audit, staged file, the school's lookup generation (a trigger)",
  r2_class_a_per_photo: "one staged original and three renditions",
};

const ceil = Math.ceil;
const GB = 1e9;

export type HomeDemand = { limit: string; homes: number; detail: string };

export type ModelResult = {
  workload: Workload;
  measured: Measured;
  homes: { byLimit: HomeDemand[]; us: number; eu: number; total: number; binding: string };
  storm: {
    lookupsPerSecond: number;
    imagesPerSecond: number;
    d1QueriesPerSecond: number;
    d1BusyMsPerSecondTotal: number;
    rows: { hitRate: number; r2GetsPerSecond: number; r2UsdPerStormMinute: number; d1QueriesPerSecond: number }[];
    workerCpuCoresBusy: number;
  };
  backToSchool: {
    photoWallMs: number;
    photosPerSecondPerQueue: number;
    bindingQueueLimit: string;
    drainHoursAllAtOnce: number;
    averagePhotosPerSecond: number;
    utilisationAtAverage: number;
    queueOps: number;
  };
  checks: { limit: string; need: number; limitValue: number; unit: string; ok: boolean }[];
  cost: { lines: { item: string; usdPerYear: number }[]; totalUsdPerYear: number; perSchoolPerYear: number };
};

/** Homes for one jurisdiction's share of the load: the most any one limit asks for, at least 1. */
function homesFor(share: number, demands: HomeDemand[]) {
  return Math.max(1, ...demands.map((d) => ceil(d.homes * share)));
}

export function computeModel(measured: Measured, w: Workload = WORKLOAD): ModelResult {
  const L = CLOUDFLARE;
  // --- D1: which limit sets the number of homes ---------------------------------------------
  const d1Bytes = w.students * measured.d1_bytes_per_student;
  const lookupsPerSecond = w.storm_lookups_per_minute / 60;
  const imagesPerSecond = lookupsPerSecond * w.images_per_lookup;
  const d1QueriesPerSecond = lookupsPerSecond + imagesPerSecond * w.d1_queries_per_image;
  const d1BusyMsPerSecondTotal = lookupsPerSecond * w.d1_ms_per_lookup + imagesPerSecond * w.d1_queries_per_image * w.d1_ms_per_image_check;
  const byLimit: HomeDemand[] = [
    {
      limit: "D1 size (10 GB per database)",
      homes: d1Bytes / (L.d1MaxDbBytes.value * w.headroom),
      detail: `${fmtBytes(d1Bytes)} of rows at ${fmtBytes(measured.d1_bytes_per_student)} a student, ${pct(w.headroom)} of 10 GB used`,
    },
    {
      limit: "D1 query time in the 7:50 storm (one query at a time)",
      homes: d1BusyMsPerSecondTotal / (L.d1BusyMsPerSecond.value * w.headroom * w.replicas_effective),
      detail: `${fmt(d1QueriesPerSecond)} queries/s × their busy ms = ${fmt(d1BusyMsPerSecondTotal)} ms/s; ${pct(w.headroom)} of each database's second, ${w.replicas_effective} replica(s) sharing a region's storm`,
    },
  ];
  const us = homesFor(1 - w.eu_share, byLimit);
  const eu = w.eu_share > 0 ? homesFor(w.eu_share, byLimit) : 0;
  const binding = byLimit.reduce((a, b) => (b.homes > a.homes ? b : a)).limit;

  // --- 7:50 storm: D1 and R2 per second, by edge-cache hit rate -------------------------------
  const rows = w.storm_hit_rates.map((hitRate) => {
    const r2GetsPerSecond = imagesPerSecond * (1 - hitRate);
    return { hitRate, r2GetsPerSecond, r2UsdPerStormMinute: (r2GetsPerSecond * 60 * L.r2ClassBPerMillion.value) / 1e6, d1QueriesPerSecond };
  });
  // CPU: every image request runs the Worker (the cache is the Worker's Cache API), hit or not.
  const workerCpuCoresBusy = (lookupsPerSecond * measured.lookup_cpu_ms + imagesPerSecond * measured.image_cpu_ms) / 1000;

  // --- Back-to-school: how fast the queue drains 3 million photos -----------------------------
  const photoWallMs = measured.photo_cpu_ms + w.photo_io_ms;
  const consumerRate = (L.queueConcurrentConsumers.value * 1000) / photoWallMs; // per queue
  const photosPerSecondPerQueue = Math.min(consumerRate, L.queueMessagesPerSecond.value);
  const bindingQueueLimit = consumerRate < L.queueMessagesPerSecond.value ? "250 concurrent consumers" : "5,000 messages/s";
  const drainHoursAllAtOnce = w.back_to_school_photos / (photosPerSecondPerQueue * w.queues) / 3600;
  const averagePhotosPerSecond = w.back_to_school_photos / (w.back_to_school_days * 8 * 3600); // 8-hour school days
  const utilisationAtAverage = averagePhotosPerSecond / (photosPerSecondPerQueue * w.queues);

  // --- Checks against the other limits ---------------------------------------------------------
  const totalHomes = us + eu;
  const checks = [
    { limit: "D1 storage per account", need: d1Bytes, limitValue: L.d1AccountStorageBytes.value, unit: "bytes" },
    { limit: "D1 databases per account", need: totalHomes + 1, limitValue: L.d1DatabasesPerAccount.value, unit: "databases (homes + directory)" },
    {
      limit: "bindings per Worker",
      need: totalHomes + 1 + (w.eu_share > 0 ? 2 : 1) + 4,
      limitValue: L.workerBindings.value,
      unit: "bindings (D1 homes, directory, buckets, queues, limits)",
    },
    {
      limit: "queue messages/s (back-to-school, all at once)",
      need: photosPerSecondPerQueue,
      limitValue: L.queueMessagesPerSecond.value,
      unit: "messages/s per queue",
    },
    { limit: "writes per R2 key per second", need: 1 / 3600, limitValue: L.r2WritesPerKeyPerSecond.value, unit: "writes/s (versioned keys are written once)" },
    { limit: "isolate memory", need: w.isolate_peak_bytes, limitValue: L.workerMemoryBytes.value, unit: "bytes at the worst decode" },
    { limit: "CPU per queue invocation (batch of 10)", need: 10 * measured.photo_cpu_ms, limitValue: L.workerCpuMsMax.value, unit: "ms" },
  ].map((c) => ({ ...c, ok: c.need <= c.limitValue }));

  // --- Cost per school per year (included allowances ignored: they are small at this scale) ----
  const lookupsYear = w.schools * w.lookups_per_school_day * w.school_days_per_year;
  const imagesYear = lookupsYear * w.images_per_lookup;
  const photosYear = w.students * w.photos_per_student_year;
  const r2Bytes = w.students * w.versions_kept_per_student * w.r2_bytes_per_version;
  const lines = [
    {
      item: "Workers requests (lookups + images + photo uploads)",
      usdPerYear: ((lookupsYear + imagesYear + photosYear) / 1e6) * L.workerRequestsPerMillion.value,
    },
    {
      item: "Workers CPU",
      usdPerYear:
        ((lookupsYear * measured.lookup_cpu_ms + imagesYear * measured.image_cpu_ms + photosYear * measured.photo_cpu_ms) / 1e6) *
        L.workerCpuPerMillionMs.value,
    },
    {
      item: "D1 rows read",
      usdPerYear: ((lookupsYear * w.d1_rows_read_per_lookup + imagesYear * w.d1_queries_per_image) / 1e6) * L.d1RowsReadPerMillion.value,
    },
    { item: "D1 rows written", usdPerYear: ((photosYear * w.d1_rows_written_per_photo + w.students) / 1e6) * L.d1RowsWrittenPerMillion.value },
    { item: "D1 storage", usdPerYear: (d1Bytes / GB) * L.d1StorageGbMonth.value * 12 },
    { item: "R2 storage", usdPerYear: (r2Bytes / GB) * L.r2StorageGbMonth.value * 12 },
    { item: "R2 Class A (photo writes)", usdPerYear: ((photosYear * w.r2_class_a_per_photo) / 1e6) * L.r2ClassAPerMillion.value },
    {
      item: "R2 Class B (image misses, originals read)",
      usdPerYear: ((imagesYear * (1 - w.edge_hit_rate) + photosYear * w.r2_class_b_per_photo) / 1e6) * L.r2ClassBPerMillion.value,
    },
    { item: "Queues", usdPerYear: ((photosYear * L.queueOpsPerMessage.value) / 1e6) * L.queueOpsPerMillion.value },
    { item: "Workers Paid plan", usdPerYear: L.workersPaidMonthly.value * 12 },
  ];
  const totalUsdPerYear = lines.reduce((s, l) => s + l.usdPerYear, 0);

  return {
    workload: w,
    measured,
    homes: { byLimit, us, eu, total: totalHomes, binding },
    storm: { lookupsPerSecond, imagesPerSecond, d1QueriesPerSecond, d1BusyMsPerSecondTotal, rows, workerCpuCoresBusy },
    backToSchool: {
      photoWallMs,
      photosPerSecondPerQueue,
      bindingQueueLimit,
      drainHoursAllAtOnce,
      averagePhotosPerSecond,
      utilisationAtAverage,
      queueOps: w.back_to_school_photos * L.queueOpsPerMessage.value,
    },
    checks,
    cost: { lines, totalUsdPerYear, perSchoolPerYear: totalUsdPerYear / w.schools },
  };
}

/** The same workload times `factor` (schools, students, the storm, back-to-school). */
export function scaled(w: Workload, factor: number): Workload {
  return {
    ...w,
    schools: w.schools * factor,
    students: w.students * factor,
    storm_lookups_per_minute: w.storm_lookups_per_minute * factor,
    back_to_school_photos: w.back_to_school_photos * factor,
  };
}

// --- Printing -----------------------------------------------------------------------------------

export function fmt(n: number, digits = 0) {
  if (!Number.isFinite(n)) return String(n);
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
const pct = (x: number) => `${fmt(x * 100, x < 0.1 ? 1 : 0)} %`;
export function fmtBytes(b: number) {
  if (b >= 1e12) return `${fmt(b / 1e12, 2)} TB`;
  if (b >= 1e9) return `${fmt(b / 1e9, 1)} GB`;
  if (b >= 1e6) return `${fmt(b / 1e6, 1)} MB`;
  if (b >= 1e3) return `${fmt(b / 1e3, 1)} KB`;
  return `${fmt(b)} B`;
}
const usd = (x: number) => (x >= 100 ? `$${fmt(x)}` : `$${fmt(x, 2)}`);

export function table(head: string[], rows: (string | number)[][]) {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.slice(1).map(line)].join("\n");
}

export function renderModel(r: ModelResult, title: string) {
  const w = r.workload;
  const out: string[] = [];
  out.push(`## ${title}: ${fmt(w.schools)} schools, ${fmt(w.students)} students`, "");
  out.push("### Homes (one D1 database + one R2 bucket each) and the limit that binds first", "");
  out.push(
    table(
      ["limit", "homes it needs", "how"],
      r.homes.byLimit.map((d) => [d.limit, fmt(d.homes, 1), d.detail]),
    ),
  );
  out.push("", `Homes: ${r.homes.total} (us ${r.homes.us}, eu ${r.homes.eu}, each jurisdiction rounded up). Binds first: ${r.homes.binding}.`, "");
  out.push(`### The 7:50 storm: ${fmt(w.storm_lookups_per_minute)} lookups a minute, ${w.images_per_lookup} images each`, "");
  out.push(
    `${fmt(r.storm.lookupsPerSecond)} lookups/s and ${fmt(r.storm.imagesPerSecond)} image requests/s; D1 ${fmt(r.storm.d1QueriesPerSecond)} queries/s` +
      ` (${fmt(r.storm.d1QueriesPerSecond / r.homes.total)} per home); Workers CPU ${fmt(r.storm.workerCpuCoresBusy, 1)} cores busy across the network.`,
    "",
  );
  out.push(
    table(
      ["edge-cache hit rate", "R2 reads/s", "R2 $ per storm minute", "D1 queries/s"],
      r.storm.rows.map((x) => [pct(x.hitRate), fmt(x.r2GetsPerSecond), usd(x.r2UsdPerStormMinute), fmt(x.d1QueriesPerSecond)]),
    ),
  );
  out.push("", `### Back-to-school: ${fmt(w.back_to_school_photos)} photos over ${w.back_to_school_days} school days`, "");
  const b = r.backToSchool;
  out.push(
    table(
      ["", "value"],
      [
        ["time per photo (measured CPU + production I/O)", `${fmt(r.measured.photo_cpu_ms, 1)} + ${fmt(w.photo_io_ms)} = ${fmt(b.photoWallMs, 1)} ms`],
        ["photos/s per queue", `${fmt(b.photosPerSecondPerQueue)} (bound by ${b.bindingQueueLimit})`],
        [`all ${fmt(w.back_to_school_photos)} submitted at once, ${w.queues} queue(s)`, `${fmt(b.drainHoursAllAtOnce, 2)} h to drain`],
        ["average arrival (8-hour days)", `${fmt(b.averagePhotosPerSecond, 1)} photos/s = ${pct(b.utilisationAtAverage)} of the queue`],
        ["queue operations", fmt(b.queueOps)],
      ],
    ),
  );
  out.push("", "### Other limits", "");
  out.push(
    table(
      ["limit", "needed", "limit", "ok"],
      r.checks.map((c) => [
        c.limit,
        c.unit.startsWith("bytes") ? fmtBytes(c.need) : fmt(c.need, c.need < 1 ? 4 : 0),
        `${c.unit.startsWith("bytes") ? fmtBytes(c.limitValue) : fmt(c.limitValue)} ${c.unit.replace(/^bytes ?/, "")}`.trim(),
        c.ok ? "yes" : "NO",
      ]),
    ),
  );
  out.push("", `### Cost per year (edge-cache hit rate ${pct(w.edge_hit_rate)}, ${w.lookups_per_school_day} pass views per school per school day)`, "");
  out.push(
    table(
      ["item", "USD per year", "per school"],
      [
        ...r.cost.lines.map((l) => [l.item, usd(l.usdPerYear), `$${fmt(l.usdPerYear / w.schools, 4)}`]),
        ["total", usd(r.cost.totalUsdPerYear), `$${fmt(r.cost.perSchoolPerYear, 2)}`],
      ],
    ),
  );
  return out.join("\n");
}
