// End-to-end test of the bulk-upload CLI (scripts/upload.mjs) against a real `wrangler dev`:
// a 30-photo demo delivery sent as a folder with its mapping, then as a zip holding the mapping
// (larger than the server's cap for a zip sent whole, so unpacked by the CLI; resumed after a
// cut-short copy), plus the error paths an IT admin hits first (bad token, bad arguments, wrong URL).
//
//   node --test e2e/cli.test.mjs            (CLI_TEST_VERBOSE=1 prints every run's output)
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import http from "node:http";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { zipSync } from "fflate";
import { portraitJpeg } from "../scripts/lib/portrait.mjs";
import { importRoster, makeDemoDelivery } from "../scripts/make-demo-delivery.mjs";
import { freePort, startServer } from "./harness.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CLI = path.join(ROOT, "scripts", "upload.mjs");
const ORG = "clitest";
const COUNT = 30;
/** The largest zip the server takes whole here (MAX_ARCHIVE_BODY_BYTES), as Cloudflare's 100 MB is in production. */
const ARCHIVE_CAP = 64 * 1024;

/** Runs the CLI with the node running this test (Node 22.18+: it imports src/shared/delivery.ts as is). */
function runCli(args, { cwd, timeoutMs = 240_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, PASSPIX_URL: "", PASSPIX_TOKEN: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the CLI did not finish within ${timeoutMs} ms\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const r = { code, stdout, stderr, output: `${stdout}\n${stderr}` };
      if (process.env.CLI_TEST_VERBOSE) console.log(`$ upload ${args.join(" ")}\n${show(r)}`);
      resolve(r);
    });
  });
}

const show = (r) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** Every file under dir (relative, "/"-separated), for zipping. */
function listFiles(dir, prefix = "") {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    return e.isDirectory() ? listFiles(path.join(dir, e.name), rel) : [rel];
  });
}

/**
 * A proxy in front of the server that misbehaves on file uploads, deterministically per file name:
 * on the first attempt a fifth of the files get 503, a fifth 429 (Retry-After: 1), a fifth a
 * dropped connection; names in `alwaysFail` get 500 every time. Everything else passes through.
 */
async function flakyProxy(target, { alwaysFail = [] } = {}) {
  const attempts = new Map();
  const stats = { 503: 0, 429: 0, dropped: 0, 500: 0 };
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const m = /^\/v1\/uploads\/[^/]+\/files\/(.+)$/.exec(req.url ?? "");
    if (req.method === "PUT" && m) {
      const name = decodeURIComponent(m[1]);
      const n = (attempts.get(name) ?? 0) + 1;
      attempts.set(name, n);
      const bucket = createHash("sha1").update(name).digest()[0] % 5;
      const fail = (status, headers = {}) => {
        stats[status]++;
        req.resume();
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify({ error: { code: status === 429 ? "rate_limited" : "upstream_trouble", message: "Simulated trouble." } }));
      };
      if (alwaysFail.includes(name)) return fail(500);
      if (n === 1 && bucket === 0) return fail(503);
      if (n === 1 && bucket === 1) return fail(429, { "retry-after": "1" });
      if (n === 1 && bucket === 2) {
        stats.dropped++;
        return req.socket.destroy();
      }
    }
    const up = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, stats, close: () => new Promise((r) => server.close(r)) };
}

