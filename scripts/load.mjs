#!/usr/bin/env node
// npm run load -- [--seconds 60] [--url http://127.0.0.1:8787] [options]
//
// A bounded mixed load against `wrangler dev` on 127.0.0.1 (a fresh one from e2e/harness.mjs unless
// --url names a running one), what a school looks like on photo day:
//   teachers   POST /v1/photos/lookup (pass views: --lookup-ids students, names included), paced
//   images     GET /img/… of the URLs those lookups returned (some revalidations with If-None-Match)
//   upload     an admin's bulk upload running meanwhile: create, PUT files, PUT mapping CSV, submit,
//              then GET /v1/uploads/:id until the queue has finished it
// for --seconds (default 60), every kind with bounded concurrency and a paced rate. Afterwards:
//   - every 5xx and connection error is printed (there must be none),
//   - no row is lost: the upload reaches a final status with processed + failed == matched rows,
//     report.csv has every row, and every processed student's photo is served (lookup + GET),
//   - latency p50/p95/p99 per kind, and 429s counted apart (rate limits are not failures; the
//     default rates stay under the write limits: 1,000 per user and 3,000 per school per 10 s,
//     which count lookups too because they are POSTs).
// Exit code 0 when all of that holds, 1 otherwise, 2 for bad arguments.
import http from "node:http";
import { parseArgs } from "node:util";
import { makeToken } from "./lib/jwt.mjs";
import { portraitJpeg } from "./lib/portrait.mjs";

const HELP = `usage: npm run load -- [--seconds 60] [--url http://127.0.0.1:PORT] [--org ORG]
  [--students 400] [--preseed 40] [--upload 250] [--upload-parallel 4] [--upload-rate 40]
  [--teachers 20] [--lookup-rate 20] [--lookup-ids 30] [--lookup-conc 4]
  [--image-conc 4] [--image-rate 150] [--drain 300] [--json FILE]
Targets 127.0.0.1 only. Without --url it starts (and stops) its own wrangler dev.`;

const { values: opt } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    url: { type: "string" },
    org: { type: "string" },
    students: { type: "string", default: "400" },
    preseed: { type: "string", default: "40" },
    upload: { type: "string", default: "250" },
    "upload-parallel": { type: "string", default: "4" },
    "upload-rate": { type: "string", default: "40" },
    teachers: { type: "string", default: "20" },
    "lookup-rate": { type: "string", default: "20" },
    "lookup-ids": { type: "string", default: "30" },
    "lookup-conc": { type: "string", default: "4" },
    "image-conc": { type: "string", default: "4" },
    "image-rate": { type: "string", default: "150" },
    drain: { type: "string", default: "300" },
    json: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (opt.help) {
  console.log(HELP);
  process.exit(0);
}
const num = (k, min = 0) => {
  const v = Number(opt[k]);
  if (!Number.isFinite(v) || v < min) {
    console.error(`--${k} must be a number ≥ ${min}; got ${opt[k]}\n${HELP}`);
    process.exit(2);
  }
  return v;
};
const SECONDS = num("seconds", 1);
const STUDENTS = num("students", 2);
const PRESEED = Math.min(num("preseed", 1), STUDENTS - 1);
const UPLOAD = Math.min(num("upload", 1), STUDENTS - PRESEED);
const TEACHERS = num("teachers", 1);
const LOOKUP_IDS = Math.min(500, num("lookup-ids", 1));
const DRAIN = num("drain", 10);
if (opt.url) {
  const host = new URL(opt.url).hostname;
  if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host)) {
    console.error(`--url must point at 127.0.0.1 (this tool generates load); got ${opt.url}`);
    process.exit(2);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log(...a);

// ---------------------------------------------------------------------------------------------
// HTTP with per-kind statistics

const stats = new Map(); // kind → { lat: [], status: {}, errors }
const failures = []; // 5xx and connection errors, printed at the end
function rec(kind) {
  let s = stats.get(kind);
  if (!s) stats.set(kind, (s = { lat: [], status: {}, errors: 0 }));
  return s;
}

let base;
let agent;
// Reader latencies split by whether the queue was processing photos at the time (same isolate locally).
let processingNow = false;
const split = { lookup: { busy: [], idle: [] }, image: { busy: [], idle: [] } };
function request(kind, { method = "GET", path, headers = {}, body, timeoutMs = 60_000 }) {
  const u = new URL(path, base);
  const s = rec(kind);
  const start = performance.now();
  return new Promise((resolve) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path: u.pathname + u.search, headers, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const ms = performance.now() - start;
        const buf = Buffer.concat(chunks);
        s.lat.push(ms);
        const reader = kind === "lookup" ? split.lookup : kind.startsWith("image") ? split.image : null;
        reader?.[processingNow ? "busy" : "idle"].push(ms);
        s.status[res.statusCode] = (s.status[res.statusCode] ?? 0) + 1;
        if (res.statusCode >= 500) failures.push({ kind, method, path: u.pathname, status: res.statusCode, body: buf.toString("utf8").slice(0, 300) });
        let json;
        if (/json/.test(res.headers["content-type"] ?? "")) {
          try {
            json = JSON.parse(buf.toString("utf8"));
          } catch {}
        }
        resolve({ status: res.statusCode, headers: res.headers, body: buf, json, ms });
      });
      res.on("error", (err) => fail(err));
    });
    const fail = (err) => {
      s.errors++;
      failures.push({ kind, method, path: u.pathname, status: "connection error", body: String(err?.message ?? err) });
      resolve({ status: 0, error: err });
    };
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on("error", fail);
    req.end(body);
  });
}

