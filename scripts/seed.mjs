#!/usr/bin/env node
// npm run seed -- [--url http://127.0.0.1:8787] [--org demo] [--token <admin jwt>] [--initials] [--quiet]
//
// Seeds the demo school through the public HTTP API only: imports the roster, gives a handful of
// students a generated portrait, and enables photos. Idempotent: a second run changes nothing
// (the roster import reports every row unchanged; students that already have a photo are skipped;
// an enabled integration is left alone).
import { parseArgs } from "node:util";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, ApiError, ConnectionError, backoff } from "./lib/http.mjs";
import { makeToken, ORG_PATTERN } from "./lib/jwt.mjs";
import { portraitJpeg } from "./lib/portrait.mjs";
import { DEMO_ORG, demoImportRows, demoPhotoStudents } from "./demo-roster.mjs";

export const DEFAULT_URL = "http://127.0.0.1:8787";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const initialsOf = (s) => `${(s.first_name ?? "").trim()[0] ?? ""}${(s.last_name ?? "").trim()[0] ?? ""}`.normalize("NFD").replace(/[\u0300-\u036f]/g, "");

/**
 * Seeds `org` at `url`. Returns a summary; throws ApiError / ConnectionError with a clear message.
 * log(line) receives progress lines.
 */
export async function seedDemo({ url = DEFAULT_URL, org = DEMO_ORG, token, initials = false, log = console.log } = {}) {
  if (!ORG_PATTERN.test(org)) throw new Error(`org ${JSON.stringify(org)} is not a valid school id`);
  const adminToken = token ?? (await makeToken({ org, role: "admin", sub: "passpix-seed", ttlHours: 1 }));
  const api = createClient({ baseUrl: url, token: adminToken, log });
  const summary = { org, url, roster: null, photos: { uploaded: [], kept: [] }, integration: null, problems: [] };

  log(`seeding school "${org}" at ${url}`);

  // 1. Roster. The import is an upsert by id, but each call is still an audited action, so a
  //    roster that is already in place is not imported again.
  const rows = demoImportRows();
  const stale = await rowsToImport(api, rows);
  let imp = { created: 0, updated: 0, unchanged: rows.length, problems: [] };
  if (stale.length === 0) {
    log(`  roster: ${rows.length} students, already up to date`);
  } else {
    imp = (await api.post("/v1/students/import", { json: { students: rows } })).body;
    log(`  roster: ${rows.length} students: ${imp.created} created, ${imp.updated} updated, ${imp.unchanged} unchanged`);
  }
  summary.roster = imp;
  for (const p of imp.problems ?? []) {
    const row = rows[p.row - 1];
    const line = `row ${p.row}${row ? ` (${row.id})` : ""}: ${p.code}: ${p.message}`;
    summary.problems.push(`roster ${line}`);
    log(`  ! roster ${line}`);
  }

  // 2. Photos for the students picked in the roster, only where none is set yet.
  for (const s of demoPhotoStudents()) {
    const id = encodeURIComponent(s.id);
    const current = await api.get(`/v1/students/${id}`, { expect: [200, 404] });
    if (current.status === 404) {
      summary.problems.push(`student ${s.id} is missing after the import`);
      log(`  ! ${s.id} (${s.first_name} ${s.last_name}) is not in the roster after the import; no photo uploaded`);
      continue;
    }
    if (current.body.photo) {
      summary.photos.kept.push({ id: s.id, version: current.body.photo.version });
      continue;
    }
    const jpeg = portraitJpeg({ seed: `${org}:${s.id}`, look: s.portrait, initials: initials ? initialsOf(s) : undefined });
    const photo = await putPhotoOnce(api, s.id, jpeg, log);
    summary.photos.uploaded.push({ id: s.id, version: photo.version });
    log(`  photo: ${s.id} ${s.first_name} ${s.last_name}: uploaded ${(jpeg.length / 1024).toFixed(0)} KB → version ${photo.version}`);
  }
  const { uploaded, kept } = summary.photos;
  log(`  photos: ${uploaded.length} uploaded, ${kept.length} already had one${kept.length ? ` (${kept.map((k) => k.id).join(", ")})` : ""}`);

  // 3. Show photos to teachers.
  const state = await api.get("/v1/integration", { expect: [200, 404] });
  if (state.status === 200 && state.body.enabled) {
    summary.integration = state.body;
    log(`  integration: already enabled (${describeState(state.body)})`);
  } else {
    const res = await api.post("/v1/integration/enable", { expect: [200, 409] });
    if (res.status === 409) {
      const e = res.body?.error;
      throw new ApiError({
        method: "POST",
        url: new URL("/v1/integration/enable", url).toString(),
        status: 409,
        code: e?.code,
        message: e?.message,
        body: res.body,
      });
    }
    summary.integration = res.body;
    log(`  integration: enabled${res.body && typeof res.body === "object" && "photo_count" in res.body ? ` (${describeState(res.body)})` : ""}`);
  }
  return summary;
}