describe("npm run upload (scripts/upload.mjs)", { timeout: 600_000 }, () => {
  let server;
  let work;
  let delivery;
  let admin;

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), "passpix-cli-"));
    const [srv, d] = await Promise.all([
      startServer({ vars: { MAX_ARCHIVE_BODY_BYTES: String(ARCHIVE_CAP) } }),
      makeDemoDelivery({ out: path.join(work, "delivery"), count: COUNT, width: 320, height: 400, org: ORG }),
    ]);
    server = srv;
    delivery = d;
    admin = await server.token(ORG, "admin");
    const imported = await importRoster({ url: server.url, token: admin, rosterCsv: delivery.rosterCsv });
    assert.equal(imported.created, COUNT, JSON.stringify(imported));
  });

  after(async () => {
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function getUpload(id) {
    const res = await fetch(`${server.url}/v1/uploads/${id}`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(res.status, 200);
    return res.json();
  }

  /** The upload id from the CLI's output (it names the report file passpix-report-<id>.csv). */
  function reportOf(r, cwd) {
    const m = /passpix-report-([a-z0-9]+)\.csv/.exec(r.stdout);
    assert.ok(m, `the output names the report file\n${show(r)}`);
    const file = path.join(cwd, m[0]);
    assert.ok(statSync(file).size > 0, `${file} was written`);
    return { id: m[1], file, csv: readFileSync(file, "utf8") };
  }

  test("a folder with its mapping file: every photo is processed and the report is saved", async () => {
    const cwd = mkdtempSync(path.join(work, "run-folder-"));
    const r = await runCli([delivery.photosDir, delivery.mappingCsv, "--url", server.url, "--token", admin, "--concurrency", "4"], { cwd });
    assert.equal(r.code, 0, show(r));
    const { id, csv } = reportOf(r, cwd);
    const upload = await getUpload(id);
    assert.equal(upload.status, "completed", JSON.stringify(upload.problems));
    assert.equal(upload.counts.processed, COUNT);
    assert.equal(upload.counts.failed, 0);
    // junk (.DS_Store, ._*, __MACOSX, Thumbs.db, desktop.ini) was never sent
    assert.equal(upload.counts.files_received, COUNT);
    assert.equal(upload.counts.unreferenced_files, 0);
    // the output: preview counts, the result, the phases' times
    assert.match(r.stdout, /Files received\s+30/);
    assert.match(r.stdout, /Result: completed/);
    assert.match(r.stdout, /Processed\s+30/);
    assert.match(r.stdout, /Time: upload [\d.]+ m?s .* processing [\d.]+ m?s .* total [\d.]+ m?s/);
    // report.csv: a header and one line per mapping row, all processed
    const lines = csv
      .replace(/^\uFEFF/, "")
      .trim()
      .split(/\r?\n/);
    assert.equal(lines[0], "row,identifier,file,student_id,status,code,message");
    assert.equal(lines.length, COUNT + 1);
    assert.equal(lines.slice(1).filter((l) => l.split(",")[4] === "processed").length, COUNT);
  });

  /** The delivery zipped as a vendor ships it: a top folder, the mapping inside, the usual junk. */
  function deliveryZip() {
    const entries = {};
    for (const rel of listFiles(delivery.photosDir)) entries[`delivery/${rel}`] = readFileSync(path.join(delivery.photosDir, ...rel.split("/")));
    entries["delivery/mapping.csv"] = readFileSync(delivery.mappingCsv);
    entries["delivery/order form.pdf"] = new TextEncoder().encode("%PDF-1.4 not a photo");
    return zipSync(entries, { level: 0 });
  }

  test("a zip larger than the server's cap: unpacked here, its photos and mapping sent like a folder's (and --enable turns photos on)", async () => {
    const cwd = mkdtempSync(path.join(work, "run-zip-"));
    const bytes = deliveryZip();
    assert.ok(bytes.byteLength > ARCHIVE_CAP, `the zip (${bytes.byteLength} bytes) is larger than the cap`);
    const zip = path.join(work, "delivery.zip");
    writeFileSync(zip, bytes);
    // sent whole, the server refuses it
    const probe = (await (await fetch(`${server.url}/v1/uploads`, { method: "POST", headers: { authorization: `Bearer ${admin}` } })).json()).upload.id;
    const refused = await fetch(`${server.url}/v1/uploads/${probe}/archive`, {
      method: "PUT",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/zip" },
      body: bytes,
    });
    assert.equal(refused.status, 413);
    assert.equal((await refused.json()).error.code, "too_large");

    const r = await runCli([zip, "--url", server.url, "--token", admin, "--enable"], { cwd });
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /unpacked here, its photos sent one by one/);
    assert.match(r.stdout, new RegExp(`Sent ${COUNT + 1}/${COUNT + 1} files`));
    assert.match(r.stdout, /system files? in the zip skipped/);
    assert.match(r.stdout, /delivery\/order form\.pdf: not a photo or a mapping file/);
    assert.match(r.stdout, /Photos are now enabled/);
    const integration = await (await fetch(`${server.url}/v1/integration`, { headers: { authorization: `Bearer ${admin}` } })).json();
    assert.equal(integration.enabled, true);
    const { id } = reportOf(r, cwd);
    const upload = await getUpload(id);
    assert.equal(upload.status, "completed", JSON.stringify(upload.problems));
    assert.equal(upload.counts.processed, COUNT);
    assert.equal(upload.counts.files_received, COUNT, "the photos (mapping.csv is the mapping), no junk");
    assert.equal(upload.archive, null, "the zip never went to PUT …/archive");
    assert.equal(upload.mapping_file, null, "the mapping came from inside the zip, not from PUT /mapping");
    assert.equal(upload.format, "csv");
  });

  test("a zip cut short: what was read is kept, nothing is submitted; --upload <id> with the whole zip sends only the rest", async () => {
    const cwd = mkdtempSync(path.join(work, "run-zip-resume-"));
    const whole = deliveryZip();
    const cutZip = path.join(work, "delivery-cut.zip");
    writeFileSync(cutZip, whole.subarray(0, Math.floor(whole.byteLength / 2)));
    const first = await runCli([cutZip, "--url", server.url, "--token", admin], { cwd });
    assert.equal(first.code, 1, show(first));
    assert.match(first.stderr, /The zip file (ends early|is damaged or incomplete)/);
    assert.match(first.stderr, /nothing was submitted/);
    const id = /Created upload ([a-z0-9]+)/.exec(first.stdout)?.[1];
    assert.ok(id, show(first));
    assert.match(first.stderr, new RegExp(`--upload ${id}`));
    const kept = (await getUpload(id)).counts.files_received;
    assert.ok(kept > 0 && kept < COUNT, `some photos were read whole before the cut (${kept})`);

    const zip = path.join(work, "delivery-whole.zip");
    writeFileSync(zip, whole);
    const again = await runCli([zip, "--url", server.url, "--token", admin, "--upload", id], { cwd });
    assert.equal(again.code, 0, show(again));
    assert.match(
      again.stdout,
      new RegExp(`Sent ${COUNT + 1 - kept}/${COUNT + 1 - kept} files .*; ${kept} files? the upload already held (was|were) not sent again`),
    );
    const upload = await getUpload(id);
    assert.equal(upload.status, "completed", JSON.stringify(upload.problems));
    assert.equal(upload.counts.processed, COUNT);
  });

  test("network trouble: 503, 429 and dropped connections are retried and every photo arrives", async () => {
    const proxy = await flakyProxy(server.url);
    try {
      const cwd = mkdtempSync(path.join(work, "run-flaky-"));
      const r = await runCli([delivery.photosDir, delivery.mappingCsv, "--url", proxy.url, "--token", admin], { cwd });
      assert.equal(r.code, 0, show(r));
      assert.ok(proxy.stats[503] > 0 && proxy.stats[429] > 0 && proxy.stats.dropped > 0, JSON.stringify(proxy.stats));
      assert.match(r.stdout, /Sent 30\/30 files .*\d+ retries/);
      const { id } = reportOf(r, cwd);
      const upload = await getUpload(id);
      assert.equal(upload.status, "completed");
      assert.equal(upload.counts.processed, COUNT);
    } finally {
      await proxy.close();
    }
  });

  test("a file that keeps failing: listed, nothing submitted, exit 1; --upload <id> completes the same draft", async () => {
    const broken = listFiles(delivery.photosDir).find((f) => /^Grade 9\/IMG_0002\.jpg$/i.test(f));
    assert.ok(broken, "the delivery has Grade 9/IMG_0002");
    const proxy = await flakyProxy(server.url, { alwaysFail: [broken] });
    const cwd = mkdtempSync(path.join(work, "run-resume-"));
    let first;
    try {
      first = await runCli([delivery.photosDir, delivery.mappingCsv, "--url", proxy.url, "--token", admin], { cwd });
    } finally {
      await proxy.close();
    }
    assert.equal(first.code, 1, show(first));
    assert.match(first.stdout, new RegExp(`1 file could not be sent:\\n\\s+✗ ${broken.replace(/[.]/g, "\\.")}: the server answered 500 after several tries`));
    assert.match(first.stderr, /nothing was submitted/);
    const id = /Created upload ([a-z0-9]+)/.exec(first.stdout)?.[1];
    assert.ok(id, show(first));
    assert.match(first.stderr, new RegExp(`--upload ${id}`));
    assert.equal((await getUpload(id)).status, "draft");

    const again = await runCli([delivery.photosDir, delivery.mappingCsv, "--url", server.url, "--token", admin, "--upload", id], { cwd });
    assert.equal(again.code, 0, show(again));
    assert.match(again.stdout, new RegExp(`Continuing draft upload ${id}`));
    assert.equal(reportOf(again, cwd).id, id);
    const upload = await getUpload(id);
    assert.equal(upload.status, "completed");
    assert.equal(upload.counts.processed, COUNT);
    assert.equal(upload.counts.files_received, COUNT, "re-sent names replaced the earlier files");
  });

  test("photo warnings: the summary counts them by kind and names the other student of a duplicate; report.csv lists them per row", async () => {
    const cwd = mkdtempSync(path.join(work, "run-warnings-"));
    const dir = path.join(cwd, "retakes");
    mkdirSync(dir);
    // The same picture for two students (an index shifted by a row), and one too small for the card.
    const same = portraitJpeg({ seed: "cli-warnings:same" });
    writeFileSync(path.join(dir, "a.jpg"), same);
    writeFileSync(path.join(dir, "b.jpg"), same);
    writeFileSync(path.join(dir, "c.jpg"), portraitJpeg({ seed: "cli-warnings:small", width: 240, height: 300 }));
    const [s1, s2, s3] = delivery.students;
    const mapping = path.join(cwd, "mapping.csv");
    writeFileSync(mapping, `${s1.email},a.jpg\n${s2.email},b.jpg\n${s3.email},c.jpg\n`);
    const r = await runCli([dir, mapping, "--url", server.url, "--token", admin], { cwd });
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /Result: completed/);
    assert.match(
      r.stdout,
      /^ {2}Warnings +2 {2}photos to look at \((possible_duplicate 1, low_resolution 1|low_resolution 1, possible_duplicate 1)\)$/m,
      show(r),
    );
    assert.match(r.stdout, new RegExp(`row 2, b\\.jpg: .*\\(same as ${s1.id}\\)`), show(r));
    const rows = reportOf(r, cwd)
      .csv.replace(/^\uFEFF/, "")
      .trim()
      .split(/\r?\n/)
      .slice(1)
      .map((l) => l.split(",").slice(4, 6).join(" "));
    assert.deepEqual(rows, ["processed ", "processed possible_duplicate", "processed low_resolution"]);
  });

  test("a bad token: exit 1 with a clear message", async () => {
    const cwd = mkdtempSync(path.join(work, "run-badtoken-"));
    const bad = admin.slice(0, -4) + (admin.endsWith("AAAA") ? "BBBB" : "AAAA");
    const r = await runCli([delivery.photosDir, delivery.mappingCsv, "--url", server.url, "--token", bad], { cwd });
    assert.equal(r.code, 1, show(r));
    assert.match(r.stderr, /your token is invalid\/expired or not an admin token/i);
    assert.deepEqual(readdirSync(cwd), [], "no report is written");
  });

  test("a teacher token is refused the same way", async () => {
    const r = await runCli([delivery.photosDir, "--url", server.url, "--token", await server.token(ORG, "teacher")], { cwd: work });
    assert.equal(r.code, 1, show(r));
    assert.match(r.stderr, /not an admin token/);
  });

  test("bad arguments: usage and exit 2", async () => {
    for (const args of [
      [],
      [delivery.photosDir],
      [path.join(work, "nope"), "--url", server.url, "--token", admin],
      [delivery.photosDir, "--url", server.url, "--token", admin, "--concurrency", "0"],
    ]) {
      const r = await runCli(args, { cwd: work });
      assert.equal(r.code, 2, `${JSON.stringify(args)}\n${show(r)}`);
      assert.match(r.stderr, /Usage: npm run upload/);
    }
  });

  test("an unreachable URL: exit 1 saying the service could not be reached", async () => {
    const port = await freePort();
    const r = await runCli([delivery.photosDir, "--url", `http://127.0.0.1:${port}`, "--token", admin], { cwd: work });
    assert.equal(r.code, 1, show(r));
    assert.match(r.stderr, /Could not reach the passpix service at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });
});