/** Spaces request starts at `rate` per second across all callers (a shared schedule). */
function pacer(rate) {
  let next = performance.now();
  return async () => {
    if (!(rate > 0)) return;
    const now = performance.now();
    const at = Math.max(now, next);
    next = at + 1000 / rate;
    if (at > now) await sleep(at - now);
  };
}

const auth = (token, extra = {}) => ({ authorization: `Bearer ${token}`, ...extra });

// ---------------------------------------------------------------------------------------------

const ids = Array.from({ length: STUDENTS }, (_, i) => `L${String(i + 1).padStart(5, "0")}`);
const emailOf = (id) => `${id.toLowerCase()}@load.example`;

async function main() {
  let server;
  if (opt.url) {
    base = opt.url.replace(/\/$/, "");
  } else {
    log("starting wrangler dev on 127.0.0.1 (fresh state)…");
    const { startDev } = await import("../bench/lib/servers.mjs");
    server = await startDev();
    base = server.url;
  }
  agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const org = opt.org ?? `load-${Date.now().toString(36)}`;
  const admin = await makeToken({ org, role: "admin", sub: "load-admin", ttlHours: 2 });
  const teachers = await Promise.all(
    Array.from({ length: TEACHERS }, (_, i) => makeToken({ org, role: "teacher", sub: `load-teacher-${i + 1}`, ttlHours: 2 })),
  );
  const result = { url: base, org, seconds: SECONDS };
  try {
    // ---- setup (not part of the measured window)
    log(`setup: school ${org}: ${STUDENTS} students, ${PRESEED} photos now, ${UPLOAD} in the bulk upload during the load`);
    const csv =
      "id,email,sis_id,first_name,last_name,grade\n" +
      ids.map((id, i) => `${id},${emailOf(id)},${900000 + i},Load,Student ${i + 1},${9 + (i % 4)}`).join("\n") +
      "\n";
    const imp = await request("setup", { method: "POST", path: "/v1/students/import", headers: auth(admin, { "content-type": "text/csv" }), body: csv });
    if (imp.status !== 200) throw new Error(`roster import → ${imp.status} ${imp.body}`);
    const jpegs = Array.from({ length: 12 }, (_, i) => portraitJpeg({ width: 640, height: 800, seed: `load-${i}` }));
    for (let i = 0; i < PRESEED; i++) {
      for (let attempt = 1; ; attempt++) {
        const r = await request("setup", {
          method: "PUT",
          path: `/v1/students/${ids[i]}/photo`,
          headers: auth(admin, { "content-type": "image/jpeg" }),
          body: jpegs[i % jpegs.length],
        });
        if (r.status === 200) break;
        if (attempt >= 5) throw new Error(`seeding the photo of ${ids[i]} → ${r.status} ${r.body}`);
        await sleep(r.status === 429 ? 10_000 : 1000);
      }
    }
    const en = await request("setup", { method: "POST", path: "/v1/integration/enable", headers: auth(admin) });
    if (en.status !== 200) throw new Error(`enable → ${en.status} ${en.body}`);
    stats.delete("setup");
    failures.length = 0;

    // ---- the load
    log(
      `load: ${SECONDS} s · teachers ${TEACHERS} (lookups of ${LOOKUP_IDS} ids, ≤ ${opt["lookup-rate"]}/s, ${opt["lookup-conc"]} in flight) · images ≤ ${opt["image-rate"]}/s, ${opt["image-conc"]} in flight · upload ${UPLOAD} files ≤ ${opt["upload-rate"]}/s, ${opt["upload-parallel"]} in flight`,
    );
    const t0 = performance.now();
    const deadline = t0 + SECONDS * 1000;
    const urls = []; // signed image URLs seen in lookups
    let stale404 = 0;
    const stalePaths = [];
    const etags = new Map();
    let rr = 0;

    const lookupPace = pacer(num("lookup-rate"));
    const teacherLoop = async () => {
      while (performance.now() < deadline) {
        await lookupPace();
        if (performance.now() >= deadline) break;
        const t = teachers[rr++ % teachers.length];
        const start = Math.floor(Math.random() * STUDENTS);
        const pick = Array.from({ length: LOOKUP_IDS }, (_, k) => ids[(start + k * 7) % STUDENTS]);
        const r = await request("lookup", {
          method: "POST",
          path: "/v1/photos/lookup",
          headers: auth(t, { "content-type": "application/json" }),
          body: JSON.stringify({ student_ids: pick, size: "thumb", with_names: true }),
        });
        if (r.status === 200 && r.json?.photos) {
          for (const u of Object.values(r.json.photos)) if (u && urls.length < 5000) urls.push(new URL(u).pathname + new URL(u).search);
        } else if (r.status === 429) {
          await sleep(1000);
        }
      }
    };

    const imagePace = pacer(num("image-rate"));
    const imageLoop = async () => {
      while (performance.now() < deadline) {
        if (!urls.length) {
          await sleep(50);
          continue;
        }
        await imagePace();
        if (performance.now() >= deadline) break;
        const p = urls[Math.floor(Math.random() * urls.length)];
        const tag = etags.get(p);
        // A pass view reloaded: a third of repeat fetches revalidate (304), as a browser would.
        const revalidate = tag && Math.random() < 0.33;
        const r = await request(revalidate ? "image (If-None-Match)" : "image", { path: p, headers: revalidate ? { "if-none-match": tag } : {} });
        if (r.status === 200 && r.headers.etag) etags.set(p, r.headers.etag);
        // A later upload replaced this student's photo: its old URL stops being served (the API
        // contract), so a pass view would look the student up again. Drop the URL.
        if (r.status === 404) {
          stale404++;
          stalePaths.push(p);
          const at = urls.indexOf(p);
          if (at >= 0) urls.splice(at, 1);
        }
      }
    };

    // The admin's bulk uploads: one after another for the whole window (each: create, files,
    // mapping, submit, wait for the queue), every one checked afterwards.
    const uploads = [];
    const upload = { phase: "starting", files: 0, put429: 0 }; // the current one, for progress lines
    result.uploads = uploads;
    const uploadPace = pacer(num("upload-rate"));
    const pool = ids.slice(PRESEED);
    const uploadOnce = async (round) => {
      const u = { round, id: null, files: 0, startedAt: (performance.now() - t0) / 1000 };
      uploads.push(u);
      Object.assign(upload, { phase: "files", files: 0, current: u });
      const created = await request("upload: create", { method: "POST", path: "/v1/uploads", headers: auth(admin) });
      if (created.status !== 201) throw new Error(`create upload → ${created.status} ${created.body}`);
      u.id = created.json.upload.id;
      const students = Array.from({ length: UPLOAD }, (_, k) => pool[(round * UPLOAD + k) % pool.length]);
      const names = students.map((_, k) => `round${round + 1}/IMG_${String(k + 1).padStart(4, "0")}.jpg`);
      let next = 0;
      await Promise.all(
        Array.from({ length: num("upload-parallel", 1) }, async () => {
          while (next < students.length) {
            const i = next++;
            for (let attempt = 1; ; attempt++) {
              await uploadPace();
              const r = await request("upload: PUT file", {
                method: "PUT",
                path: `/v1/uploads/${u.id}/files/${encodeURIComponent(names[i])}`,
                headers: auth(admin, { "content-type": "image/jpeg" }),
                body: jpegs[(i + round) % jpegs.length],
              });
              if (r.status === 200) break;
              if (r.status === 429) upload.put429++;
              if (attempt >= 6) throw new Error(`PUT ${names[i]} kept failing: ${r.status} ${r.body ?? r.error}`);
              await sleep(r.status === 429 ? Number(r.headers?.["retry-after"] ?? 10) * 1000 : 500 * attempt);
            }
            u.files++;
            upload.files++;
          }
        }),
      );
      u.filesDoneAt = (performance.now() - t0) / 1000;
      upload.phase = "mapping";
      const mapping = "student,file\n" + students.map((id, k) => `${emailOf(id)},${names[k].split("/")[1]}`).join("\n") + "\n";
      const m = await request("upload: PUT mapping", {
        method: "PUT",
        path: `/v1/uploads/${u.id}/mapping?name=mapping.csv`,
        headers: auth(admin, { "content-type": "text/csv" }),
        body: mapping,
      });
      if (m.status !== 200) throw new Error(`PUT mapping → ${m.status} ${m.body}`);
      u.matched = m.json.upload.counts.matched;
      u.rows = m.json.upload.counts.rows;
      const sub = await request("upload: submit", { method: "POST", path: `/v1/uploads/${u.id}/submit`, headers: auth(admin) });
      if (sub.status !== 202) throw new Error(`submit → ${sub.status} ${sub.body}`);
      upload.phase = "processing";
      processingNow = true;
      u.submittedAt = (performance.now() - t0) / 1000;
      const drainUntil = deadline + DRAIN * 1000;
      for (;;) {
        await sleep(1000);
        const g = await request("upload: GET status", { path: `/v1/uploads/${u.id}`, headers: auth(admin) });
        if (g.status === 200) {
          u.status = g.json.status;
          u.counts = upload.counts = g.json.counts;
          if (!["draft", "processing"].includes(g.json.status)) break;
        }
        if (performance.now() > drainUntil) {
          u.timedOut = true;
          break;
        }
      }
      u.finishedAt = (performance.now() - t0) / 1000;
      upload.phase = "done";
      processingNow = false;
    };
    const uploadFlow = async () => {
      for (let round = 0; round === 0 || performance.now() < deadline - 5000; round++) await uploadOnce(round);
    };

    const progress = setInterval(() => {
      const el = ((performance.now() - t0) / 1000).toFixed(0);
      const c = upload.counts;
      log(
        `  ${el} s: lookups ${rec("lookup").lat.length}, images ${rec("image").lat.length + rec("image (If-None-Match)").lat.length}, upload ${uploads.length} ${upload.phase}${upload.phase === "files" ? ` ${upload.files}/${UPLOAD}` : ""}${c && upload.phase !== "files" ? ` processed ${c.processed}/${upload.current?.matched}` : ""}`,
      );
    }, 10_000);
    let uploadError = null;
    await Promise.all([
      ...Array.from({ length: num("lookup-conc", 1) }, teacherLoop),
      ...Array.from({ length: num("image-conc", 1) }, imageLoop),
      uploadFlow().catch((e) => (uploadError = e)),
    ]);
    clearInterval(progress);
    const loadSeconds = Math.min(SECONDS, (performance.now() - t0) / 1000);
    const lastEnd = Math.max(0, ...uploads.map((u) => u.finishedAt ?? 0));
    if (lastEnd > SECONDS) log(`  (the last upload finished ${(lastEnd - SECONDS).toFixed(0)} s after the mixed load stopped)`);

    // ---- verification: no lost rows, every processed photo served
    const lost = [];
    if (uploadError) lost.push(`an upload did not run to the end: ${uploadError.message}`);
    const processedIds = new Set();
    for (const u of uploads) {
      if (u.timedOut) lost.push(`upload ${u.id} was still ${u.status} ${DRAIN} s after the load ended: ${JSON.stringify(u.counts)}`);
      if (!u.counts || u.timedOut) continue;
      const { processed, failed, pending } = u.counts;
      if (processed + failed !== u.matched) lost.push(`upload ${u.id}: processed ${processed} + failed ${failed} ≠ matched ${u.matched} (pending ${pending})`);
      if (failed) lost.push(`upload ${u.id}: ${failed} rows failed`);
      const rep = await request("verify", { path: `/v1/uploads/${u.id}/report.csv`, headers: auth(admin) });
      const lines = rep.body.toString("utf8").trim().split(/\r?\n/).slice(1);
      if (lines.length !== u.rows) lost.push(`upload ${u.id}: report.csv has ${lines.length} rows, the mapping had ${u.rows}`);
      const mine = lines
        .map((l) => l.split(","))
        .filter((c) => c[4] === "processed")
        .map((c) => c[3]);
      if (mine.length !== processed) lost.push(`upload ${u.id}: report.csv lists ${mine.length} processed rows, the upload counts ${processed}`);
      for (const id of mine) processedIds.add(id);
    }
    let servedOk = 0;
    const toCheck = [...processedIds];
    for (let i = 0; i < toCheck.length; i += 500) {
      const chunk = toCheck.slice(i, i + 500);
      const lk = await request("verify", {
        method: "POST",
        path: "/v1/photos/lookup",
        headers: auth(admin, { "content-type": "application/json" }),
        body: JSON.stringify({ student_ids: chunk, size: "thumb" }),
      });
      for (const id of chunk) {
        const url = lk.json?.photos?.[id];
        if (!url) {
          lost.push(`student ${id} was processed but the lookup has no photo`);
          continue;
        }
        const img = await request("verify", { path: new URL(url).pathname + new URL(url).search });
        if (img.status === 200 && img.headers["content-type"] === "image/jpeg" && img.body.length > 0) servedOk++;
        else lost.push(`student ${id}: GET ${new URL(url).pathname} → ${img.status}`);
      }
    }
    // Every image 404 must be for a version that is no longer the student's photo.
    const staleBad = [];
    const stale = stalePaths.map((p) => {
      const [, , , student, version] = p.split("?")[0].split("/");
      return { id: decodeURIComponent(student), version };
    });
    const staleIds = [...new Set(stale.map((x) => x.id))];
    const current = new Map();
    for (let i = 0; i < staleIds.length; i += 500) {
      const chunk = staleIds.slice(i, i + 500);
      const lk = await request("verify", {
        method: "POST",
        path: "/v1/photos/lookup",
        headers: auth(admin, { "content-type": "application/json" }),
        body: JSON.stringify({ student_ids: chunk, size: "thumb" }),
      });
      for (const id of chunk) current.set(id, lk.json?.photos?.[id] ? new URL(lk.json.photos[id]).pathname.split("/")[4] : null);
    }
    for (const x of stale) if (current.get(x.id) === x.version) staleBad.push(`GET /img/…/${x.id}/${x.version}/… → 404, but that is still the student's photo`);
    lost.push(...staleBad);
    stats.delete("verify");

    // ---- report
    const rows = [];
    let total5xx = 0;
    let totalErr = 0;
    let total429 = 0;
    for (const [kind, s] of stats) {
      const a = Float64Array.from(s.lat).sort();
      const at = (p) => (a.length ? a[Math.min(a.length - 1, Math.ceil((p / 100) * a.length) - 1)] : NaN);
      const by = (pred) =>
        Object.entries(s.status)
          .filter(([k]) => pred(Number(k)))
          .reduce((n, [, v]) => n + v, 0);
      const r5 = by((c) => c >= 500);
      const r429 = s.status[429] ?? 0;
      total5xx += r5;
      totalErr += s.errors;
      total429 += r429;
      rows.push([
        kind,
        String(a.length),
        fmtRate(a.length, loadSeconds, kind),
        fmtMs(at(50)),
        fmtMs(at(95)),
        fmtMs(at(99)),
        String(by((c) => c >= 200 && c < 300)),
        String(s.status[304] ?? 0),
        String(r429),
        String(by((c) => c >= 400 && c < 500 && c !== 429)),
        String(r5),
        String(s.errors),
      ]);
    }
    log(`\n## Mixed load: ${SECONDS} s against ${server ? "wrangler dev (started for this run)" : base} · ${new Date().toISOString()}\n`);
    log(mdTable(["kind", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "2xx", "304", "429", "other 4xx", "5xx", "conn. errors"], rows));
    const pc = (xs, p) => {
      const a = Float64Array.from(xs).sort();
      return a.length ? a[Math.min(a.length - 1, Math.ceil((p / 100) * a.length) - 1)] : NaN;
    };
    log(
      "\n" +
        mdTable(
          ["readers", "while the queue processes photos: n", "p50", "p95", "p99", "otherwise: n", "p50", "p95", "p99"],
          Object.entries(split).map(([k, v]) => [
            k,
            v.busy.length,
            fmtMs(pc(v.busy, 50)),
            fmtMs(pc(v.busy, 95)),
            fmtMs(pc(v.busy, 99)),
            v.idle.length,
            fmtMs(pc(v.idle, 50)),
            fmtMs(pc(v.idle, 95)),
            fmtMs(pc(v.idle, 99)),
          ]),
        ) +
        "\n",
    );
    for (const u of uploads) {
      log(
        `upload ${u.round + 1} (${u.id}): ${u.status ?? "unfinished"} · ${u.matched ?? "?"} rows matched · processed ${u.counts?.processed ?? "?"}, failed ${u.counts?.failed ?? "?"}, pending ${u.counts?.pending ?? "?"} · started ${u.startedAt.toFixed(1)} s, files in by ${u.filesDoneAt?.toFixed(1) ?? "?"} s, final at ${u.finishedAt?.toFixed(1) ?? "?"} s`,
      );
    }
    log(`photos served afterwards: ${servedOk}/${processedIds.size} processed students (lookup + GET /img)`);
    if (stale404)
      log(
        `image 404s: ${stale404}; ${stale404 - staleBad.length} checked to be URLs of photos a later upload replaced (expected: a replaced photo stops being served)${staleBad.length ? `, ${staleBad.length} NOT (listed below)` : ""}`,
      );
    log(`429s (rate limited, retried, not failures): ${total429}${upload.put429 ? ` (${upload.put429} on file PUTs)` : ""}`);
    if (failures.length) {
      log(`\n${failures.length} failed request(s) (5xx or connection errors):`);
      for (const f of failures.slice(0, 20)) log(`  ${f.kind}: ${f.method} ${f.path} → ${f.status}: ${f.body}`);
      if (failures.length > 20) log(`  … and ${failures.length - 20} more`);
    }
    if (lost.length) {
      log(`\nLOST ROWS / unserved photos (${lost.length}):`);
      for (const l of lost.slice(0, 20)) log(`  ${l}`);
    }
    const ok = total5xx === 0 && totalErr === 0 && lost.length === 0;
    log(`\nverdict: ${ok ? "PASS" : "FAIL"}: ${total5xx} 5xx, ${totalErr} connection errors, ${lost.length} lost rows or unserved photos`);
    Object.assign(result, { ok, total5xx, totalErr, total429, lost, rows, failures: failures.slice(0, 50) });
    if (opt.json) (await import("node:fs")).writeFileSync(opt.json, JSON.stringify(result, null, 2));
    return ok;
  } finally {
    agent?.destroy();
    if (server) await server.stop();
  }
}

const fmtMs = (v) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : "–");
const fmtRate = (n, s, kind) => (kind.startsWith("upload: ") ? "–" : (n / s).toFixed(1));
function mdTable(headers, rows) {
  const cells = [headers, ...rows];
  const w = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  const line = (r) => `| ${r.map((c, i) => String(c).padEnd(w[i])).join(" | ")} |`;
  return [line(headers), `|${w.map((x) => "-".repeat(x + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

process.on("SIGINT", () => process.exit(130));
main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (err) => {
    console.error(`load: ${err.stack ?? err}`);
    process.exit(1);
  },
);
