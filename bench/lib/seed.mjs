// Seeding a benchmark school through the public HTTP API only.
import { createClient } from "../../scripts/lib/http.mjs";
import { pool } from "./common.mjs";
import { readCorpusFile } from "./corpus.mjs";

const FIRST = [
  "Ada",
  "Grace",
  "Alan",
  "Katherine",
  "Linus",
  "Margaret",
  "Edsger",
  "Barbara",
  "Donald",
  "Frances",
  "Ken",
  "Radia",
  "Tim",
  "Hedy",
  "John",
  "Karen",
];
const LAST = [
  "Lovelace",
  "Hopper",
  "Turing",
  "Johnson",
  "Torvalds",
  "Hamilton",
  "Dijkstra",
  "Liskov",
  "Knuth",
  "Allen",
  "Thompson",
  "Perlman",
  "Berners-Lee",
  "Lamarr",
  "Backus",
  "Jones",
];

export const studentId = (i) => `s${String(i + 1).padStart(5, "0")}`;

/** n students: id s00001…, email s00001@bench.example, sis_id 100001…, names, grade 9–12, homeroom. */
export function rosterRows(n) {
  return Array.from({ length: n }, (_, i) => ({
    id: studentId(i),
    email: `${studentId(i)}@bench.example`,
    sis_id: String(100001 + i),
    first_name: FIRST[i % FIRST.length],
    last_name: `${LAST[Math.floor(i / FIRST.length) % LAST.length]}${i >= FIRST.length * LAST.length ? ` ${Math.floor(i / (FIRST.length * LAST.length)) + 1}` : ""}`,
    grade: String(9 + (i % 4)),
    homeroom: `R${100 + (i % 40)}`,
  }));
}

export function rosterCsv(rows) {
  const head = "id,email,sis_id,first_name,last_name,grade,homeroom";
  return [head, ...rows.map((r) => [r.id, r.email, r.sis_id, r.first_name, r.last_name, r.grade, r.homeroom].join(","))].join("\n") + "\n";
}

/** An API client that counts 429 retries (the client in scripts/lib/http.mjs retries them with Retry-After). */
export async function client(server, org, role = "admin", sub) {
  const stats = { retries429: 0, retries5xx: 0, retriesConn: 0 };
  const api = createClient({
    baseUrl: server.url,
    token: await server.token(org, role, sub),
    retries: 8,
    timeoutMs: 120_000,
    log: (line) => {
      if (/: 429;/.test(line)) stats.retries429++;
      else if (/: 5\d\d;/.test(line)) stats.retries5xx++;
      else stats.retriesConn++;
    },
  });
  return Object.assign(api, { stats });
}

export async function importRoster(api, rows) {
  const t0 = performance.now();
  const res = await api.post("/v1/students/import", { body: rosterCsv(rows), headers: { "content-type": "text/csv" } });
  return { ms: performance.now() - t0, ...res.body };
}

/** PUT /v1/students/:id/photo for each { id, file, type }, `concurrency` at a time → per-photo ms. */
export async function putPhotos(api, items, { concurrency = 4, onProgress } = {}) {
  let done = 0;
  return pool(items, concurrency, async ({ id, file, type }) => {
    const t0 = performance.now();
    await api.put(`/v1/students/${encodeURIComponent(id)}/photo`, { body: readCorpusFile(file), headers: { "content-type": type } });
    onProgress?.(++done);
    return performance.now() - t0;
  });
}