const FIELDS = ["email", "sis_id", "first_name", "last_name", "grade", "homeroom", "photo_opt_out"];

/** The roster rows that are missing or differ on the server (all of them if the list cannot be read). */
async function rowsToImport(api, rows) {
  const server = new Map();
  let cursor = null;
  try {
    do {
      const q = new URLSearchParams({ limit: "500", ...(cursor ? { cursor } : {}) });
      const page = (await api.get(`/v1/students?${q}`)).body;
      for (const st of page.students ?? []) server.set(st.id, st);
      cursor = page.next_cursor ?? null;
    } while (cursor);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return rows; // no list route: just import
    throw err;
  }
  return rows.filter((r) => {
    const st = server.get(r.id);
    return !st || FIELDS.some((f) => (st[f] ?? null) !== (r[f] ?? null));
  });
}

function describeState(s) {
  const pct = typeof s.coverage === "number" ? `, coverage ${Math.round(s.coverage * 100)}%` : "";
  return `${s.photo_count} photos for ${s.student_count} students${pct}`;
}

/**
 * PUT one photo without ever creating two versions: after a 5xx or a lost connection the upload
 * may or may not have happened, so look before trying again.
 */
async function putPhotoOnce(api, studentId, jpeg, log, attempts = 5) {
  const id = encodeURIComponent(studentId);
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await api.put(`/v1/students/${id}/photo`, { body: jpeg, headers: { "content-type": "image/jpeg" }, retry: false });
      return res.body.photo;
    } catch (err) {
      const transient = err instanceof ConnectionError || (err instanceof ApiError && (err.status >= 500 || err.status === 429));
      if (!transient || attempt >= attempts) throw err;
      const wait = backoff(attempt);
      log(`  PUT /v1/students/${id}/photo: ${err.status ?? "connection error"}; checking and retrying in ${wait} ms`);
      await sleep(wait);
      const now = await api.get(`/v1/students/${id}`);
      if (now.body.photo) return now.body.photo; // the earlier attempt went through after all
    }
  }
}

// ---------------------------------------------------------------------------------------------
// CLI

const USAGE = `Usage: npm run seed -- [--url ${DEFAULT_URL}] [--org ${DEMO_ORG}] [--token <admin jwt>] [--initials] [--quiet]

Seeds the demo school through the HTTP API: imports 40 students, uploads a generated portrait for
8 of them (only where no photo is set), and enables photos. Safe to run again.
  --url       the running server (default: $PASSPIX_URL or ${DEFAULT_URL})
  --org       the school to seed (default ${DEMO_ORG})
  --token     an admin token (default: one signed with JWT_SECRET from .dev.vars)
  --initials  draw the student's initials on a badge in each portrait
  --quiet     print only the summary and errors`;

async function main(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        url: { type: "string" },
        org: { type: "string", default: DEMO_ORG },
        token: { type: "string" },
        initials: { type: "boolean", default: false },
        quiet: { type: "boolean", short: "q", default: false },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    console.error(`error: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const url = values.url ?? process.env.PASSPIX_URL ?? DEFAULT_URL;
  try {
    const u = new URL(url);
    if (!/^https?:$/.test(u.protocol)) throw new Error();
  } catch {
    console.error(`error: --url ${JSON.stringify(url)} is not an http(s) URL.\n\n${USAGE}`);
    return 2;
  }
  if (!ORG_PATTERN.test(values.org)) {
    console.error(`error: --org ${JSON.stringify(values.org)} is not a valid school id (1-64 letters, digits, _ or -).\n\n${USAGE}`);
    return 2;
  }
  const log = values.quiet ? (line) => (/^ {2}(!|roster:|photos:|integration:)/.test(line) ? console.log(line) : undefined) : console.log;
  try {
    const s = await seedDemo({ url, org: values.org, token: values.token, initials: values.initials, log });
    if (s.problems.length) {
      console.error(`seeded with ${s.problems.length} problem(s); see the lines marked "!" above.`);
      return 1;
    }
    console.log(`done: school "${s.org}" is seeded.`);
    return 0;
  } catch (err) {
    console.error(`seed failed: ${err.message}`);
    if (err instanceof ApiError) {
      if (err.details) console.error(`  details: ${JSON.stringify(err.details)}`);
      if (err.status === 401) {
        console.error(
          values.token
            ? "  hint: the server rejected the --token given: is it an unexpired token for this server?"
            : "  hint: the server rejected a token signed with JWT_SECRET from .dev.vars; was .dev.vars changed after the server started? Restart it.",
        );
      }
      if (err.status === 404 && !err.code) console.error("  hint: this route does not exist on that server; is --url pointing at passpix?");
    } else if (!(err instanceof ConnectionError)) {
      console.error(err.stack);
    }
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
